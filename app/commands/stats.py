"""`yomi stats --from DATE --to DATE [--csv FILE]`: the centre's figures for the annual report.

Reads the centre's verified Yomi SRs of studies dated in the range (app.reading.statistics
says what is counted and how) as the logged-in station user, with the account's identity at
the centre: a reader's account sees the centre's answer for that reader, a centre
administrator's account (no reader scope in the centre plugin) sees all. The query and
every study read are audited. Without --csv the figures go to stdout as CSV.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date

from app.commands._connection import ReaderConnection, add_connection_options, station_login


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("stats", help="the centre's statistics for a date range (station login)")
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE", help="first study date")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE", help="last study date")
    p.add_argument("--csv", metavar="FILE", help="write the figures to FILE (0600) instead of stdout")
    add_connection_options(p)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app import audit
    from app.reading.site_rules import SiteRulesError, load_site_rules
    from app.reading.statistics import StatisticsError, compute_statistics, fetch_readings, write_csv

    if args.date_to < args.date_from:
        print(f"stats: --to {args.date_to} is before --from {args.date_from}", file=sys.stderr)
        return 2
    try:
        rules = load_site_rules()
    except SiteRulesError as exc:
        print(f"stats: {exc}", file=sys.stderr)
        return 2
    session = station_login("stats")
    if session is None:
        return 2
    reader = session.user.user_id
    conn = ReaderConnection(session, "stats")
    dates = f"{args.date_from:%Y%m%d}-{args.date_to:%Y%m%d}"

    def report() -> None:
        readings = fetch_readings(
            conn.centre.client, args.date_from, args.date_to,
            on_study=lambda study, patient: audit.study_opened(reader, study, patient))
        audit.query(reader, {"StudyDate": dates, "Modality": "SR"}, server=conn.cfg.dicomweb_url)
        stats = compute_statistics(readings, args.date_from, args.date_to, rules.turnaround)
        if args.csv:
            write_csv(stats, Path(args.csv))
            print(f"stats: {stats.examinees} examinees, {stats.readings} readings "
                  f"({args.date_from} to {args.date_to}) written to {args.csv}")
        else:
            sys.stdout.write(write_csv(stats))

    return conn.run(
        args, report, expected=(StatisticsError,),
        refused=lambda exc: audit.query(reader, {"StudyDate": dates}, server=conn.cfg.dicomweb_url, ok=False),
        failure_text=lambda exc: f"cannot write {args.csv} ({exc.strerror})" if isinstance(exc, OSError) else str(exc))
