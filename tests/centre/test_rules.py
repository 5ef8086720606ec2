"""The plugin's pure rules (names, routes, identity, configuration, state file) without a server.

The same rules are exercised end to end against Orthanc by the other tests here; these pin
the edge cases a crafted request or a centre's data can reach.
"""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from tests.centre.support import REPO

sys.path.insert(0, str(REPO / "packaging" / "centre"))

from yomi_centre.access import Gate, Refusal  # noqa: E402
from yomi_centre.config import ConfigError, parse_config  # noqa: E402
from yomi_centre.identity import request_user  # noqa: E402
from yomi_centre.names import names_match, wildcard_match  # noqa: E402
from yomi_centre.routes import Kind, parse_route, safe_path  # noqa: E402
from yomi_centre.store import StoredWorkitem, StoreError, WorkitemStore  # noqa: E402


@pytest.mark.parametrize("value,match", [
    ("Takahashi^Kenji", True), ("TAKAHASHI^KENJI", True), ("Takahashi^Kenji^^^", True),
    ("Sato^Jiro\\Takahashi^Kenji", True), (["Sato^Jiro", "takahashi^kenji=高橋^健二=たかはし^けんじ"], True),
    ([{"Alphabetic": "Takahashi^Kenji", "Ideographic": "高橋^健二"}], True),
    ("Takahashi Kenji", False), ("Takahashi^Kenjiro", False), ("=Takahashi^Kenji", False), ("", False), (None, False),
])
def test_reader_name_matching(value, match: bool) -> None:
    assert names_match(value, "Takahashi^Kenji") is match


def test_wildcards() -> None:
    assert wildcard_match("Takahashi?Kenji", "Takahashi^Kenji")
    assert wildcard_match("taka*", "Takahashi^Kenji")
    assert not wildcard_match("Taka", "Takahashi^Kenji")
    assert not wildcard_match("Takahashi.Kenji", "TakahashiXKenji")   # '.' is literal


@pytest.mark.parametrize("path,method,kind", [
    ("studies", "GET", Kind.SEARCH_STUDIES), ("studies", "POST", Kind.STOW), ("studies/1.2", "POST", Kind.STOW_STUDY),
    ("studies/1.2/series/3.4/instances/5.6/frames/1,2", "GET", Kind.INSTANCE),
    ("studies/1.2/series/3.4/instances/5.6/frames/1/rendered", "GET", Kind.INSTANCE),
    ("studies/1.2/series/3.4/instances", "GET", Kind.SERIES), ("series", "GET", Kind.SEARCH_SERIES),
    ("workitems/1.2/state/YOMI01", "PUT", Kind.WORKITEM_STATE), ("workitems", "POST", Kind.WORKITEMS),
])
def test_routes_open_to_readers(path: str, method: str, kind: Kind) -> None:
    route = parse_route(path, method)
    assert route is not None and route.kind == kind


@pytest.mark.parametrize("path,method", [
    ("studies/1.2/../3.4", "GET"), ("studies/1.2%2F3", "GET"), ("studies//1.2", "GET"), ("studies/1.2a", "GET"),
    ("studies/1.2", "DELETE"), ("studies/1.2/series/3.4", "POST"), ("servers", "GET"), ("studies/1.2/bulkdata", "GET"),
    ("studies/1.2/series/3.4/instances/5.6/frames/x", "GET"), ("workitems/1.2/state/" + "A" * 17, "PUT"),
    ("studies/" + "1." * 40 + "1", "GET"), ("studies/1.2", "HEAD"), ("", "GET"),
])
def test_routes_refused(path: str, method: str) -> None:
    assert parse_route(path, method) is None


def test_log_path_keeps_uids_only() -> None:
    assert safe_path("/dicom-web/studies/1.2.3/series") == "/dicom-web/studies/1.2.3/series"
    assert safe_path("/patients/Yamada^Tarou") == "/<x>/<x>"


def test_identity_from_basic_header() -> None:
    basic = "Basic " + base64.b64encode(b"reader-a:pw:with:colons").decode()
    assert request_user({"authorization": basic}) == "reader-a"
    assert request_user({"Authorization": basic}) == "reader-a"
    assert request_user({"authorization": "Basic !!!"}) is None
    assert request_user({"authorization": "Bearer abc"}) is None            # no OIDC yet
    assert request_user({"authorization": "Bearer abc"}, bearer=lambda t: "oidc-user") == "oidc-user"
    assert request_user({}) is None
    assert request_user({"authorization": basic}, trust_basic=False) is None   # Orthanc checked no password


def test_no_identity_gets_nothing_without_orthanc_authentication() -> None:
    cfg = parse_config({"YomiCentre": {"Readers": {"r1": {"dicom_name": "A^B"}}}})   # no AuthenticationEnabled
    decision = Gate(cfg, assignments=None).decide(None, "GET", "/dicom-web/studies", {})
    assert not decision.allowed and decision.refusal == Refusal.NO_IDENTITY
    with_auth = parse_config({"AuthenticationEnabled": True, "YomiCentre": {"Readers": {"r1": {"dicom_name": "A^B"}}}})
    assert Gate(with_auth, assignments=None).decide("staff", "GET", "/studies", {}).allowed


def test_configuration_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="YomiCentre"):
        parse_config({})
    with pytest.raises(ConfigError, match='"Readers"."r1"'):
        parse_config({"YomiCentre": {"Readers": {"r1": {"dicom_name": "=高橋^健二"}}}})
    with pytest.raises(ConfigError, match="RejectPerformerKey"):
        parse_config({"YomiCentre": {"Readers": {"r1": {"dicom_name": "A^B"}}, "RejectPerformerKey": "yes"}})
    cfg = parse_config({"IndexDirectory": "/var/lib/orthanc/db", "DicomWeb": {"Root": "/dw"},
                        "YomiCentre": {"Readers": {"r1": {"dicom_name": " A^B "}}}})
    assert cfg.readers["r1"].dicom_name == "A^B" and cfg.dicomweb_root == "/dw/"
    assert cfg.state_directory == "/var/lib/orthanc/db/yomi-centre"


def test_state_file_round_trip_and_damage(tmp_path: Path) -> None:
    store = WorkitemStore(str(tmp_path))
    dataset = {"00080018": {"vr": "UI", "Value": ["1.2.3"]}}
    store.put(StoredWorkitem("1.2.3", "created", "IN PROGRESS", "9.8.7", dataset))
    again = WorkitemStore(str(tmp_path)).get("1.2.3")
    assert again is not None and again.state == "IN PROGRESS" and again.transaction == "9.8.7"
    assert [p.name for p in tmp_path.iterdir()] == ["workitems.json"]          # no temporary left over
    (tmp_path / "workitems.json").write_text(json.dumps({"version": 99, "workitems": {}}))
    with pytest.raises(StoreError, match="workitems.json"):
        WorkitemStore(str(tmp_path))
