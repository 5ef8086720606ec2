"""Child process of the sign-and-send kill -9 test (run as `python -m tests.crash.sign_child`).

    work  SHARED SEED   write, sign, queue and send reports until killed
    drain SHARED        finish what a killed child left, deliver everything, print a JSON summary

SHARED holds: drafts/ (DraftStore), signed/ (sign() outputs), outbox/ (Outbox), centre/
(LocalCentre root, the study queued for READER), journal.txt and deliveries.txt. The PKCS#12
is SHARED/reader.p12, its password in YOMI_CRASH_P12_PASSWORD.

What the child does, like the report panel (app/windows/report_panel.py) with a reader typing:
- a new report for the real study; edits one at a time through EditSession (each autosaved
  before it returns); after each edit returned, journal "draft <id> <edit> <sha>";
- print "sign <id>" then `sign()` with the test PKCS#12, `Outbox.enqueue(SR, encapsulated PDF)`,
  save the signed report in the draft store (as the panel does) and only then journal
  "signed <id> <sr uid> <pdf uid>": the moment the UI says "signed"; print "queued <id> <s>";
- a Sender thread delivers to the LocalCentre meanwhile; every confirmed submit is journaled
  in deliveries.txt as "<uid> new|dup" (dup: the centre already held those bytes).

Resume rule after a kill (work and drain): `DraftStore.restore()`; journal "restored <id>
<edit> <sha>" for each unsigned draft found. A signed report (saved after enqueue) is done; its "signed" line is written
if the kill came before it. A draft is signed again with `sign()`:
- if its signed/<id>/report.json exists, the earlier signing wrote every output: sign() gives
  back those outputs (same UIDs, same bytes; refused if the content differs) and enqueue is a
  no-op if they were queued already. No second SR is ever made for the report id.
- if the folder is partial or missing, nothing of it was queued (enqueue only ever runs on a
  returned sign()): sign() signs afresh with new UIDs; the partial files are never sent.
In drain mode only drafts with complete outputs are finished; other drafts stay drafts (the UI
never said "signed" for them).

Edit k of a report also writes "版k" into its impression, so a restored draft tells how far
its edits got. Logs and journal carry report ids, UIDs and hashes only, no personal data.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import sys
import time
from pathlib import Path

READER = "R-17"
SIGNER_NAME = "Sato^Hanako=佐藤^花子=さとう^はなこ"
ORGANISATION = "Yomi Reading Centre"
LUNG_SERIES = Path(__file__).resolve().parents[3] / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"
STUDY_FOLDER = "lung-dx-a0001"
SLICE_INDEX = 20
MARK = re.compile(r"版(\d+)")
# The reader's secret (a Session's cache_key() on the station): drafts, signed outputs and
# outbox payloads are sealed under its sub-keys, as in the reading window.
SECRET_KEY = hashlib.sha256(b"yomi crash test reader secret").digest()


def reader_secret():
    from app.report.sealed_files import ReaderSecret

    return ReaderSecret(READER, lambda: SECRET_KEY)


def signed_files(folder: Path):
    """The sealed outputs of one report folder (read(name) gives the clear bytes)."""
    from app.report.signing import OutputFolder

    return OutputFolder(folder, reader_secret())


def say(*words: object) -> None:
    """One stdout line in one write() (print() writes piece by piece under PYTHONUNBUFFERED=1,
    so a kill could leave half a line)."""
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


def report_sha(report) -> str:
    """sha256 of the report's JSON (canonical: sorted keys), as the journal records it."""
    return hashlib.sha256(json.dumps(report.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def edit_count(report) -> int:
    m = MARK.search(str(report.fields.get("impression", "")))
    return int(m.group(1)) if m else 0


def planned_edits(report_id: str) -> int:
    """6 edits make a signable report; 0-3 more, fixed by the id so a restart knows the plan."""
    return 6 + int(report_id[:2], 16) % 4


def real_slice():
    import pydicom

    return pydicom.dcmread(sorted(LUNG_SERIES.glob("*.dcm"))[SLICE_INDEX], stop_before_pixels=True)


def identity_of(img):
    from app.report.identity import StudyIdentity

    return StudyIdentity(str(img.StudyInstanceUID), str(img.get("PatientID", "")), str(img.get("PatientName", "")),
                         str(img.get("PatientBirthDate", "")), str(img.get("PatientSex", "")),
                         str(img.get("AccessionNumber", "")), str(img.get("StudyDate", "")),
                         str(img.get("StudyTime", "")), str(img.get("StudyID", "")))


class Journal:
    """Append-only, one write() per line, fsynced before returning."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def line(self, *words: object) -> None:
        os.write(self.fd, (" ".join(str(w) for w in words) + "\n").encode())
        os.fsync(self.fd)


def journaled_signed(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {ln.split()[1] for ln in path.read_text().splitlines() if ln.startswith("signed ")}


class Child:
    def __init__(self, shared: Path) -> None:
        from app.report.draft_store import DraftStore
        from app.report.identity import Signer
        from worklist.local import LocalCentre, uid_file_name
        from worklist.outbox import Backoff, Outbox

        from app.report.sealed_files import Purpose

        self.shared = shared
        self.secret = reader_secret()
        self.store = DraftStore(shared / "drafts", self.secret)
        self.signed_dir = shared / "signed"
        self.outbox = Outbox(shared / "outbox", key=self.secret.key(Purpose.OUTBOX))
        self.journal = Journal(shared / "journal.txt")
        self.deliveries = Journal(shared / "deliveries.txt")
        self.signer = Signer(SIGNER_NAME, READER, ORGANISATION)
        self.p12 = shared / "reader.p12"
        self.password = os.environ["YOMI_CRASH_P12_PASSWORD"].encode()
        self.img = real_slice()
        self.backoff = Backoff(base_s=0.02, factor=2.0, cap_s=0.3, jitter=0.5)
        deliveries = self.deliveries

        class JournaledCentre(LocalCentre):
            """The real LocalCentre; each confirmed submit is also journaled (new or already held)."""

            def submit(self, instances):
                import pydicom

                out = []
                for data in instances:
                    uid = str(pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID)
                    held = (self.root / "received" / uid_file_name(uid)).exists()
                    out += super().submit([data])
                    deliveries.line(uid, "dup" if held else "new")
                return out

        self.centre = JournaledCentre(shared / "centre", READER)

    def start_sender(self, poll_s: float):
        from worklist.outbox import Sender

        sender = Sender(self.outbox, self.centre, backoff=self.backoff, poll_s=poll_s)
        sender.start()
        return sender

    # -- resume ----------------------------------------------------------------------------
    def resume(self, *, finish_unsigned: bool) -> None:
        from app.report.editing import EditSession
        from app.report.signing import REPORT_JSON

        done = journaled_signed(self.shared / "journal.txt")
        restored = self.store.restore()
        for report in reversed(restored):  # oldest first
            if report.is_signed:
                if report.report_id not in done:  # killed after saving, before the "signed" line
                    sig = report.signature
                    self.journal.line("signed", report.report_id, sig.sr_sop_uid, sig.encapsulated_sop_uid)
                continue
            self.journal.line("restored", report.report_id, edit_count(report), report_sha(report))
            folder = self.signed_dir / report.report_id
            complete = (folder / REPORT_JSON).exists()
            if folder.exists():
                self.journal.line("resume", report.report_id, "complete" if complete else "partial")
            if complete or finish_unsigned:
                self.write_and_sign(EditSession(report, self.store))

    # -- one report --------------------------------------------------------------------------
    def edit(self, session, k: int) -> None:
        from app.report.finding import Finding

        img = self.img
        steps = {
            1: lambda r: r.set_field("comparison", "baseline"),
            2: lambda r: r.set_field("lungrads_incomplete", "no"),
            3: lambda r: r.set_field("emphysema", "mild"),
            4: lambda r: r.set_field("coronary_calcification", "none"),
            5: lambda r: r.set_field("interstitial", "none"),
            6: lambda r: r.add_nodule(Finding.from_measurement(
                8.24, 6.46, str(img.SeriesInstanceUID), str(img.SOPInstanceUID), SLICE_INDEX,
                sop_class_uid=str(img.SOPClassUID), long_axis_px=(250.0, 260.0, 270.0, 262.0),
                short_axis_px=(260.0, 255.0, 260.5, 268.0), lobe="RLL", kind="part_solid", solid_long_mm=4.0,
                solid_short_mm=3.1, calcification="none", margin="lobulated", status="baseline")),
        }
        step = steps.get(k, lambda r: r.update_nodule(0, note=f"再検討 {k}"))

        def change(r) -> None:
            step(r)
            r.set_field("impression", f"右下葉に部分充実結節。版{k}")

        session.apply(f"edit {k}", change)  # autosaved before it returns
        self.journal.line("draft", session.report.report_id, k, report_sha(session.report))

    def write_and_sign(self, session) -> None:
        from app.report.signing import sign

        report = session.report
        for k in range(edit_count(report) + 1, planned_edits(report.report_id) + 1):
            self.edit(session, k)
        say("sign", report.report_id)
        t0 = time.monotonic()
        signed = sign(report, self.signer, self.signed_dir, self.p12, self.password,
                      study_on_screen=str(self.img.StudyInstanceUID), secret=self.secret)
        self.outbox.enqueue(report.report_id, [(signed.sr_sop_uid, signed.sr),
                                               (signed.encapsulated_sop_uid, signed.encapsulated_pdf)])
        self.store.save(signed.report)  # as the panel: reopening the study shows the signed report
        self.journal.line("signed", report.report_id, signed.sr_sop_uid, signed.encapsulated_sop_uid)
        say("queued", report.report_id, f"{time.monotonic() - t0:.3f}")

    def new_report(self, rng: random.Random):
        import uuid

        from app.report.editing import EditSession
        from app.report.model import Report
        from app.report.templates import load_template

        report = Report(load_template("lung-screening-ldct"), identity_of(self.img), "ja",
                        report_id=uuid.UUID(int=rng.getrandbits(128)).hex)
        return EditSession(report, self.store)


def start_process():
    """Logging to stderr (the app's INFO lines, where the test looks for personal data) and the
    Qt application the PDF writer needs (QT_QPA_PLATFORM=offscreen)."""
    import logging

    from PySide6.QtGui import QGuiApplication

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    return QGuiApplication(["yomi-crash-child"])


def work(shared: Path, seed: int) -> None:
    qt = start_process()  # noqa: F841 (kept alive)
    rng = random.Random(seed)
    child = Child(shared)
    child.start_sender(poll_s=0.1)
    say("ready")
    child.resume(finish_unsigned=True)
    while True:
        child.write_and_sign(child.new_report(rng))


def drain(shared: Path) -> int:
    qt = start_process()  # noqa: F841 (kept alive)
    child = Child(shared)
    sender = child.start_sender(poll_s=0.05)
    child.resume(finish_unsigned=False)
    deadline = time.monotonic() + 120  # liveness limit, not a speed check
    while child.outbox.pending_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    sender.stop()
    states: dict[str, int] = {}
    for st in child.outbox.all_status():
        states[st.state.value] = states.get(st.state.value, 0) + 1
    say(json.dumps({"states": states}))
    return 0 if child.outbox.pending_count() == 0 else 1


if __name__ == "__main__":
    if sys.argv[1] == "work":
        work(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(drain(Path(sys.argv[2])))
