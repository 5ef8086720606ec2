"""The short path of `dataset_from_json` gives exactly what pydicom's `Dataset.from_json` gives.

Compared element by element (VR, value and value type) on what a real Orthanc answers to
QIDO at study, series and instance level for the real CT, an SR and the Japanese
character-set files of ../shared/data, and on hand-made objects for the edges.
"""
from __future__ import annotations

import warnings

import pytest
import requests
from pydicom.dataset import Dataset

from tests.worklist.conftest import SHARED, SR_FILE, copy_study
from worklist.centre import BadData
from worklist.dicom_json import _plain_dataset, dataset_from_json

pytestmark = pytest.mark.orthanc

_INCLUDE = ("00081030", "00080061", "00201208", "00100030", "00100040", "00080050", "00180015", "00081060",
            "00200032", "00200037", "00280030", "00280010", "00080070", "0040A493", "00201209")


def _reference(obj: dict) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Dataset.from_json(dict(obj))


def _same_datasets(fast: Dataset, ref: Dataset) -> None:
    assert [e.tag for e in fast] == [e.tag for e in ref]
    for e in ref:
        f = fast[e.tag]
        assert (f.VR, type(f.value)) == (e.VR, type(e.value)), e.tag
        if e.VR == "SQ":
            assert len(f.value) == len(e.value), e.tag
            for fi, ei in zip(f.value, e.value):
                _same_datasets(fi, ei)
        else:
            assert f.value == e.value, e.tag


def _assert_same(obj: dict) -> None:
    ref = _reference(obj)
    _same_datasets(dataset_from_json(obj, what="test object", keep=list(obj)), ref)
    _same_datasets(dataset_from_json(obj, what="test object"), ref)


def test_short_path_equals_from_json_on_real_qido_answers(orthanc, ct_files, tmp_path):
    _, files = copy_study(ct_files[:2], tmp_path / "ct", reading=["Dicomjson^Probe", "Other^Doctor"])  # nobody else's reader
    charset = []
    for f in sorted((SHARED / "charset").glob("chr*.dcm")):
        try:  # some character-set samples are not storable instances for Orthanc
            orthanc.upload([f])
            charset.append(f)
        except requests.HTTPError:
            pass
    assert charset
    orthanc.upload(files + [SR_FILE])
    s = requests.Session()
    s.auth = orthanc.auth
    include = "&".join(f"includefield={t}" for t in _INCLUDE)
    answers = []
    for level in ("studies", "series", "instances"):
        r = s.get(f"{orthanc.dicomweb_url}/{level}?limit=500&{include}", timeout=30)
        r.raise_for_status()
        answers += r.json()
    short = [obj for obj in answers if _plain_dataset(obj) is not None]
    assert len(short) > len(charset)  # the short path really ran on these answers
    for obj in answers:
        _assert_same(obj)


def test_edges_equal_from_json():
    _assert_same({"00080050": {"vr": "SH"}, "00100021": {"vr": "LO", "Value": []},
                  "00100010": {"vr": "PN", "Value": [{"Alphabetic": "Yamada^Tarou", "Ideographic": "山田^太郎",
                                                      "Phonetic": "やまだ^たろう"}]},
                  "00081060": {"vr": "PN", "Value": [{"Alphabetic": "A^B"}, {"Ideographic": "高橋^健二"}]},
                  "00080061": {"vr": "CS", "Value": ["CT", "SR"]}, "00201208": {"vr": "IS", "Value": ["300"]},
                  "00201206": {"vr": "IS", "Value": [2]}, "00280030": {"vr": "DS", "Value": [0.7, "0.70"]},
                  "00280010": {"vr": "US", "Value": [512]}, "00101010": {"vr": "AS", "Value": ["045Y"]}})


def test_sequences_of_plain_items_take_the_short_path_and_equal_from_json():
    seq = {"00081115": {"vr": "SQ", "Value": [{"0020000E": {"vr": "UI", "Value": ["1.2.3"]}},
                                              {"00404034": {"vr": "SQ", "Value": [
                                                  {"00404037": {"vr": "PN", "Value": [{"Alphabetic": "A^B"}]}}]}},
                                              {}]},
           "00404034": {"vr": "SQ"}, "0040A370": {"vr": "SQ", "Value": []}}
    assert _plain_dataset(seq) is not None
    _assert_same(seq)
    assert dataset_from_json(seq, what="x").ReferencedSeriesSequence[0].SeriesInstanceUID == "1.2.3"


def test_other_shapes_take_from_json():
    assert _plain_dataset({"7FE00010": {"vr": "OB", "InlineBinary": "AAAA"}}) is None
    binary_inside = {"00081115": {"vr": "SQ", "Value": [{"00420011": {"vr": "OB", "InlineBinary": "AAAA"}}]}}
    assert _plain_dataset(binary_inside) is None
    assert dataset_from_json(binary_inside, what="x").ReferencedSeriesSequence[0][0x00420011].value == b"\0\0\0"
    with pytest.raises(BadData, match="test object"):
        dataset_from_json({"00100020": {"vr": "LO", "Value": "not a list"}}, what="test object", keep=["00100020"])


@pytest.mark.parametrize("body", ['[]', ' [ ] ', '[{"a": 1}]', '[{"a": [1, 2]}, {"b": "x, ]"}, 3, "s"]\n',
                                  '[\n {"00080018": {"vr": "UI", "Value": ["1.2"]}} ,\n {} ]'])
def test_json_array_equals_json_loads(body):
    import json

    from worklist.dicom_json import json_array

    assert json_array(body, what="an answer") == json.loads(body)


@pytest.mark.parametrize("body", ['', '{}', '[1, 2', '[1 2]', '[1,]', '[1] x', 'null'])
def test_json_array_refuses_what_is_not_an_array(body):
    from worklist.dicom_json import json_array

    with pytest.raises(BadData, match="series metadata"):
        json_array(body, what="series metadata")
