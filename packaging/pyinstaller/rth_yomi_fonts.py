"""PyInstaller runtime hook: make the bundled CJK font visible before Qt or VTK start.

Qt finds fonts through fontconfig on Linux; the bundle's fonts.conf includes the system
configuration and adds the bundle's own font folder, so a station without fonts-noto-cjk
still shows Japanese names. VTK text takes a font file: YOMI_CJK_FONT names it
(viewer/views/fonts.py). A value IT set in the environment is left alone.
"""
import os
import sys
from pathlib import Path

_root = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))
_fonts = _root / "fonts"
_conf = _fonts / "fonts.conf"
if sys.platform.startswith("linux") and _conf.is_file():
    os.environ.setdefault("FONTCONFIG_FILE", str(_conf))
for _face in sorted(_fonts.glob("*.tt[cf]")) if _fonts.is_dir() else ():
    os.environ.setdefault("YOMI_CJK_FONT", str(_face))
    break
