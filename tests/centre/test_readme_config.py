"""The minimal configuration of packaging/centre/README.md works as written.

The JSON block is taken from the README itself; only what a test must own is set over it:
the script's location (the README's install path does not exist here), ports and storage.
"""
from __future__ import annotations

import pytest

import json
import re
from pathlib import Path

import requests

from tests.centre.support import PLUGIN_SCRIPT, README, make_study, require_centre
from tests.fixtures.orthanc import start_orthanc

pytestmark = pytest.mark.orthanc


def readme_config() -> dict:
    blocks = re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    found = [json.loads(b) for b in blocks if '"YomiCentre"' in b]
    assert len(found) == 1, "the README must hold exactly one JSON block with the YomiCentre section"
    return found[0]


def test_readme_minimal_configuration(tmp_path: Path) -> None:
    require_centre()
    config = readme_config()
    readers = config["YomiCentre"]["Readers"]
    (reader, reader_pw), = [(u, p) for u, p in config["RegisteredUsers"].items() if u in readers]
    staff, staff_pw = next((u, p) for u, p in config["RegisteredUsers"].items() if u != reader)
    dicom_name = config["YomiCentre"]["Readers"][reader]["dicom_name"]
    assert Path(config["PythonScript"]).name == PLUGIN_SCRIPT.name
    config.pop("PythonScript")
    server = start_orthanc(tmp_path / "o", user=staff, password=staff_pw, python_script=PLUGIN_SCRIPT,
                           extra_config=config)
    try:
        mine = make_study(tmp_path / "m", patient_id="R-1", reading=[dicom_name])
        other = make_study(tmp_path / "x", patient_id="R-2", reading=["Someone^Else"], start=3)
        server.upload(mine.files + other.files)
        as_reader = (reader, reader_pw)
        get = lambda path, who: requests.get(server.base_url + path, auth=who, timeout=30)  # noqa: E731
        assert get(f"/dicom-web/studies/{mine.uid}/series", as_reader).status_code == 200
        assert get(f"/dicom-web/studies/{other.uid}/series", as_reader).status_code == 403
        assert get("/studies", as_reader).status_code == 403
        assert get("/studies", (staff, staff_pw)).status_code == 200
        worklist = get("/dicom-web/workitems", as_reader)
        assert worklist.status_code == 200
        assert [w["0040A370"]["Value"][0]["0020000D"]["Value"][0] for w in worklist.json()] == [mine.uid]
        state_dir = server.workdir / "storage" / "yomi-centre"
        assert f"state in {state_dir}" in server.log_path.read_text(errors="replace")
    finally:
        server.stop()
