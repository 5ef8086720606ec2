"""Child process for the kill -9 test of the outbox (run as `python -m tests.infra.outbox_child`).

work  OUTBOX URL JOURNAL SEED REPORTS: start a Sender, print "ready", enqueue REPORTS reports
      of 1-3 instances; after each `enqueue` returned, append "report uid..." to JOURNAL
      (fsynced): those are the items the UI would have shown as signed. Then idle until killed.
drain OUTBOX URL: deliver everything still pending, print a JSON summary, exit 0 (1 if the
      outbox did not empty within the limit).
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid

from tests.infra.standin import HttpCentre, StowCentre, make_instance
from worklist.outbox import Backoff, Outbox, Sender

def centre(url: str) -> HttpCentre | StowCentre:
    """A URL with /dicom-web is a real Orthanc (credentials in YOMI_TEST_STOW_AUTH=user:password)."""
    if "/dicom-web" in url:
        user, _, password = os.environ["YOMI_TEST_STOW_AUTH"].partition(":")
        return StowCentre(url, (user, password), timeout_s=10.0)
    return HttpCentre(url, timeout_s=5.0)


FAST = Backoff(base_s=0.02, factor=2.0, cap_s=0.3, jitter=0.5)


def work(outbox_dir: str, url: str, journal: str, seed: int, reports: int) -> None:
    rng = random.Random(seed)
    outbox = Outbox(outbox_dir, key=bytes(range(32)))
    sender = Sender(outbox, centre(url), backoff=FAST, poll_s=0.2, rng=rng)
    sender.start()
    print("ready", flush=True)
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    for _ in range(reports):
        report_id = uuid.uuid4().hex
        items = [make_instance(size=rng.randrange(500, 10000)) for _ in range(rng.randint(1, 3))]
        outbox.enqueue(report_id, items)
        os.write(fd, (" ".join([report_id] + [uid for uid, _ in items]) + "\n").encode())
        os.fsync(fd)
        time.sleep(rng.random() * 0.05)
    while True:
        time.sleep(1)


def drain(outbox_dir: str, url: str) -> int:
    outbox = Outbox(outbox_dir, key=bytes(range(32)))
    sender = Sender(outbox, centre(url), backoff=FAST, poll_s=0.05)
    sender.start()
    deadline = time.monotonic() + 120
    while outbox.pending_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.stop()
    states: dict[str, int] = {}
    for st in outbox.all_status():
        states[st.state.value] = states.get(st.state.value, 0) + 1
    print(json.dumps({"states": states, "uids": [s.sop_uid for s in outbox.all_status()]}), flush=True)
    return 0 if outbox.pending_count() == 0 else 1


if __name__ == "__main__":
    if sys.argv[1] == "work":
        work(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit(drain(sys.argv[2], sys.argv[3]))
