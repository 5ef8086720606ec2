"""Start the reading window: reader login, centre, cache, outbox, idle lock, main window.

`yomi --demo`: the embedded local centre (app/demo.py) and a demo reader kept in the demo
centre's own user store, so that no demo account ever exists in the station's real one.
`yomi --config FILE`: a DICOMweb reading centre; the reader logs in to the station with
their own account (`yomi user add`), then the centre secret comes from the OS keyring,
YOMI_PASSWORD, or a password dialog. Studies are cached encrypted with a key only this
reader's password yields; the next studies of the worklist are prefetched.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DEMO_PASSWORD = "Yomi-Reading-2026"  # the demo reader's, printed in the README: public sample data only


def _demo_store(root: Path):
    from app.session import UserStore, add_user

    store = UserStore(root / "users.json")
    if store.get("demo") is None:
        add_user(store, "demo", DEMO_PASSWORD, "Demo Reader", "Reader^Demo", must_change_password=False)
    return store


def _centre_secret(centre_cfg, parent) -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from app.config import ConfigError, get_secret

    try:
        return get_secret(centre_cfg, interactive=False)
    except ConfigError:
        text, ok = QInputDialog.getText(
            parent, "Yomi", f"Password for {centre_cfg.user} at {centre_cfg.name}:", QLineEdit.Password)
        return text if ok and text else None


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.paths import data_dir, outbox_dir
    from app.windows.lock_screen import LockGuard
    from app.windows.login_dialog import login
    from app.windows.main_window import MainWindow
    from worklist.outbox import Outbox, Sender

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yomi")
    idle_s = 300.0
    prefetch, poll_s, cache = 0, 0.0, None
    if args.demo:
        from app.demo import prepare_demo

        setup = prepare_demo()
        store = _demo_store(setup.centre.root)
        session = login(store, user_hint="demo")
        if session is None:
            return 1
        centre, notice = setup.centre, setup.notice + f" — demo reader 'demo' / {DEMO_PASSWORD}"
        destination = str(setup.centre.root)
    else:
        from app.commands._connection import load_centre_config
        from app.config import ConfigError, open_centre
        from app.session import default_store
        from worklist.cache import StudyCache
        from worklist.cached_centre import CachingCentre
        from worklist.centre import CentreError

        try:
            config = load_centre_config(args)
        except ConfigError as exc:
            print(f"yomi: {exc}", file=sys.stderr)
            return 2
        if not config.centre.dicomweb_url:
            print("yomi: start with --demo, or --config FILE (or --server URL) for a reading centre",
                  file=sys.stderr)
            return 2
        cfg = config.centre
        session = login(default_store())  # the station account; --user names the centre account
        if session is None:
            return 1
        secret = _centre_secret(cfg, None)
        if secret is None:
            return 1
        try:
            inner = open_centre(cfg, secret, data_dir() / "centre-state")
        except (ConfigError, CentreError) as exc:
            QMessageBox.critical(None, "Yomi", str(exc))
            return 1
        cache = StudyCache(data_dir() / "cache", session.user.user_id, session.cache_key(),
                           max_bytes=int(cfg.cache_max_gb * 1e9), ttl_seconds=cfg.cache_ttl_hours * 3600)
        centre, notice = CachingCentre(inner, cache), f"Connected to {cfg.name}"
        destination = cfg.dicomweb_url
        idle_s, prefetch, poll_s = cfg.idle_lock_s, cfg.prefetch, cfg.poll_interval_s

    # One outbox per destination: a report signed for one centre (or the demo) is never
    # delivered to another because the station was started with another configuration.
    outbox = Outbox(outbox_dir(destination))
    sender = Sender(outbox, centre)
    sender.start()
    window = MainWindow(centre, session.user.user_id, notice, session=session, outbox=outbox,
                        prefetch=prefetch, poll_interval_s=poll_s, cache=cache)
    guard = LockGuard(window, session, timeout_s=idle_s)
    guard.loggedOut.connect(window.close)  # "Log out" on the lock screen ends the run
    lock = QAction("Lock screen (Ctrl+Shift+L)", window)
    lock.setShortcut(QKeySequence("Ctrl+Shift+L"))  # Ctrl+Alt+L is taken by desktop screen lockers
    lock.triggered.connect(guard.lock_now)
    window.addToolBar("Session").addAction(lock)
    window.show()
    try:
        return app.exec()
    finally:
        guard.stop()
        sender.stop()
        if hasattr(centre, "close"):
            centre.close()
        session.logout()
