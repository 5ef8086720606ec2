"""`yomi user add ID --name NAME --dicom-name FAMILY^GIVEN`: IT creates a reader account headless.

The password comes from YOMI_PASSWORD (scripted use) or is asked twice on the terminal; it
is never taken from the command line, where other users could see it. The reader must
change it at first login.
"""
from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("user", help="manage local reader accounts")
    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="create a reader account (password: YOMI_PASSWORD or prompt)")
    a.add_argument("user_id", metavar="ID")
    a.add_argument("--name", required=True, help="display name")
    a.add_argument("--dicom-name", required=True, help="name in reports, DICOM PN, e.g. SATO^ICHIRO")
    a.add_argument("--admin", action="store_true", help="also grant the admin role")
    sub.add_parser("list", help="list account IDs")


def _password() -> str | None:
    import getpass
    import os

    env = os.environ.get("YOMI_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        print("yomi user: the passwords differ", file=sys.stderr)
        return None
    return first


def run(args: argparse.Namespace) -> int:
    from app.session import SessionError, add_user, default_store

    store = default_store()
    if args.user_command == "list":
        for uid in store.user_ids():
            print(uid)
        return 0
    password = _password()
    if password is None:
        print("yomi user: no password (set YOMI_PASSWORD or run on a terminal)", file=sys.stderr)
        return 2
    roles = ["reader", "admin"] if args.admin else ["reader"]
    try:
        add_user(store, args.user_id, password, args.name, args.dicom_name, roles=roles)
    except SessionError as exc:
        print(f"yomi user: {exc}", file=sys.stderr)
        return 1
    print(f"user {args.user_id} created; the password must be changed at first login")
    return 0
