"""`yomi centre check`: can this station reach and use its reading centre?

One line per check (reachability, TLS, authentication, QIDO-RS, UPS-RS, round-trip time);
exit 0 when all pass, else 1 with a one-line reason on stderr.
"""
from __future__ import annotations

import argparse
import sys

from app.commands._connection import add_connection_options, load_centre_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("centre", help="reading-centre connection")
    sub = p.add_subparsers(dest="centre_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="check reachability, TLS, login, QIDO, UPS and round-trip time")
    add_connection_options(check)


def run(args: argparse.Namespace) -> int:
    import socket
    import statistics
    import time
    from urllib.parse import urlsplit

    from app.config import ConfigError, get_secret, open_centre
    from app.paths import data_dir
    from worklist.centre import CentreError, Forbidden, TLSFailure, Unauthorised, Unreachable

    def line(name: str, text: str) -> None:
        print(f"{name:<10} {text}", flush=True)

    try:
        cfg = load_centre_config(args).centre
        if not cfg.dicomweb_url:
            raise ConfigError("no centre.dicomweb_url configured (config file or --server)")
        url = urlsplit(cfg.dicomweb_url)
        port = url.port or (443 if url.scheme == "https" else 80)
        t0 = time.perf_counter()
        try:
            socket.create_connection((url.hostname, port), timeout=cfg.connect_timeout).close()
        except OSError as exc:
            print(f"centre check: cannot reach {url.hostname}:{port} ({exc.strerror or type(exc).__name__})",
                  file=sys.stderr)
            return 1
        line("reach", f"ok {url.hostname}:{port} ({(time.perf_counter() - t0) * 1000:.1f} ms)")
        secret = get_secret(cfg)
        centre = open_centre(cfg, secret, data_dir())
        client = centre.client
        try:
            if url.scheme == "https":
                client.request("HEAD", "", ok=range(100, 600))  # any answer: the handshake passed
                line("tls", f"ok verified against {cfg.ca_bundle or 'the system trust store'} (TLS >= 1.2)")
            else:
                line("tls", "none: plain HTTP (acceptable on loopback or a closed network only)")
            # UPS first: a centre with per-reader access (packaging/centre) refuses a reader's
            # unscoped study search, since it cannot filter a QIDO answer, and serves the
            # worklist by UPS-RS instead.
            try:
                client.search("workitems", limit=1)
                ups_reason = ""
            except (Unauthorised, TLSFailure, Unreachable):
                raise
            except CentreError as exc:
                ups_reason = type(exc).__name__
            try:
                client.search_studies(limit=1)
                qido_scoped = False
            except Forbidden:
                if ups_reason:
                    raise
                qido_scoped = True
            line("auth", f"ok as {cfg.user or '(anonymous)'}")
            if qido_scoped:
                line("qido", "scoped: this reader may search only studies assigned to them (per-reader access)")
            else:
                line("qido", "ok studies search answered")
            if not ups_reason:
                line("ups", "ok workitems search answered")
            elif cfg.has_ups:
                print(f"centre check: configured has_ups but {cfg.dicomweb_url} has no UPS-RS ({ups_reason})",
                      file=sys.stderr)
                return 1
            else:
                line("ups", "not offered; worklist from QIDO-RS studies")
            if qido_scoped and not cfg.has_ups:
                print(f"centre check: {cfg.dicomweb_url} serves this reader's worklist by UPS-RS only: "
                      "set has_ups = true in the centre configuration", file=sys.stderr)
                return 1
            probe = (lambda: client.search("workitems", limit=1)) if qido_scoped else \
                (lambda: client.search_studies(limit=1))
            rtts = []
            for _ in range(5):
                t = time.perf_counter()
                probe()
                rtts.append((time.perf_counter() - t) * 1000)
            line("rtt", f"median {statistics.median(rtts):.1f} ms over 5 {'UPS' if qido_scoped else 'QIDO'} requests")
        finally:
            centre.close()
    except (ConfigError, CentreError) as exc:
        if isinstance(exc, CentreError):
            from app import audit

            audit.centre_refused(getattr(args, "user", None) or "(centre check)", exc.url or "centre", exc)
        print(f"centre check: {exc}", file=sys.stderr)
        return 1
    print("centre check: all checks passed", flush=True)
    return 0
