"""Start the reading window: reader login, centre, cache, outbox, idle lock, main window.

`yomi --demo`: the embedded local centre (app/demo.py) and a demo reader kept in the demo
centre's own user store, so that no demo account ever exists in the station's real one.
`yomi --config FILE`: a DICOMweb reading centre; the reader logs in to the station with
their own account (`yomi user add`). Who the reader is at the centre (DICOM name, centre
user) and which key signs are the account's, bound by IT (app.config.bind_account); a
configuration asking otherwise is overridden and the reader told so in the status bar. Where
`[centre] oidc_issuer` is set the reader then signs in at the identity provider in the
system browser (app/windows/oidc_wait.py, on a worker), its `sub` must be the account's
`oidc_subject`, and the centre is called with its bearer token (forgotten at logout);
otherwise the centre secret comes from the OS keyring, YOMI_CENTRE_PASSWORD/YOMI_PASSWORD,
or a password dialog. Studies are cached encrypted with a key only this reader's password
yields; the next studies of the worklist are prefetched.
"""
from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger(__name__)

from app.demo import DEMO_PASSWORD  # noqa: E402  (re-exported: the demo's public password)


def _provider_sign_in(cfg, session, parent):
    """(LoginResult, bearer auth) from the identity provider, or None after a message (the
    reader cancelled, or the provider signed in someone else)."""
    from PySide6.QtWidgets import QMessageBox

    from app.config import oidc_settings
    from app.session.oidc import LoginCancelled, OidcClient
    from app.session.oidc_binding import account_subject
    from app.windows.oidc_wait import OidcWaitDialog

    import webbrowser

    user_id = session.user.user_id
    # looked up at each call: the system browser is whatever webbrowser.open is then
    client = OidcClient(oidc_settings(cfg), open_browser=lambda url: webbrowser.open(url))
    dialog = OidcWaitDialog(parent, client, user_id=user_id, oidc_subject=account_subject(session.store, user_id),
                            audit_log=session.audit_log)
    outcome = dialog.run()
    if outcome is None and dialog.error is not None and not isinstance(dialog.error, LoginCancelled):
        from app.windows.error_text import error_text

        QMessageBox.critical(parent, "Yomi", error_text(dialog.error))
    return outcome


def _centre_secret(centre_cfg, parent) -> str | None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    from app.config import ConfigError, get_secret

    try:
        return get_secret(centre_cfg, interactive=False)
    except ConfigError:
        text, ok = QInputDialog.getText(
            parent, "Yomi", QCoreApplication.translate("Shell", "Password for {0} at {1}:").format(
                centre_cfg.user, centre_cfg.name), QLineEdit.Password)
        return text if ok and text else None


def _install_language(app, args: argparse.Namespace) -> None:
    """The interface language from the `language` setting (site < user file < command line's
    --config), before the first window: "auto" follows the OS."""
    from app.commands._connection import load_centre_config
    from app.config import ConfigError
    from app.windows.translation import configured_language, install_translators

    try:
        setting = configured_language(load_centre_config(args))
    except ConfigError:  # reported with its own message once the window starts; until then, the OS
        setting = "auto"
    install_translators(app, setting)


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.paths import data_dir, outbox_dir
    from app.windows import warm_up
    from app.windows.login_dialog import login

    # The reading window's modules (VTK, the report, the workflow: 1.2 s of imports) come
    # after the login, so the login window shows in about the bare imports' time (bench/startup.py).
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Yomi")
    _install_language(app, args)
    # At the first turn of the login window's event loop: off the GUI thread, and not before the window
    QTimer.singleShot(0, warm_up.start)
    idle_s = 300.0
    prefetch, poll_s, cache, retain_s = 0, 0.0, None, 0.0
    provider_login = None  # app.session.oidc.LoginResult when signed in at the centre's provider
    if args.demo:
        from app.demo import prepare_demo

        setup = prepare_demo()
        from app.demo import demo_store

        store = demo_store(setup.centre.root)
        # The demo's own trail, beside its own accounts: its checkpoints are signed by a demo
        # key the station's site store does not know, which would fail `yomi audit verify`
        # of the station's real log.
        from app.audit import AuditLog
        from app.session import Session

        demo_log = AuditLog(setup.centre.root / "audit" / "audit.jsonl")
        session = login(store, user_hint="demo", session_factory=lambda s: Session(s, audit_log=demo_log))
        if session is None:
            return 1
        if setup.real_ct:
            held = QCoreApplication.translate("Shell", "real chest CT (TCIA Lung-PET-CT-Dx, CC BY 4.0); "
                                                       "synthetic chest phantom")
        else:
            held = QCoreApplication.translate("Shell", "sample CT not found (../shared/data): showing a synthetic "
                                                       "chest phantom instead")
        centre, notice = setup.centre, QCoreApplication.translate("Shell", "Demo centre: {0} — demo reader '{1}' / {2}").format(
            held, "demo", DEMO_PASSWORD)
        signing_settings = None
        sign_grace_s = 0.0
        requester_receives = "final"
        templates, hanging = (), ()
        destination = str(setup.centre.root)
    else:
        from app.commands._connection import load_centre_config
        from app.config import ConfigError, bind_account, open_centre
        from app.reading.certificates import SigningSettings
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
        session = login(default_store())  # the station account: it says who the reader is at the centre
        if session is None:
            return 1
        cfg, overridden = bind_account(config.centre, session.user)
        auth_handler, secret = None, ""
        if cfg.oidc_issuer:
            signed_in = _provider_sign_in(cfg, session, None)
            if signed_in is None:
                session.logout()
                return 1
            provider_login, auth_handler = signed_in
        else:
            secret = _centre_secret(cfg, None)
            if secret is None:
                session.logout()
                return 1
        try:
            inner = open_centre(cfg, secret, data_dir() / "centre-state", auth_handler=auth_handler)
        except (ConfigError, CentreError) as exc:
            from app.windows.error_text import error_text

            QMessageBox.critical(None, "Yomi", error_text(exc))
            return 1
        cache = StudyCache(data_dir() / "cache", session.user.user_id, session.cache_key(),
                           max_bytes=int(cfg.cache_max_gb * 1e9), ttl_seconds=cfg.cache_ttl_hours * 3600)
        centre, notice = CachingCentre(inner, cache), QCoreApplication.translate("Shell", "Connected to {0}").format(cfg.name)
        if overridden:  # told once, never silently: the account's identity wins over the file's
            notice += " — " + QCoreApplication.translate(
                "Shell", "{0} configured value(s) replaced by your account's binding (see the log)").format(len(overridden))
            for line in overridden:
                print(f"yomi: {line}", file=sys.stderr)
        signing_settings = SigningSettings.of(cfg)
        sign_grace_s = config.station.sign_grace_s
        requester_receives = cfg.requester_receives
        templates, hanging = config.station.templates, config.station.hanging_protocols
        destination = cfg.dicomweb_url
        idle_s, prefetch, poll_s = cfg.idle_lock_s, cfg.prefetch, cfg.poll_interval_s
        retain_s = cfg.retain_sent_hours * 3600

    from app.windows.lock_screen import LockGuard
    from app.windows.main_window import MainWindow
    from worklist.outbox import Outbox, Sender

    # One outbox per destination: a report signed for one centre (or the demo) is never
    # delivered to another because the station was started with another configuration.
    outbox = Outbox(outbox_dir(destination), retain_sent_s=retain_s)
    sender = Sender(outbox, centre)
    sender.start()
    from app import audit
    from app.config import ConfigError as _ConfigError
    try:  # the audit trail goes to the centre's repository too, on its own thread (site [audit])
        forwarder = audit.start_forwarding(session.audit_log)
    except _ConfigError as exc:
        sender.stop()
        session.logout()
        from app.windows.error_text import error_text

        QMessageBox.critical(None, "Yomi", error_text(exc))
        return 2
    window = MainWindow(centre, session.user.user_id, notice, session=session, outbox=outbox,
                        prefetch=prefetch, poll_interval_s=poll_s, cache=cache, retain_signed_s=retain_s)
    window.signing_settings = signing_settings  # the report panel signs with the site's defaults
    window.report_panel.grace.grace_s = sign_grace_s  # 0 unless the site allows a run of signatures
    window.report_panel.offer_templates(templates)    # the site's choice (station.templates); () = all
    window.hanging.offer(hanging)                     # station.hanging_protocols; () = all bundled
    from app.reading.requester_policy import RequesterReceives
    window.requester_receives = RequesterReceives(requester_receives)  # double reading (site setting)
    guard = LockGuard(window, session, timeout_s=idle_s)
    guard.loggedOut.connect(window.close)  # "Log out" on the lock screen ends the run
    # File > Lock screen (Ctrl+Alt+L, and Ctrl+Shift+L where a desktop locker takes Ctrl+Alt+L):
    # the guard binds it on the window's keymap
    window.show()
    try:
        return app.exec()
    finally:
        guard.stop()
        sender.stop()
        if hasattr(centre, "close"):
            centre.close()
        if provider_login is not None:
            provider_login.tokens.forget()
        session.logout()
        if forwarder is not None:  # what it had not sent yet waits in the log for the next start
            forwarder.stop()
