"""Build the interface translations: compile every yomi_*.ts here into a .qm beside it.

    python resources/translations/build.py            # compile only (install, CI): .ts -> .qm
    python resources/translations/build.py --update   # first re-scan the sources (pyside6-lupdate):
                                                      # new strings arrive as unfinished entries

After --update, translate the entries the script lists (Qt Linguist: pyside6-linguist, or by
hand: fill <translation> and drop type="unfinished"), then run it again without --update.
Compiling never changes a .ts file; the .qm files are build output (not committed).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# where translated texts live: tr() in the GUI modules, QT_TRANSLATE_NOOP marks in the Qt-free viewer
SOURCES = ("app", "viewer")


def _tool(name: str) -> str:
    """pyside6-<name> of this interpreter's PySide6 (the wheel ships the Qt binaries)."""
    import PySide6

    for candidate in (Path(PySide6.__file__).parent / name, Path(sys.executable).parent / f"pyside6-{name}"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"{name} not found beside PySide6 ({PySide6.__file__}): install PySide6-Essentials")


def catalogues() -> list[Path]:
    return sorted(HERE.glob("yomi_*.ts"))


def unfinished(ts: Path) -> list[str]:
    """Source texts of `ts` without a finished translation ("[context] text")."""
    root = ET.parse(ts).getroot()
    out = []
    for context in root.iter("context"):
        for m in context.iter("message"):
            tr = m.find("translation")
            if tr is None or tr.get("type") == "unfinished" or not (tr.text or "").strip():
                out.append(f"[{context.findtext('name')}] {m.findtext('source')}")
    return out


def update() -> None:
    files = sorted(str(p.relative_to(ROOT)) for d in SOURCES for p in (ROOT / d).rglob("*.py"))
    for ts in catalogues():
        subprocess.run([_tool("lupdate"), "-no-obsolete", "-locations", "none", *files, "-ts", str(ts)],
                       cwd=ROOT, check=True)


def compile_all() -> list[Path]:
    built = []
    for ts in catalogues():
        qm = ts.with_suffix(".qm")
        subprocess.run([_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="re-scan the sources with lupdate first")
    args = parser.parse_args(argv)
    if args.update:
        update()
    for qm in compile_all():
        print(f"built {qm.relative_to(ROOT)}")
    missing = {ts.name: unfinished(ts) for ts in catalogues()}
    for name, texts in missing.items():
        for t in texts:
            print(f"{name}: untranslated: {t}")
    return 1 if args.update and any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
