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

from app.commands._connection import add_connection_options, bound_centre_config, open_reader_centre, station_login


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
    from app.config import ConfigError
    from app.reading.site_rules import SiteRulesError, load_site_rules
    from app.reading.statistics import StatisticsError, compute_statistics, fetch_readings, write_csv
    from worklist.centre import CentreError

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
    provider = cfg = None
    try:
        cfg = bound_centre_config(args, session, "stats")
        opened = open_reader_centre(cfg, session, "stats")
        if opened is None:
            return 2
        centre, provider = opened
        try:
            readings = fetch_readings(
                centre.client, args.date_from, args.date_to,
                on_study=lambda study, patient: audit.study_opened(reader, study, patient))
        finally:
            centre.close()
        audit.query(reader, {"StudyDate": f"{args.date_from:%Y%m%d}-{args.date_to:%Y%m%d}", "Modality": "SR"},
                    server=cfg.dicomweb_url)
        stats = compute_statistics(readings, args.date_from, args.date_to, rules.turnaround)
        if args.csv:
            write_csv(stats, Path(args.csv))
            print(f"stats: {stats.examinees} examinees, {stats.readings} readings "
                  f"({args.date_from} to {args.date_to}) written to {args.csv}")
        else:
            sys.stdout.write(write_csv(stats))
    except (ConfigError, CentreError, StatisticsError) as exc:
        if isinstance(exc, CentreError) and cfg is not None:
            audit.query(reader, {"StudyDate": f"{args.date_from:%Y%m%d}-{args.date_to:%Y%m%d}"},
                        server=cfg.dicomweb_url, ok=False)
        print(f"stats: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"stats: cannot write {args.csv} ({exc.strerror})", file=sys.stderr)
        return 1
    finally:
        if provider is not None:
            provider.tokens.forget()
        session.logout()
    return 0
