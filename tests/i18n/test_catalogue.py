"""The Japanese catalogue is complete: every string of the sources has a finished translation.

The second test re-scans the sources with pyside6-lupdate into a copy of the catalogue: a
string someone added to the code (tr(), QCoreApplication.translate, QT_TRANSLATE_NOOP) and
not yet translated fails it, and the failure lists each one. To fix: run
`python resources/translations/build.py --update`, translate the listed entries in
resources/translations/yomi_ja.ts, run the build again.
"""
from __future__ import annotations

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
