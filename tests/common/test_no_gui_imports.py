"""common/ and its tests stay below the GUI: importing every module of both loads no Qt, no VTK."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_common_imports_no_qt_and_no_vtk() -> None:
    code = (
        "import sys, pkgutil, importlib, common\n"
        "for m in pkgutil.iter_modules(common.__path__): importlib.import_module('common.' + m.name)\n"
        "import tests.common as t\n"
        "for m in pkgutil.iter_modules(t.__path__): importlib.import_module('tests.common.' + m.name)\n"
        "import viewer.views.navigation, viewer.volume, worklist.retrieval, worklist.outbox, app.report.sr\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'vtk', 'vtkmodules'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
