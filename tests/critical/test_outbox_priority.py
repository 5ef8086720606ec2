"""A report flagging a critical result jumps the send queue: checked at a real Orthanc by the
order in which it stored the instances (its /changes log)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.orthanc import OrthancServer
from tests.infra.standin import make_instance
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.outbox import Outbox, Sender
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc
KEY = bytes(range(32))


def _stored_order(server: OrthancServer, uids: set[str]) -> list[str]:
    """SOP Instance UIDs of `uids` in the order Orthanc stored them."""
    changes = server.rest("/changes?limit=10000").json()["Changes"]
    order = []
    for ch in changes:
        if ch["ChangeType"] == "NewInstance":
            uid = server.rest(f"/instances/{ch['ID']}/simplified-tags").json().get("SOPInstanceUID")
            if uid in uids:
                order.append(uid)
    return order


def test_critical_report_is_sent_first(orthanc: OrthancServer, tmp_path: Path) -> None:
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    centre = DicomWebCentre("test centre", client, QidoWorklist(
        client, QidoWorklistSettings(reader_name="Nobody^Here"), ClaimStore(tmp_path / "claims.json")))
    box = Outbox(tmp_path / "ob", key=KEY)
    routine_a = [make_instance(), make_instance()]
    routine_b = [make_instance()]
    critical = [make_instance(), make_instance()]
    box.enqueue("routine-a", routine_a)
    box.enqueue("routine-b", routine_b)
    box.enqueue("critical", critical, urgent=True)  # queued last, sent first
    sender = Sender(box, centre)
    while sender.send_one() is not None:
        pass
    uids = {u for u, _ in routine_a + routine_b + critical}
    assert _stored_order(orthanc, uids) == [u for u, _ in critical + routine_a + routine_b]
    assert box.pending_count() == 0


def test_urgent_re_enqueue_raises_a_queued_report(tmp_path: Path, orthanc: OrthancServer) -> None:
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    centre = DicomWebCentre("test centre", client, QidoWorklist(
        client, QidoWorklistSettings(reader_name="Nobody^Here"), ClaimStore(tmp_path / "claims.json")))
    box = Outbox(tmp_path / "ob", key=KEY)
    first, second = [make_instance()], [make_instance()]
    box.enqueue("first", first)
    box.enqueue("second", second)
    box.enqueue("second", second, urgent=True)  # the station's restart recovery re-queues it urgent
    sender = Sender(box, centre)
    while sender.send_one() is not None:
        pass
    assert _stored_order(orthanc, {first[0][0], second[0][0]}) == [second[0][0], first[0][0]]
