"""Drafts and signed outputs sealed per reader; identifiers checked before they become paths."""
from __future__ import annotations

import json
import os
import stat

import pytest

from app.report.draft_store import DraftStore
from app.report.errors import DraftStoreError, ReportError
from app.report.report_ids import InvalidReportId, require_report_id
from app.report.sealed_files import KeysUnavailable, Purpose, ReaderSecret, SealedFolder, subkey
from common.uids import InvalidUid, is_valid_uid, require_uid
from tests.at_rest.scan import KNOWN_PATIENTS, PatientFixture, scan
from tests.report.conftest import make_report

KEY_A, KEY_B = bytes(range(32)), bytes(range(1, 33))


def secret(reader: str = "sato", key: bytes = KEY_A) -> ReaderSecret:
    return ReaderSecret(reader, lambda: key)


def _modes(root):
    for dirpath, _dirs, files in os.walk(root):
        yield dirpath, stat.S_IMODE(os.stat(dirpath).st_mode)
        for f in files:
            yield os.path.join(dirpath, f), stat.S_IMODE(os.stat(os.path.join(dirpath, f)).st_mode)


def test_a_draft_is_sealed_owner_only_and_names_nobody(tmp_path):
    report = make_report()
    patient = PatientFixture(report.identity.patient_name, report.identity.patient_birth_date)
    store = DraftStore(tmp_path / "drafts" / "a", secret())
    path = store.save(report)
    assert not scan(tmp_path, None, [patient, *KNOWN_PATIENTS])
    blob = path.read_bytes()
    assert report.identity.patient_name.split("^")[0].encode() not in blob
    assert json.loads(store.folder.read(path.name))["identity"]["patient_name"] == report.identity.patient_name
    for where, mode in _modes(tmp_path / "drafts"):
        assert mode == (0o700 if os.path.isdir(where) else 0o600), where


def test_the_scan_finds_the_same_draft_written_in_clear(tmp_path):
    """The check above can fail: the draft's JSON in clear is found, in UTF-8 and \\u escapes."""
    report = make_report()
    patient = PatientFixture(report.identity.patient_name, report.identity.patient_birth_date)
    (tmp_path / "utf8.json").write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    (tmp_path / "ascii.json").write_text(json.dumps(report.to_dict()), encoding="utf-8")
    hits = scan(tmp_path, None, [patient])
    assert {h.path.name for h in hits} == {"utf8.json", "ascii.json"}


def test_another_reader_or_a_moved_file_cannot_be_read(tmp_path):
    report = make_report()
    mine = DraftStore(tmp_path / "a", secret("sato", KEY_A))
    path = mine.save(report)
    theirs = DraftStore(tmp_path / "b", secret("ito", KEY_B))
    (tmp_path / "b" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(DraftStoreError):
        theirs.load(report.report_id)
    assert theirs.list() == []
    # the same key under another reader's name (AAD binds the reader) also fails
    same_key = DraftStore(tmp_path / "c", secret("ito", KEY_A))
    (tmp_path / "c" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(DraftStoreError):
        same_key.load(report.report_id)
    # a draft copied over another draft's name fails too: the name is bound
    other = make_report()
    mine.save(other)
    (tmp_path / "a" / f"{other.report_id}.yd").write_bytes(path.read_bytes())
    with pytest.raises(DraftStoreError):
        mine.load(other.report_id)


def test_a_locked_session_can_neither_read_nor_write_drafts(tmp_path):
    held = {"key": KEY_A}

    def source() -> bytes:
        if held["key"] is None:
            raise KeysUnavailable("locked")
        return held["key"]

    store = DraftStore(tmp_path, ReaderSecret("sato", source))
    report = make_report()
    store.save(report)
    held["key"] = None
    with pytest.raises(DraftStoreError):
        store.save(report)
    with pytest.raises(DraftStoreError):
        store.load(report.report_id)
    held["key"] = KEY_A
    assert store.load(report.report_id).to_dict() == report.to_dict()


def test_sub_keys_differ_per_purpose():
    keys = {subkey(KEY_A, p) for p in Purpose}
    assert len(keys) == len(Purpose) and KEY_A not in keys


@pytest.mark.parametrize("bad", ["../x", "..", "a/b", "/etc/passwd", "", "x" * 65, "abc\0", "١٢٣", "r-1"])
def test_report_ids_that_are_not_names_are_refused(bad):
    with pytest.raises(InvalidReportId):
        require_report_id(bad, "test")


def test_a_draft_whose_report_id_escapes_is_refused_by_store_and_signing(tmp_path):
    store = DraftStore(tmp_path / "d", secret())
    report = make_report()
    data = report.to_dict()
    data["report_id"] = "../../escaped"
    # sealed under a valid file name, the id inside does not match it: refused
    store.folder.write(f"{report.report_id}.yd", json.dumps(data).encode())
    with pytest.raises(DraftStoreError):
        store.load(report.report_id)
    assert store.list() == []
    with pytest.raises(DraftStoreError):
        store.path("../../escaped")
    # a plain JSON draft handed to `yomi report export`
    from app.report.draft_store import read_draft_json

    plain = tmp_path / "given.json"
    plain.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReportError):
        read_draft_json(plain)
    # sign() checks the id before anything is written (the Report model takes any id)
    from app.report.identity import Signer
    from app.report.model import Report
    from app.report.signing import sign

    evil = Report.from_dict({**report.to_dict(), "report_id": "../../escaped"})
    with pytest.raises(InvalidReportId):
        sign(evil, Signer("Sato^Hanako", "sato", "Yomi"), tmp_path / "out")
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("uid, ok", [
    ("1.2.840.10008.1.2", True), ("0", True), ("2.25." + "1" * 59, True), ("2.25." + "1" * 60, False),
    ("", False), ("1..2", False), (".1", False), ("1.", False), ("1.2/../3", False), ("1.2\n", False),
    ("1.2%2F3", False), ("１.２", False), (None, False), (12, False),
])
def test_uid_validation(uid, ok):
    assert is_valid_uid(uid) is ok
    if ok:
        assert require_uid(uid, "SOP Instance UID") == uid
    else:
        with pytest.raises(InvalidUid) as e:
            require_uid(uid, "SOP Instance UID")
        assert isinstance(e.value, ValueError) and "SOP Instance UID" in str(e.value)


def test_sealed_folder_refuses_names_that_are_paths(tmp_path):
    folder = SealedFolder(tmp_path / "f", secret(), Purpose.SIGNED)
    for bad in ("../x", "a/b", ".hidden", ""):
        with pytest.raises(Exception):
            folder.write(bad, b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
