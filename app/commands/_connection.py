"""What `centre`, `pull`, `stats` and `report export` share: the connection options, opening
the centre from them (`ReaderConnection`), and the station login of a headless command.

The same options exist on the top-level parser (app/main.py); the sub-parser copies use
SUPPRESS so that `yomi --server URL centre check` and `yomi centre check --server URL`
both work and neither clobbers the other.

`station_login` is the reader's login for commands that touch personal data (pull, export):
user ID, password and second factor from YOMI_USER / YOMI_PASSWORD / YOMI_CODE (scripts),
else asked on the terminal. The centre password then comes from the keyring or
YOMI_CENTRE_PASSWORD (YOMI_PASSWORD is the station's here).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

USER_ENV, PASSWORD_ENV, CODE_ENV = "YOMI_USER", "YOMI_PASSWORD", "YOMI_CODE"


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--config", metavar="FILE", default=s, help="centre configuration (TOML)")
    parser.add_argument("--server", metavar="URL", default=s, help="DICOMweb root URL")
    parser.add_argument("--user", metavar="NAME", default=s,
                        help="user at the centre (centre check; pull and export use the account's)")
    parser.add_argument("--ca-bundle", metavar="FILE", default=s, help="CA bundle for TLS")


def load_centre_config(args: argparse.Namespace):  # -> app.config.Config
    from app.config import load_config

    config = getattr(args, "config", None)
    overrides = {"dicomweb_url": getattr(args, "server", None), "user": getattr(args, "user", None),
                 "ca_bundle": getattr(args, "ca_bundle", None)}
    return load_config(Path(config) if config else None, overrides)


def ask(env: str, prompt: str, *, secret: bool, strip: bool = True) -> str | None:
    """`env`'s value if set, else what the terminal answers (hidden if `secret`); None when
    neither gives one. `strip=False` keeps the spaces of an answer (a password typed by IT)."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    import getpass

    answer = getpass.getpass(prompt) if secret else input(prompt)
    return (answer.strip() if strip else answer) or None


def station_login(command: str) -> Any:  # -> app.session.Session | None
    """The reader's logged-in station session (password + second factor), or None after a
    one-line message on stderr naming what is missing or refused. Every attempt is audited
    by the session (User Authentication; Security Alert for a wrong code)."""
    from app import audit
    from app.session import SecondFactorRequired, Session, SessionError, default_store

    user_id = ask(USER_ENV, "Station user ID: ", secret=False)
    if user_id is None:
        print(f"{command}: log in to the station first: set {USER_ENV} (and {PASSWORD_ENV}, {CODE_ENV}) "
              "or run on a terminal", file=sys.stderr)
        return None
    password = ask(PASSWORD_ENV, f"Password of {user_id}: ", secret=True)
    if password is None:
        print(f"{command}: no station password for {user_id} (set {PASSWORD_ENV} or run on a terminal)",
              file=sys.stderr)
        return None
    session = Session(default_store(), audit_log=audit.default_log())
    try:
        try:
            session.login(user_id, password)
        except SecondFactorRequired:
            code = ask(CODE_ENV, "One-time code (authenticator app) or recovery code: ", secret=True)
            if code is None:
                session.cancel_login()
                print(f"{command}: {user_id} needs a one-time code (set {CODE_ENV} or run on a terminal)",
                      file=sys.stderr)
                return None
            session.complete_login(code)
    except SessionError as exc:
        session.cancel_login()
        print(f"{command}: station login of {user_id} refused: {exc}", file=sys.stderr)
        return None
    if session.password_change_required:
        print(f"{command}: {user_id} must change the initial password first (log in at the reading window)",
              file=sys.stderr)
        session.logout()
        return None
    return session


def bound_centre_config(args: argparse.Namespace, session: Any, command: str):  # -> CentreConfig
    """The centre settings with the reader's identity from the logged-in account; each value
    the configuration asked for and the account overrode is told once on stderr."""
    from app.config import bind_account

    cfg, notices = bind_account(load_centre_config(args).centre, session.user)
    for notice in notices:
        print(f"{command}: {notice}", file=sys.stderr)
    return cfg


def provider_sign_in(cfg: Any, session: Any, command: str) -> Any:  # -> LoginResult | None
    """Where `[centre] oidc_issuer` is set: the reader signs in at the identity provider in the
    system browser (the address is printed when none opens); the subject must be the one IT
    bound to the station account. None after a one-line message."""
    import webbrowser

    from app.config import oidc_settings
    from app.session.oidc import OidcClient, OidcError
    from app.session.oidc_binding import account_subject, bound_sign_in

    user_id = session.user.user_id
    client = OidcClient(oidc_settings(cfg), open_browser=lambda url: webbrowser.open(url))
    try:
        pending = client.begin()
        if not pending.browser_opened:
            print(f"{command}: open this address to sign in at {client.issuer}: {pending.authorization_url}",
                  file=sys.stderr)
        return bound_sign_in(pending, user_id=user_id, oidc_subject=account_subject(session.store, user_id),
                             issuer=client.issuer, audit_log=session.audit_log)
    except OidcError as exc:
        print(f"{command}: sign-in at {cfg.oidc_issuer} refused: {exc}", file=sys.stderr)
        return None


def open_reader_centre(cfg: Any, session: Any, command: str) -> tuple[Any, Any] | None:
    """(centre, provider sign-in or None) for the logged-in reader: with the provider's bearer
    where `[centre] oidc_issuer` is set, else the centre password (keyring or
    YOMI_CENTRE_PASSWORD; YOMI_PASSWORD is the station's here). None after a message."""
    from app.config import CENTRE_SECRET_ENV, get_secret, open_centre
    from app.paths import data_dir

    if cfg.oidc_issuer:  # the centre takes the provider's bearer, not a password
        provider = provider_sign_in(cfg, session, command)
        if provider is None:
            return None
        return open_centre(cfg, "", data_dir() / "centre-state", auth_handler=provider.tokens.bearer_auth()), provider
    secret = get_secret(cfg, env_names=CENTRE_SECRET_ENV[:1])
    return open_centre(cfg, secret, data_dir() / "centre-state"), None


class ReaderConnection:
    """One command's way to the centre as the logged-in reader: the settings bound to the
    account (`cfg`), the centre, and the identity provider's sign-in where there is one.
    `close()` ends all three and logs the station session out, whatever happened before."""

    def __init__(self, session: Any, command: str) -> None:
        self.session = session
        self.command = command
        self.cfg: Any = None        # app.config.CentreConfig, once bound
        self.centre: Any = None
        self.provider: Any = None   # the provider sign-in (its tokens are forgotten at close)

    def open(self, args: argparse.Namespace) -> bool:
        """Bind the settings and open the centre; False after a one-line message on stderr
        (the command exits 2). Raises the settings' ConfigError and the centre's CentreError."""
        self.cfg = bound_centre_config(args, self.session, self.command)
        opened = open_reader_centre(self.cfg, self.session, self.command)
        if opened is None:
            return False
        self.centre, self.provider = opened
        return True

    def run(self, args: argparse.Namespace, work: Callable[[], None], *,
            failure_text: Callable[[Exception], str], refused: Callable[[Any], None] = lambda exc: None,
            expected: tuple[type[Exception], ...] = ()) -> int:
        """Open, `work()`, close, whatever happens; the exit code. 2: not opened (said). 1: a
        settings, centre or disk error (or one of `expected`), said on stderr as
        `command: failure_text(error)`; a centre's error, once the settings are bound, first
        goes to `refused` (the command's audit). 0: done."""
        from app.config import ConfigError
        from worklist.centre import CentreError

        try:
            if not self.open(args):
                return 2
            work()
        except (ConfigError, CentreError, OSError, *expected) as exc:
            if isinstance(exc, CentreError) and self.cfg is not None:
                refused(exc)
            print(f"{self.command}: {failure_text(exc)}", file=sys.stderr)
            return 1
        finally:
            self.close()
        return 0

    def close(self) -> None:
        try:
            if self.centre is not None:
                self.centre.close()
        finally:
            if self.provider is not None:
                self.provider.tokens.forget()
            self.session.logout()
