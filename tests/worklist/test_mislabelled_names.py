"""Names whose bytes the file's character set mislabels, through a real Orthanc's QIDO-RS:
the worklist shows the name decoded from the instance's own bytes (common.charset_guess).

Real slices of the chest CT with chrH31's real name (pydicom charset sample) re-encoded as
mislabelling devices write it, uploaded to the session's Orthanc.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from tests.fixtures.mislabelled import real_japanese_name, write_mislabelled
from tests.fixtures.orthanc import OrthancServer
from tests.worklist.conftest import CT_DIR, require_shared
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings

pytestmark = pytest.mark.orthanc

ME = "Fujita^Charsetreader"   # used by no other test on the shared server
CASES = {"sjis-ir87": ("cp932", ["", "ISO 2022 IR 87"]), "sjis-none": ("cp932", None),
         "euc-latin1": ("euc_jp", "ISO_IR 100")}


@pytest.fixture(scope="module")
def uploaded(orthanc: OrthancServer, tmp_path_factory) -> dict[str, str]:
    require_shared()
    shared = CT_DIR.parents[2]
    name = real_japanese_name(shared)
    tmp = tmp_path_factory.mktemp("mislabelled")
    studies = {}
    for n, (case, (codec, declared)) in enumerate(CASES.items()):
        study = generate_uid()
        files = []
        for src in sorted(CT_DIR.glob("*.dcm"))[40 + n:41 + n]:
            out = tmp / f"{case}.dcm"
            sop = generate_uid()
            write_mislabelled(src, out, name, codec, declared, series_uid=generate_uid(), StudyInstanceUID=study,
                              SOPInstanceUID=sop, NameOfPhysiciansReadingStudy=ME)
            files.append(out)
        orthanc.upload(files)
        studies[study] = case
    return studies


def test_worklist_names_decoded_from_the_instances(uploaded, orthanc: OrthancServer, tmp_path: Path) -> None:
    name = real_japanese_name(CT_DIR.parents[2])
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    wl = QidoWorklist(client, QidoWorklistSettings(reader_name=ME), ClaimStore(tmp_path / "claims.json"))
    got = {item.study_uid: item.patient_name for item in wl.worklist()}
    assert set(got) == set(uploaded)
    assert {uploaded[uid]: n for uid, n in got.items()} == {case: name for case in CASES}


@pytest.mark.parametrize(("json_name", "garbled"), [
    ("Yamada^Tarou=\x8eR\x93c^\x91¾\x98Y", True),          # Shift_JIS read as Latin-1 (seen above)
    ("Yamada^Tarou=»³ÅÄ^ÂÀÏº", True),                      # EUC-JP read as Latin-1
    ("Yamada^Tarou=;3ED^B@O:", True),                      # JIS X 0208 left as ASCII (IR 13\IR 87)
    ("Yamada^Tarou=山田^太郎=やまだ^たろう", False),
    ("Buc^Jérôme", False), ("Äneas^Rüdiger", False),      # real Latin-1 names (chrFren, chrGerm)
    ("Smith^John", False),
])
def test_garbled_json_names_are_recognised(json_name: str, garbled: bool) -> None:
    from worklist.names import pn_is_garbled

    assert pn_is_garbled(json_name) is garbled
