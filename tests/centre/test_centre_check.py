"""`yomi centre check` against a centre running the plugin: what IT and readers will see.

Staff pass every step, UPS included. A reader's unscoped studies search is refused by the
plugin (it cannot filter a QIDO answer: README "Limits"); the check reports it as scoped
access and passes when the station takes its worklist from UPS.
"""
from __future__ import annotations

import pytest

from app.main import main
from tests.centre.support import READER_A, STAFF

pytestmark = pytest.mark.orthanc


def test_staff_check_finds_ups(centre, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", STAFF[1])
    rc = main(["--server", centre.server.dicomweb_url, "centre", "check", "--user", STAFF[0]])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert any(line.startswith("ups") and "ok" in line for line in out.out.splitlines())


def _ups_config(tmp_path, centre) -> str:
    path = tmp_path / "centre.toml"
    path.write_text(f'[centre]\nname = "Plugin centre"\ndicomweb_url = "{centre.server.dicomweb_url}"\n'
                    'has_ups = true\n', encoding="utf-8")
    return str(path)


def test_reader_check_passes_with_the_worklist_from_ups(centre, capsys, monkeypatch, tmp_path) -> None:
    """A reader's unscoped study search is refused (README "Limits"); the check says so and
    passes when the station takes its worklist from UPS, as it must at such a centre."""
    monkeypatch.setenv("YOMI_PASSWORD", READER_A[1])
    rc = main(["--config", _ups_config(tmp_path, centre), "centre", "check", "--user", READER_A[0]])
    out = capsys.readouterr()
    assert rc == 0, out.err
    lines = out.out.splitlines()
    assert any(line.startswith("qido") and "scoped" in line for line in lines)
    assert any(line.startswith("ups") and "ok" in line for line in lines)


def test_reader_check_without_ups_says_to_configure_it(centre, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", READER_A[1])
    rc = main(["--server", centre.server.dicomweb_url, "centre", "check", "--user", READER_A[0]])
    err = capsys.readouterr().err
    assert rc != 0 and "has_ups = true" in err and READER_A[1] not in err


def test_a_wrong_password_fails_the_check(centre, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", "not-the-password")
    rc = main(["--config", _ups_config(tmp_path, centre), "centre", "check", "--user", READER_A[0]])
    err = capsys.readouterr().err
    assert rc != 0 and "401" in err
