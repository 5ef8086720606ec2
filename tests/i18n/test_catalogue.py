"""The Japanese catalogue is complete: every string of the sources has a finished translation.

The second test re-scans the sources with pyside6-lupdate into a copy of the catalogue: a
string someone added to the code (tr(), QCoreApplication.translate, QT_TRANSLATE_NOOP) and
not yet translated fails it, and the failure lists each one. To fix: run
`python resources/translations/build.py --update`, translate the listed entries in
resources/translations/yomi_ja.ts, run the build again.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from resources.translations import build

TS = build.HERE / "yomi_ja.ts"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%[0-9n]")


def _messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(path).getroot()
    return [(c.findtext("name") or "", m.findtext("source") or "", m.find("translation"))
            for c in root.iter("context") for m in c.iter("message")]


def _missing(path: Path) -> list[str]:
    return build.unfinished(path)


def test_every_message_of_the_catalogue_is_translated():
    missing = _missing(TS)
    assert len(_messages(TS)) > 200  # the catalogue is the interface's, not an empty file
    assert not missing, "untranslated in yomi_ja.ts:\n" + "\n".join(missing)


def test_every_string_of_the_sources_is_in_the_catalogue_and_translated(tmp_path):
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    files = sorted(str(p.relative_to(build.ROOT)) for d in build.SOURCES for p in (build.ROOT / d).rglob("*.py"))
    subprocess.run([build._tool("lupdate"), "-no-obsolete", "-locations", "none", *files, "-ts", str(copy)],
                   cwd=build.ROOT, check=True, capture_output=True)
    missing = _missing(copy)
    assert not missing, ("strings in the code without a Japanese translation (run resources/translations/"
                         "build.py --update, translate them in yomi_ja.ts):\n" + "\n".join(missing))


def test_translations_keep_the_placeholders_of_their_source():
    wrong = []
    for ctx, src, tr in _messages(TS):
        if tr is not None and tr.text and sorted(_PLACEHOLDER.findall(src)) != sorted(_PLACEHOLDER.findall(tr.text)):
            wrong.append(f"[{ctx}] {src!r} -> {tr.text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_build_step_compiles_without_touching_the_catalogue():
    before = TS.read_bytes()
    built = build.compile_all()
    assert [p.name for p in built] == ["yomi_ja.qm"] and built[0].stat().st_size > 10_000
    assert TS.read_bytes() == before


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) or (
        isinstance(node, ast.BinOp) and _literal(node.left) and _literal(node.right))


def _hidden_from_lupdate(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls whose literal text lupdate cannot file under the context the code translates it
    in: `x.tr("…")` on anything but self (lupdate takes the variable's name for the context),
    an alias of tr/translate/QT_TRANSLATE_NOOP given a literal (lupdate knows only those
    names), a variable context with a literal text (lupdate files it under "")."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        receiver = ast.unparse(f.value) if isinstance(f, ast.Attribute) else ""
        a = node.args
        if name == "tr" and _literal(a[0]) and receiver != "self":
            out.append((node.lineno, ast.unparse(node)))
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(a) >= 2 and _literal(a[1]) and not _literal(a[0]):
            out.append((node.lineno, ast.unparse(node)))
        elif name in ("_tr", "_t", "_T", "_", "tr_") and _literal(a[0]):
            out.append((node.lineno, ast.unparse(node)))
    return out


def test_no_text_of_the_sources_hides_from_lupdate():
    found = []
    for d in build.SOURCES:
        for p in sorted((build.ROOT / d).rglob("*.py")):
            for line, call in _hidden_from_lupdate(ast.parse(p.read_text(encoding="utf-8"))):
                found.append(f"{p.relative_to(build.ROOT)}:{line}: {call[:100]}")
    assert not found, ("lupdate cannot file these under their context (use self.tr in the class, or "
                       "QCoreApplication.translate / QT_TRANSLATE_NOOP with a literal context):\n" + "\n".join(found))


def test_the_hidden_text_check_sees_each_pattern():
    code = ('class A:\n    def f(self, w, ctx):\n        self.tr("fine")\n        w.tr("hidden")\n'
            '        QCoreApplication.translate(ctx, "hidden")\n        _tr("hidden")\n'
            '        QT_TRANSLATE_NOOP("A", "fine")\n        QCoreApplication.translate("A", text)\n')
    assert [call for _, call in _hidden_from_lupdate(ast.parse(code))] == [
        "w.tr('hidden')", "QCoreApplication.translate(ctx, 'hidden')", "_tr('hidden')"]


def test_every_context_of_the_catalogue_is_named():
    """lupdate writes an empty context for a text it could not place: the code translates it in
    another context, so the screen would stay English."""
    root = ET.parse(TS).getroot()
    bad = [c.findtext("name") or "" for c in root.iter("context") if not re.fullmatch(r"[A-Z]\w*", c.findtext("name") or "")]
    assert not bad, f"contexts that are no class or literal context: {bad}"
