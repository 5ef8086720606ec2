"""A hostile centre cannot hold the client, fill its memory or steer its requests.

Issue 10 item 3: a 1.5 GB multipart part cost 4.7 GB; a server dripping one byte a second
held a request with a 2 s read timeout for 14 s; a server put `../../../../../tools/reset?x=`
in a SOP Instance UID and the client sent `GET /tools/reset` with the reader's credentials.
Each case runs the real client against a real loopback HTTP server (tests/hostile/hostile_server.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.hostile_server import base_url, drip, send_json, send_multipart_endless_part, serve, ui
from worklist.centre import BadData, DeadlineExceeded, Status, TooLarge, WorkItem
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings
from worklist.retrieval import iter_retrieved, plan_study
from worklist.ups import UpsSettings, UpsWorklist

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
GIB = 1024 * MIB
STUDY = "1.2.826.0.1.3680043.8.498.10"
SERIES = STUDY + ".2"
SOP = STUDY + ".3"
EVIL = "../../../../../tools/reset?x="
READER = "Sato^Hanako"


def client(url: str, **kw) -> DicomWebClient:
    kw.setdefault("backoff", 0.01)
    return DicomWebClient(ClientSettings(url, **kw))


# ---- sizes -------------------------------------------------------------------------------

# The client runs in a child process: its own peak resident size is measured, and an
# address-space limit keeps a regression from taking the shared machine's memory.
_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from tests.hostile.measure import own_peak_bytes
from worklist.centre import TooLarge
from worklist.dicomweb import ClientSettings, DicomWebClient
c = DicomWebClient(ClientSettings(sys.argv[1]))
try:
    if sys.argv[2] == "retrieve_instance":
        c.retrieve_instance(*sys.argv[3:6])
    else:
        list(c.iter_series(*sys.argv[3:5]))
    out = {"error": None}
except TooLarge as exc:
    out = {"error": "TooLarge", "reason": exc.reason, "study": exc.study_uid}
except MemoryError:
    out = {"error": "MemoryError"}
out["peak"] = own_peak_bytes()
print(json.dumps(out))
"""


@pytest.mark.parametrize("call", ["retrieve_instance", "iter_series"])
def test_a_part_larger_than_the_cap_is_cut_at_the_cap(call: str) -> None:
    """Default caps (512 MiB a part): a 1.5 GiB part ends in TooLarge naming the study, the
    process under 1 GB (it cost 4.7 GB before)."""
    with serve(lambda h: send_multipart_endless_part(h, 1536 * MIB)) as srv:
        proc = subprocess.run([sys.executable, "-c", _CHILD, base_url(srv), call, STUDY, SERIES, SOP],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["error"] == "TooLarge", out
    assert out["study"] == STUDY and f"study {STUDY}" in out["reason"] and "512 MiB limit" in out["reason"]
    assert out["peak"] < 1 * GIB, f"peak {out['peak'] / MIB:.0f} MiB"


def test_a_json_answer_larger_than_the_cap_is_cut_as_it_arrives() -> None:
    def endless_json(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/dicom+json")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b"[")
        for _ in range(64):
            h.wfile.write(b" " * MIB)
        h.close_connection = True

    with serve(endless_json) as srv:
        with pytest.raises(TooLarge) as err:
            client(base_url(srv), max_answer_bytes=8 * MIB).series_metadata(STUDY, SERIES)
    assert err.value.study_uid == STUDY and "8 MiB limit" in err.value.reason


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    def promises_10_gib(h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/dicom+json")
        h.send_header("Content-Length", str(10 * GIB))
        h.end_headers()
        h.wfile.write(b"[")
        time.sleep(5)  # a client that waited for the body would be here 5 s

    with serve(promises_10_gib) as srv:
        t0 = time.monotonic()
        with pytest.raises(TooLarge):
            client(base_url(srv)).search_studies()
        assert time.monotonic() - t0 < 2.0


# ---- time --------------------------------------------------------------------------------

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 2\r\n\r\n[]"


@pytest.mark.parametrize("where", ["headers", "body", "multipart"])
def test_a_drip_feeding_server_is_cut_at_the_deadline(where: str) -> None:
    """A byte every 0.25 s never trips the 2 s read timeout; the 3 s deadline cuts it."""
    def dripping(h) -> None:
        if where == "headers":
            drip(h, HEADERS, 0.25)
        elif where == "body":
            h.send_response(200)
            h.send_header("Content-Type", "application/dicom+json")
            h.send_header("Content-Length", "200")
            h.end_headers()
            h.wfile.flush()
            drip(h, b"[" + b" " * 198 + b"]", 0.25)
        else:
            h.send_response(200)
            h.send_header("Content-Type", 'multipart/related; type="application/dicom"; boundary=b')
            h.send_header("Content-Length", "400")
            h.end_headers()
            h.wfile.flush()
            drip(h, b"--b\r\n\r\n" + bytes(380) + b"\r\n--b--\r\n", 0.25)
        h.close_connection = True

    with serve(dripping) as srv:
        c = client(base_url(srv), read_timeout=2.0, deadline_s=3.0)
        t0 = time.monotonic()
        with pytest.raises(DeadlineExceeded) as err:
            if where == "multipart":
                c.retrieve_instance(STUDY, SERIES, SOP)
            else:
                c.series_metadata(STUDY, SERIES)
        elapsed = time.monotonic() - t0
    assert 2.9 <= elapsed < 4.5, f"held {elapsed:.1f} s"
    assert err.value.study_uid == STUDY and "3 s" in err.value.reason


def test_a_slow_but_steady_answer_within_the_deadline_is_read() -> None:
    """The deadline is not a read timeout in disguise: 2 s of dripping under a 6 s deadline."""
    with serve(lambda h: drip(h, HEADERS, 0.02)) as srv:
        assert client(base_url(srv), read_timeout=2.0, deadline_s=6.0).series_metadata(STUDY, SERIES) == []


# ---- UIDs from the server ------------------------------------------------------------------

def _centre(series_uid: str, sop_uid: str):
    def route(h) -> None:
        path = h.path.split("?")[0]
        if path == f"/dicom-web/studies/{STUDY}/series":
            send_json(h, [{**ui("0020000E", series_uid), "00201209": {"vr": "IS", "Value": [1]}}])
        elif path == f"/dicom-web/studies/{STUDY}/series/{series_uid}/metadata":
            send_json(h, [{**ui("00080018", sop_uid), **ui("0020000E", series_uid)}])
        else:
            send_json(h, [], 200)  # whatever else is asked (e.g. /tools/reset) "succeeds"
    return route


@pytest.mark.parametrize("series_uid, sop_uid", [(EVIL, SOP), (SERIES, EVIL), (SERIES, SOP + "/../../x"),
                                                 (SERIES, "1." + "2" * 70)])
def test_uids_from_the_server_never_reach_a_url(series_uid: str, sop_uid: str) -> None:
    with serve(_centre(series_uid, sop_uid)) as srv:
        c = client(base_url(srv))
        with pytest.raises(BadData) as err:
            plan_study(c, STUDY)
        with pytest.raises(BadData):
            list(iter_retrieved(c, STUDY))
    assert err.value.study_uid == STUDY and STUDY in err.value.reason
    assert not any("tools" in p or ".." in p or "/x" in p for p in srv.paths), srv.paths


def test_the_client_refuses_uids_that_are_not_uids_before_sending() -> None:
    with serve(lambda h: send_json(h, [])) as srv:
        c = client(base_url(srv))
        calls = [
            lambda: c.search_series(EVIL),
            lambda: c.search_instances(STUDY, EVIL),
            lambda: c.series_metadata(STUDY, EVIL),
            lambda: c.retrieve_instance(STUDY, SERIES, EVIL),
            lambda: list(c.iter_series(EVIL, SERIES)),
            lambda: c.retrieve_frames(STUDY, SERIES, "1.2\x00.3"),
            lambda: c.store([b""], study_uid="%2e%2e%2ftools"),
        ]
        for call in calls:
            with pytest.raises(BadData):
                call()
    assert srv.paths == []


def _study(uid: str) -> dict:
    return {**ui("0020000D", uid), "00081060": {"vr": "PN", "Value": [{"Alphabetic": READER}]},
            "00080061": {"vr": "CS", "Value": ["CT"]}, "00180015": {"vr": "CS", "Value": ["CHEST"]},
            "00100020": {"vr": "LO", "Value": ["P1"]}, "00201208": {"vr": "IS", "Value": [3]}}


def test_a_qido_worklist_leaves_out_a_study_with_a_hostile_uid(tmp_path) -> None:
    def route(h) -> None:
        if h.path.split("?")[0] == "/dicom-web/studies":
            send_json(h, [_study(STUDY), _study(EVIL)])
        else:
            send_json(h, [])

    with serve(route) as srv:
        wl = QidoWorklist(client(base_url(srv)), QidoWorklistSettings(reader_name=READER),
                          ClaimStore(tmp_path / "claims.json"))
        items = wl.worklist()
    assert [i.study_uid for i in items] == [STUDY]
    assert not any("tools" in p for p in srv.paths), srv.paths


def _workitem(uid: str, study: str) -> dict:
    performer = {"00404037": {"vr": "PN", "Value": [{"Alphabetic": READER}]}}
    return {**ui("00080018", uid), "00741000": {"vr": "CS", "Value": ["SCHEDULED"]},
            "00404034": {"vr": "SQ", "Value": [performer]},
            "0040A370": {"vr": "SQ", "Value": [ui("0020000D", study)]}}


def test_a_ups_worklist_leaves_out_hostile_workitems_and_never_puts_to_them(tmp_path) -> None:
    good = STUDY + ".100"

    def route(h) -> None:
        if h.path.split("?")[0] == "/dicom-web/workitems":
            send_json(h, [_workitem(good, STUDY), _workitem(EVIL, STUDY), _workitem(good + ".1", EVIL)])
        else:
            send_json(h, [])

    with serve(route) as srv:
        ups = UpsWorklist(client(base_url(srv)), UpsSettings(reader_name=READER), ClaimStore(tmp_path / "c.json"))
        items = ups.worklist()
        assert [(i.workitem_uid, i.study_uid) for i in items] == [(good, STUDY)]
        with pytest.raises(BadData):
            ups.claim(WorkItem(study_uid=STUDY, workitem_uid=EVIL, status=Status.SCHEDULED))
        assert EVIL not in ups.claims.all()
    assert not any("tools" in p for p in srv.paths) and not any(p.startswith("/dicom-web/workitems/")
                                                                for p in srv.paths), srv.paths
