"""Start-up time of the installed bundle against the venv, median of 5 (not a test: figures
for packaging/README.md). Needs the .deb installed (dpkg -i) and Xvfb.

    PYTHONPATH=. .venv/bin/python tests/packaging/measure_startup.py

`--version`: process start to exit. Login window: process start of `yomi --demo` to the
first frame on its own Xvfb screen with a window drawn (the demo centre prepared by one
warm-up run first, in the same HOME, so each measured run does the same work).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.packaging.xvfb_screen import Screen

REPO = Path(__file__).resolve().parents[2]
RUNS = 5


def _env(home: Path, venv: bool, display: str = "") -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    if venv:
        env["PYTHONPATH"] = str(REPO)
    if display:
        env["DISPLAY"] = display
    return env


def _command(venv: bool) -> list[str]:
    return [sys.executable, "-m", "app.main"] if venv else ["/usr/bin/yomi"]


def version_s(home: Path, venv: bool) -> float:
    t = time.perf_counter()
    subprocess.run([*_command(venv), "--version"], env=_env(home, venv), cwd=home, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def login_window_s(home: Path, venv: bool) -> float:
    with Screen() as screen:
        t = time.perf_counter()
        proc = subprocess.Popen([*_command(venv), "--demo"], env=_env(home, venv, screen.display), cwd=home,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            frame = screen.wait_for_window(proc, settled=False, poll_s=0.02)
            elapsed = time.perf_counter() - t
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    if frame is None:
        raise RuntimeError("no window drawn")
    return elapsed


def main() -> int:
    for label, venv in (("bundle", False), ("venv", True)):
        with tempfile.TemporaryDirectory() as d:
            home = Path(d)
            login_window_s(home, venv)  # warm-up: prepares the demo centre in this HOME
            v = [version_s(home, venv) for _ in range(RUNS)]
            w = [login_window_s(home, venv) for _ in range(RUNS)]
        print(f"{label}: yomi --version median {statistics.median(v):.2f} s "
              f"(min {min(v):.2f}, max {max(v):.2f}); login window median {statistics.median(w):.2f} s "
              f"(min {min(w):.2f}, max {max(w):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
