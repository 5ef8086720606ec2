"""`yomi user add|disable|enable|reset|roles|oidc|list`: IT manages reader accounts headless.

Run by IT with sudo (the site's signing key is root-only), with the reader present for
`add` and `reset`. Every action but `list` first logs the admin in: `--admin ID` (or
YOMI_ADMIN), the admin's password (YOMI_ADMIN_PASSWORD, else asked on the terminal) and
second factor (YOMI_ADMIN_CODE, else asked), against an account holding the admin role;
the action is then audited with the admin as requestor.

The reader's initial password comes from YOMI_PASSWORD (scripted use), is asked twice on
the terminal, or (empty answer, or no terminal) is generated and printed once; never from
the command line, where other users could see it. The reader must change it at first
login. `add` and `reset` print the authenticator QR code and the recovery codes once.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

ROLE_CHOICES = ("reader", "admin", "judge")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("user", help="manage reader accounts (IT, with sudo)")
    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    def admin_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("--admin", metavar="ADMIN_ID", default=os.environ.get("YOMI_ADMIN"),
                       help="the admin logging in (default: YOMI_ADMIN)")
        q.add_argument("--admin-credentials-dir", metavar="DIR", type=Path,
                       help="where the admin's credential file is (default: this user's data dir)")

    a = sub.add_parser("add", help="create an account (reader present: shows the QR code once)")
    a.add_argument("user_id", metavar="ID")
    a.add_argument("--display-name", "--name", dest="display_name", required=True, help="display name")
    a.add_argument("--dicom-name", required=True, help="name in reports, DICOM PN, e.g. SATO^ICHIRO")
    a.add_argument("--centre-user", default="", help="the reader's user name at the reading centre")
    key = a.add_mutually_exclusive_group()
    key.add_argument("--signing-p12", metavar="PATH", help="the reader's report-signing PKCS#12 file")
    key.add_argument("--signing-pkcs11", metavar="URI", help="PKCS#11 URI or token label of the signing card")
    a.add_argument("--oidc-subject", default="", metavar="SUB",
                   help="the reader's subject (`sub`) at the centre's identity provider")
    a.add_argument("--role", action="append", choices=ROLE_CHOICES, help="repeatable; default: reader")
    a.add_argument("--credentials-dir", metavar="DIR", type=Path,
                   help="the reader's credentials dir (default: <data dir>/credentials of this user)")
    admin_args(a)
    for name, text in (("disable", "disable an account"), ("enable", "enable a disabled account")):
        d = sub.add_parser(name, help=text)
        d.add_argument("user_id", metavar="ID")
        admin_args(d)
    r = sub.add_parser("reset", help="new key pair, password, TOTP secret and recovery codes")
    r.add_argument("user_id", metavar="ID")
    r.add_argument("--credentials-dir", metavar="DIR", type=Path, help="the reader's credentials dir")
    admin_args(r)
    o = sub.add_parser("roles", help="set an account's roles")
    o.add_argument("user_id", metavar="ID")
    o.add_argument("--role", action="append", choices=ROLE_CHOICES, required=True, help="repeatable")
    admin_args(o)
    s = sub.add_parser("oidc", help="bind the reader's identity-provider subject to the account")
    s.add_argument("user_id", metavar="ID")
    s.add_argument("--subject", "--oidc-subject", dest="oidc_subject", required=True, metavar="SUB",
                   help="the `sub` of the ID token ('' to unbind)")
    admin_args(s)
    sub.add_parser("list", help="list accounts (ID, roles, disabled)")


def _err(text: str) -> None:
    print(f"yomi user: {text}", file=sys.stderr)


def _secret(env: str, prompt: str) -> str | None:
    from app.commands._connection import ask

    return ask(env, prompt, secret=True, strip=False)


def generated_password(user_id: str) -> str:
    """A random initial password meeting the policy (4 groups of 4: easy to type once)."""
    from app.session import PasswordPolicy

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    while True:
        pw = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
        if not PasswordPolicy().problems(pw, user_id):
            return pw


def new_password(user_id: str) -> tuple[str, bool] | None:
    """(password, generated); None if the two typed ones differ."""
    import getpass

    env = os.environ.get("YOMI_PASSWORD")
    if env:
        return env, False
    if not sys.stdin.isatty():
        return generated_password(user_id), True
    first = getpass.getpass(f"Initial password for {user_id} (empty: generate one): ")
    if not first:
        return generated_password(user_id), True
    if getpass.getpass("Repeat: ") != first:
        _err("the passwords differ")
        return None
    return first, False


def print_enrolment(enrolment, generated: bool) -> None:
    """CLI output, shown once: the QR code for the authenticator app and the recovery codes."""
    from app.session.qr import terminal_qr

    user_id = enrolment.user.user_id
    if generated:
        print(f"Initial password for {user_id} (shown once; to be changed at first login): {enrolment.password}")
    if enrolment.otpauth_uri:
        print(f"Scan with the authenticator app of {user_id}:")
        print(terminal_qr(enrolment.otpauth_uri))
        print(f"or enter this key by hand: {enrolment.totp_secret}")
        print(f"  ({enrolment.otpauth_uri})")
    elif enrolment.user.totp_required:
        print(f"{user_id} enrols the authenticator app at first login (site setting totp_enrol_at_first_login)")
    if enrolment.recovery_codes:
        print("Recovery codes (each works once instead of a code from the app; keep them on paper):")
        for code in enrolment.recovery_codes:
            print(f"  {code}")


def admin_session(args: argparse.Namespace):
    """The admin's logged-in Session (password + second factor), or None after a message."""
    from app import audit
    from app.session import SecondFactorRequired, SessionError, UserStore

    if not args.admin:
        _err("name the admin with --admin ID (or YOMI_ADMIN)")
        return None
    password = _secret("YOMI_ADMIN_PASSWORD", f"Password of admin {args.admin}: ")
    if password is None:
        _err("no admin password (set YOMI_ADMIN_PASSWORD or run on a terminal)")
        return None
    from app.session import Session

    store = UserStore(credentials_dir=args.admin_credentials_dir) if args.admin_credentials_dir else UserStore()
    session = Session(store, audit_log=audit.default_log(), required_role="admin")
    try:
        try:
            session.login(args.admin, password)
        except SecondFactorRequired:
            code = _secret("YOMI_ADMIN_CODE", "One-time code (authenticator app) or recovery code: ")
            if code is None:
                _err("no second factor (set YOMI_ADMIN_CODE or run on a terminal)")
                return None
            session.complete_login(code)
        if session.password_change_required:
            new = _secret("YOMI_ADMIN_NEW_PASSWORD", f"The initial password of {args.admin} must be changed now. "
                                                     f"New password: ")
            if new is None:
                _err("the admin's initial password must be changed first (YOMI_ADMIN_NEW_PASSWORD or a terminal)")
                session.logout()
                return None
            session.change_password(password, new)
    except SessionError as exc:
        _err(f"admin login refused: {exc}")
        session.logout()
        return None
    return session


def _list() -> int:
    from app.session import SessionError, default_store

    try:
        accounts = default_store().accounts()
    except SessionError as exc:
        _err(str(exc))
        return 1
    for uid in sorted(accounts):
        a = accounts[uid]
        print(f"{uid}\t{','.join(a.roles)}\t{'disabled' if a.disabled else 'enabled'}")
    return 0


def run(args: argparse.Namespace) -> int:
    from app.session import SessionError, SigningKeyRef, UserStore
    from app.session import administration as adm

    if args.user_command == "list":
        return _list()
    admin = admin_session(args)
    if admin is None:
        return 2
    try:
        target = UserStore(credentials_dir=getattr(args, "credentials_dir", None)) \
            if getattr(args, "credentials_dir", None) else UserStore()
        if args.user_command == "add":
            chosen = new_password(args.user_id)
            if chosen is None:
                return 2
            signing = SigningKeyRef("pkcs12", str(Path(args.signing_p12).resolve())) if args.signing_p12 else \
                SigningKeyRef("pkcs11", args.signing_pkcs11) if args.signing_pkcs11 else None
            enrolment = adm.add_account(admin, target, args.user_id, chosen[0], args.display_name, args.dicom_name,
                                        centre_user=args.centre_user, signing_key=signing,
                                        roles=args.role or ["reader"])
            if args.oidc_subject:
                adm.set_oidc_subject(admin, target, args.user_id, args.oidc_subject)
            print(f"user {args.user_id} created; the password must be changed at first login")
            print_enrolment(enrolment, chosen[1])
        elif args.user_command in ("disable", "enable"):
            adm.disable_account(admin, target, args.user_id, disabled=args.user_command == "disable")
            print(f"user {args.user_id} {args.user_command}d")
        elif args.user_command == "reset":
            chosen = new_password(args.user_id)
            if chosen is None:
                return 2
            enrolment = adm.reset_account(admin, target, args.user_id, chosen[0])
            print(f"user {args.user_id} reset: new key, password, authenticator and recovery codes")
            print_enrolment(enrolment, chosen[1])
        elif args.user_command == "oidc":
            adm.set_oidc_subject(admin, target, args.user_id, args.oidc_subject)
            print(f"user {args.user_id}: identity-provider subject {'bound' if args.oidc_subject else 'unbound'}")
        elif args.user_command == "roles":
            user = adm.set_roles(admin, target, args.user_id, args.role)
            print(f"user {args.user_id} roles: {', '.join(user.roles)}")
    except SessionError as exc:
        _err(str(exc))
        return 1
    finally:
        admin.logout()
    return 0
