"""Run one `yomi` command in this process and report its exit code and peak memory.

Used as `python -m tests.hostile.measure ARGS...` by the hostile tests: a child process per
case, so that each case's peak resident size (ru_maxrss) is its own. An address-space limit
(YOMI_TEST_RLIMIT_AS bytes) keeps a regression from taking the shared test machine's memory.
"""
from __future__ import annotations

import json
import os
import resource
import sys


def own_peak_bytes() -> int:
    """This process's own peak resident size: VmHWM of /proc/self/status. Not ru_maxrss: a
    child started from a large parent (pytest after the GUI tests, 2.3 GB) inherits the
    parent's high-water mark there, whatever it uses itself."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def main() -> int:
    limit = int(os.environ.get("YOMI_TEST_RLIMIT_AS", "0"))
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from app.main import main as yomi

    try:
        rc = yomi(sys.argv[1:])
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    except MemoryError:
        rc = 99
    peak = own_peak_bytes()
    sys.stderr.write("\nMEASURE " + json.dumps({"rc": rc, "peak_bytes": peak}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
