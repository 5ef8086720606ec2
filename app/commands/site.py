"""`yomi site init --admin ID`: IT creates the site (run once, as root, on each station).

Creates in the site dir (YOMI_SITE_DIR, default /etc/yomi) the site's Ed25519 signing key
pair (private 0600, public 0644) and the signed account store holding the first admin
account, whose credential goes to this user's data dir (or `--credentials-dir`). The
admin's initial password comes from YOMI_PASSWORD, the terminal, or is generated; the QR
code and recovery codes are printed once. Settings: `--totp-unlock-after-h`,
`--totp-enrol-at-first-login`, `--label`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("site", help="create this station's site (IT, as root)")
    sub = p.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    i = sub.add_parser("init", help="site signing key + account store + first admin")
    i.add_argument("--admin", required=True, metavar="ID", help="user ID of the first admin")
    i.add_argument("--display-name", default="", help="the admin's display name (default: the ID)")
    i.add_argument("--dicom-name", default="", help="the admin's DICOM PN (default: ID^ADMIN)")
    i.add_argument("--centre-user", default="")
    i.add_argument("--credentials-dir", metavar="DIR", type=Path, help="where the admin's credential goes")
    i.add_argument("--totp-unlock-after-h", type=float, default=12.0,
                   help="hours after which unlocking asks for a one-time code again (default 12)")
    i.add_argument("--totp-enrol-at-first-login", action="store_true",
                   help="readers enrol their authenticator app at first login instead of at 'yomi user add'")
    i.add_argument("--label", default="", help="site name shown in authenticator apps")


def run(args: argparse.Namespace) -> int:
    from app import audit
    from app.commands.user import new_password, print_enrolment
    from app.paths import data_dir
    from app.session import SessionError, SiteSettings
    from app.session.administration import init_site
    from app.session.site_store import site_dir

    chosen = new_password(args.admin)
    if chosen is None:
        return 2
    settings = SiteSettings(totp_required=True, totp_unlock_after_h=args.totp_unlock_after_h,
                            totp_enrol_at_first_login=args.totp_enrol_at_first_login, label=args.label)
    directory = site_dir()
    try:
        enrolment = init_site(directory, args.credentials_dir or data_dir() / "credentials", args.admin, chosen[0],
                              args.display_name or args.admin, args.dicom_name or f"{args.admin}^ADMIN",
                              settings=settings, centre_user=args.centre_user, audit_log=audit.default_log())
    except SessionError as exc:
        print(f"yomi site: {exc}", file=sys.stderr)
        return 1
    print(f"site created in {directory}; admin {args.admin} (the password must be changed at first login)")
    print_enrolment(enrolment, chosen[1])
    return 0
