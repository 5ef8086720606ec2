"""Start-up to the login window (`yomi --demo`) against the bare imports and one dialog."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from bench.figures import Figure

_CHILD = """
import sys
import app.windows.login_dialog as ld
from PySide6.QtCore import QTimer
shown = ld.LoginDialog.showEvent
def on_show(self, event):
    shown(self, event)
    print("shown", flush=True)
    QTimer.singleShot(0, self.reject)
ld.LoginDialog.showEvent = on_show
from app.main import main
sys.exit(main(["--demo"]))
"""

_BARE = """
import numpy, pydicom, requests
import vtkmodules.vtkRenderingOpenGL2, vtkmodules.vtkInteractionStyle
from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor
from PySide6.QtWidgets import QApplication, QDialog
app = QApplication([])
d = QDialog()
d.show()
app.processEvents()
print("shown", flush=True)
"""


def _until_shown(code: str, env: dict) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    for line in proc.stdout:
        if line.strip() == "shown":
            took = time.perf_counter() - t
            break
    else:
        raise RuntimeError("the window never showed")
    proc.wait(timeout=60)
    return took


def measure(runs: int) -> list[Figure]:
    fig = Figure("start-up to the login window (yomi --demo)", floor_name="bare imports + a dialog", target=1.5)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "YOMI_DATA_DIR": tmp, "YOMI_CONFIG_DIR": tmp}
        _until_shown(_CHILD, env)  # the demo centre's first preparation is not start-up
        for _ in range(runs):
            fig.floor.add(_until_shown(_BARE, env))
            fig.ours.add(_until_shown(_CHILD, env))
    return [fig]
