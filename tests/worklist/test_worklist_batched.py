"""The QIDO worklist's batched query path against a real Orthanc: same rows, few requests.

30 synthetic studies (tests/fixtures/synthetic_studies.py) cover every rule of the list:
assigned or not, a near-miss name, several readers, our VERIFIED SR (in either case of the
manufacturer), a draft, another vendor's SR, Japanese names Orthanc garbles, a larger
series. Correctness only: the LatencyProxy here adds no delay and counts requests, so the
test proves the number of round trips does not grow with the number of studies.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.latency_proxy import LatencyProxy
from tests.fixtures.orthanc import OrthancServer
from tests.fixtures.synthetic_studies import make_study, upload_parallel
from tests.worklist.conftest import JAPANESE_NAME
from worklist.centre import BadData, Status
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc

ME = "Nakamura^Batchreader"   # used by no other test on the shared server
OTHER = "Sato^Jiro"


@pytest.fixture(scope="module")
def centre(orthanc: OrthancServer) -> dict:
    plan: list[tuple[str, dict]] = []
    plan += [("plain", {})] * 12
    plan += [("reported", {"sr": ("Yomi", "VERIFIED")})] * 4
    plan += [("draft", {"sr": ("Yomi", "UNVERIFIED")})] * 2
    plan += [("foreign", {"sr": ("OtherVendor", "VERIFIED")})]
    plan += [("reported", {"sr": ("YOMI ", "VERIFIED")})]            # manufacturer compared loosely
    plan += [("other", {"reading": [OTHER]})] * 4
    plan += [("near_miss", {"reading": [ME.replace("^", " ")]})]
    plan += [("shared", {"reading": [OTHER, ME]})]
    plan += [("japanese", {"patient_name": JAPANESE_NAME, "charset": ["ISO 2022 IR 13", "ISO 2022 IR 87"]})] * 2
    plan += [("big", {"slices": 3, "body_part": "ABDOMEN"})]
    plan += [("draft", {"sr": ("Yomi", "UNVERIFIED")})]
    assert len(plan) == 30
    studies, kinds = [], {}
    for n, (kind, options) in enumerate(plan):
        options = {"reading": [ME], **options}
        st = make_study(n, **options)
        studies.append(st)
        kinds[st.study_uid] = kind
    upload_parallel(orthanc.base_url, orthanc.auth, studies)
    return kinds


def _worklist(url: str, orthanc: OrthancServer, tmp_path: Path, **kw) -> QidoWorklist:
    client = DicomWebClient(ClientSettings(url, orthanc.user, orthanc.password))
    return QidoWorklist(client, QidoWorklistSettings(reader_name=ME, **kw), ClaimStore(tmp_path / "claims.json"))


def _expected(kinds: dict) -> set[str]:
    return {uid for uid, kind in kinds.items() if kind in ("plain", "draft", "foreign", "shared", "japanese", "big")}


def test_rows_follow_every_rule(centre: dict, orthanc: OrthancServer, tmp_path: Path) -> None:
    items = _worklist(orthanc.dicomweb_url, orthanc, tmp_path).worklist()
    by_uid = {it.study_uid: it for it in items}
    assert len(items) == len(by_uid) == 20
    assert set(by_uid) == _expected(centre)
    for uid, item in by_uid.items():
        kind = centre[uid]
        assert item.status == Status.SCHEDULED and item.assigned_to == ME
        assert item.modalities == (("CT", "SR") if kind in ("draft", "foreign") else ("CT",))
        # images: the CT slices only, never the SR in the same study
        assert item.number_of_images == (3 if kind == "big" else 2), kind
        assert item.body_part == ("ABDOMEN" if kind == "big" else "CHEST")
        assert item.study_date == "20240105" and item.patient_id.startswith("SYN-")
        if kind == "japanese":
            assert item.patient_name == JAPANESE_NAME  # garbled in Orthanc's JSON: read from an instance
        else:
            assert item.patient_name.startswith("Synthetic^Patient")


def test_round_trips_do_not_grow_with_the_studies(centre: dict, orthanc: OrthancServer, tmp_path: Path) -> None:
    with LatencyProxy(orthanc.dicomweb_url, delay_s=0.0) as proxy:
        assert proxy.url.endswith("/dicom-web")
        wl = _worklist(proxy.url, orthanc, tmp_path)
        first = {it.study_uid for it in wl.worklist()}
        # 1 study query, 1 SR series query, at most 1 series query for studies without a
        # study-level body part, 1 instance query for our SR series, then 2 requests per
        # garbled Japanese name (instance search + retrieve)
        assert proxy.request_count <= 4 + 2 * 2
        proxy.reset_count()
        again = {it.study_uid for it in wl.worklist()}
        assert proxy.request_count <= 4  # names are remembered
    assert first == again == _expected(centre)


def test_server_refusing_uid_lists_gives_the_same_rows(centre: dict, orthanc: OrthancServer, tmp_path: Path) -> None:
    wl = _worklist(orthanc.dicomweb_url, orthanc, tmp_path)
    real_search = wl.client.search
    refused = []

    def no_lists(level_path, match=None, *args, **kwargs):
        if any("," in str(v) for v in (match or {}).values()):
            refused.append(level_path)
            raise BadData("UID list matching not supported (400)")
        return real_search(level_path, match, *args, **kwargs)

    wl.client.search = no_lists  # type: ignore[method-assign]
    items = {it.study_uid: it for it in wl.worklist()}
    assert set(items) == _expected(centre) and refused
    assert {items[u].number_of_images for u in items if centre[u] == "big"} == {3}


def test_claim_shows_in_progress_after_restart(centre: dict, orthanc: OrthancServer, tmp_path: Path) -> None:
    wl = _worklist(orthanc.dicomweb_url, orthanc, tmp_path)
    item = next(it for it in wl.worklist() if centre[it.study_uid] == "japanese")
    claimed = wl.claim(item)
    again = {it.study_uid: it for it in _worklist(orthanc.dicomweb_url, orthanc, tmp_path).worklist()}
    assert again[item.study_uid].status == Status.IN_PROGRESS
    assert again[item.study_uid].transaction_uid == claimed.transaction_uid
    assert sum(it.status == Status.IN_PROGRESS for it in again.values()) == 1


def test_modality_and_date_filters(centre: dict, orthanc: OrthancServer, tmp_path: Path) -> None:
    assert _worklist(orthanc.dicomweb_url, orthanc, tmp_path, date_from="20250101").worklist() == []
    both = _worklist(orthanc.dicomweb_url, orthanc, tmp_path, modalities=("MR", "CT")).worklist()
    assert {it.study_uid for it in both} == _expected(centre)
    assert _worklist(orthanc.dicomweb_url, orthanc, tmp_path, modalities=("MR",)).worklist() == []
