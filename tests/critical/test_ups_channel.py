"""The critical result told to the centre on the reader's own UPS workitem, against the real
centre (Orthanc + DICOMweb + packaging/centre): the notice lands on the workitem with Priority
HIGH, even after the reading completed it; the centre's staff acknowledge on the workitem and
the station reads it back, audited; whatever else a reader tries to write is refused."""
from __future__ import annotations

import json
import secrets

from pydicom.uid import generate_uid

from app.audit.chain import AuditLog
from app.audit.emitters import CRITICAL_ACKNOWLEDGED, CRITICAL_NOTIFIED
from app.reading.critical_notice import NoticeState, NoticeStore, Notifier, UpsNoticeChannel, ups_notice_dataset
from app.reading.site_rules import NotifyChannel, parse_site_rules
from app.report.critical import CriticalFinding, CriticalKind
from tests.centre.support import STAFF, As
from tests.double_reading.conftest import double  # noqa: F401  (the real centre, one double-read study)
from tests.double_reading.support import READER_A, READER_B
from tests.reading.test_critical_notice import Clock
from worklist.cache import StudyCache
from worklist.cached_centre import CachingCentre
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre

FINDING = CriticalFinding(CriticalKind.PNEUMOTHORAX, "left, tension", "2026-12-01T09:30:00+00:00")


def _client(server, credentials) -> DicomWebClient:
    return DicomWebClient(ClientSettings(server.dicomweb_url, credentials[0], credentials[1], retries=0))


def _workitem(server, uid: str) -> dict:
    r = As(server, STAFF).get(f"/dicom-web/workitems/{uid}", headers={"Accept": "application/dicom+json"})
    assert r.status_code == 200, r.text
    return r.json()[0]


def _update(server, who, uid: str, body: dict, tx: str = "") -> int:
    if tx:   # as the station sends it: the query of PS3.18 11.6, and (0008,1195) for Orthanc's plugin
        body = dict(body, **{"00081195": {"vr": "UI", "Value": [tx]}})
    return As(server, who).post(f"/dicom-web/workitems/{uid}" + (f"?{tx}" if tx else ""),
                                data=json.dumps(body), headers={"Content-Type": "application/dicom+json"}).status_code


def test_notice_on_the_workitem_then_acknowledged_by_the_centre(double, tmp_path):  # noqa: F811
    server, wid, study_uid = double.server, double.workitems["first"], double.study.uid
    tx = generate_uid()
    assert As(server, READER_A).set_state(wid, "IN PROGRESS", tx).status_code == 200
    # the report is delivered first and completes the workitem; the notice comes after
    assert As(server, READER_A).set_state(wid, "COMPLETED", tx).status_code == 200
    clock = Clock()
    audit = AuditLog(tmp_path / "audit.jsonl")
    store = NoticeStore(tmp_path / "notices", clock=clock)
    [notice] = store.add("rep-ups-1", study_uid, "1.2.826.0.1.3680043.8.498.77", FINDING, [NotifyChannel.UPS],
                         workitem=(wid, tx))
    with _client(server, READER_A) as client:
        # as the station has it: the window's centre is the caching one, the channel its inner client
        centre = CachingCentre(DicomWebCentre("centre", client, None),
                               StudyCache(tmp_path / "cache", "kenji", secrets.token_bytes(32), max_bytes=10**8,
                                          ttl_seconds=60))
        notifier = Notifier(store, {NotifyChannel.UPS: UpsNoticeChannel(centre.client)}, reader="kenji",
                            ack_poll_s=60, audit_log=audit)
        [delivered] = notifier.deliver_due()
        assert delivered.state is NoticeState.DELIVERED, delivered.reason
        wi = _workitem(server, wid)
        assert wi["00741200"]["Value"] == ["HIGH"]
        [item] = wi["00741002"]["Value"]
        assert "pneumothorax" in item["00741006"]["Value"][0]
        assert "tension" not in json.dumps(wi)          # the reader's words travel in the SR only
        # asked again: not acknowledged yet
        clock.t += 61
        assert notifier.deliver_due() == []
        # the same notice sent twice (a station restarted mid-send) stays one item
        assert _update(server, READER_A, wid, ups_notice_dataset(notice), tx) == 200
        assert len(_workitem(server, wid)["00741002"]["Value"]) == 1
        # the centre's staff acknowledge on the workitem
        params = item["00741007"]["Value"]
        params.append({"0040A040": {"vr": "CS", "Value": ["TEXT"]},
                       "0040A043": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["CRIT-ACK-BY"]},
                                                           "00080102": {"vr": "SH", "Value": ["99YOMI"]}}]},
                       "0040A160": {"vr": "UT", "Value": ["Dr Ito, ward 3"]}})
        assert _update(server, STAFF, wid, {"00741002": {"vr": "SQ", "Value": [item]}}) == 200
        clock.t += 61
        [acked] = notifier.deliver_due()
    assert acked.state is NoticeState.ACKNOWLEDGED and acked.acknowledged_by == "Dr Ito, ward 3"
    assert acked.acknowledged_at
    events = [r.event for r in audit.records() if r.event.event_id.code == "110110"]
    assert [e.event_types[0] for e in events] == [CRITICAL_NOTIFIED, CRITICAL_ACKNOWLEDGED]


def test_what_a_reader_may_not_write(double, tmp_path):  # noqa: F811
    server, wid, study_uid = double.server, double.workitems["first"], double.study.uid
    tx = generate_uid()
    notice = NoticeStore(tmp_path / "n").add("rep-ups-2", study_uid, "1.2.3.4.5", FINDING,
                                             [NotifyChannel.UPS], workitem=(wid, tx))[0]
    body = ups_notice_dataset(notice)
    assert _update(server, READER_A, wid, body, tx) == 409           # not claimed yet
    assert As(server, READER_A).set_state(wid, "IN PROGRESS", tx).status_code == 200
    assert _update(server, READER_A, wid, body) == 400               # no Transaction UID
    assert _update(server, READER_A, wid, body, generate_uid()) == 400   # not the claim's
    assert _update(server, READER_B, wid, body, tx) == 403           # not their workitem
    other = dict(body, **{"00741204": {"vr": "LO", "Value": ["renamed"]}})
    assert _update(server, READER_A, wid, other, tx) == 403          # only the notice
    assert _update(server, READER_A, wid, dict(body, **{"00741200": {"vr": "CS", "Value": ["LOW"]}}), tx) == 403
    self_acked = json.loads(json.dumps(body))
    self_acked["00741002"]["Value"][0]["00741007"]["Value"].append(
        {"0040A040": {"vr": "CS", "Value": ["TEXT"]},
         "0040A043": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["CRIT-ACK-BY"]},
                                             "00080102": {"vr": "SH", "Value": ["99YOMI"]}}]},
         "0040A160": {"vr": "UT", "Value": ["myself"]}})
    assert _update(server, READER_A, wid, self_acked, tx) == 403     # the acknowledgement is the centre's
    assert "00741002" not in _workitem(server, wid)                  # nothing changed
    # a refusal the station meets is kept FAILED with the centre's reason, audited
    store = NoticeStore(tmp_path / "n2")
    store.add("rep-ups-3", study_uid, "1.2.3.4.6", FINDING, [NotifyChannel.UPS], workitem=(wid, generate_uid()))
    audit = AuditLog(tmp_path / "audit.jsonl")
    with _client(server, READER_A) as client:
        [failed] = Notifier(store, {NotifyChannel.UPS: UpsNoticeChannel(client)}, reader="kenji",
                            audit_log=audit).deliver_due()
    assert failed.state is NoticeState.FAILED and "400" in failed.reason and "Transaction UID" in failed.reason


def test_site_setting_chooses_the_ups_channel():
    rules = parse_site_rules({"critical": {"channels": ["ups", "webhook"], "webhook_url": "https://c.example/x"}},
                             "site.toml")
    assert rules.critical.channels == (NotifyChannel.UPS, NotifyChannel.WEBHOOK)
