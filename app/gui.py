"""Start the reading window: application, reader session, centre, main window."""
from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger(__name__)


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from app.windows.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yomi")
    if args.demo:
        from app.demo import DEMO_READER, prepare_demo

        setup = prepare_demo()
        window = MainWindow(setup.centre, DEMO_READER, setup.notice)
    else:
        print("yomi: start with --demo, or --config FILE for a reading centre", file=sys.stderr)
        return 2
    window.show()
    return app.exec()
