"""`yomi pull` as the logged-in station reader, against the real centre plugin (tests/centre):
reader A pulls A's study; as reader A, `yomi pull <B's study>` is refused by the station
(not on A's worklist), exits 1 naming the study, writes nothing and is audited as a Security
Alert under the station user; without a login, or with a wrong password or code, nothing
is asked of the centre at all."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.main import main
from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B
from tests.identity.support import audit_events, make_station, study_alerts

pytestmark = pytest.mark.orthanc


def _config(tmp: Path, server, **extra: str) -> Path:
    lines = ['name = "Centre"', f'dicomweb_url = "{server.dicomweb_url}"', "has_ups = true"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    path = tmp / "centre.toml"
    path.write_text("[centre]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def station(tmp_path: Path, monkeypatch):
    st = make_station(tmp_path / "station", monkeypatch)
    st.a = st.add("dr.takahashi", dicom_name=NAME_A, centre_user=READER_A[0])
    st.b = st.add("dr.sato", dicom_name=NAME_B, centre_user=READER_B[0])
    return st


def _pull(centre, tmp: Path, study: str, out: Path, *extra: str) -> int:
    return main(["pull", study, "--out", str(out), "--config", str(_config(tmp, centre.server)), *extra])


def test_reader_pulls_own_study_with_the_account_identity(centre, station, tmp_path, monkeypatch, capsys) -> None:
    station.login_env(monkeypatch, station.a)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_A[1])
    out = tmp_path / "mine"
    assert _pull(centre, tmp_path, centre.a1.uid, out) == 0, capsys.readouterr().err
    files = list(out.glob("*.dcm"))
    assert len(files) == len(centre.a1.sops)
    assert out.stat().st_mode & 0o777 == 0o700 and {f.stat().st_mode & 0o777 for f in files} == {0o600}


def test_as_reader_a_pull_of_b_study_is_refused_and_audited(centre, station, tmp_path, monkeypatch, capsys) -> None:
    station.login_env(monkeypatch, station.a)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_A[1])
    out = tmp_path / "theirs"
    rc = _pull(centre, tmp_path, centre.b1.uid, out)
    err = capsys.readouterr().err
    assert rc == 1
    assert centre.b1.uid in err and "not on this reader's worklist" in err
    assert not out.exists()
    alerts = study_alerts(centre.b1.uid)
    assert [a.participants[0].user_id for a in alerts] == ["dr.takahashi"]
    assert alerts[0].event_types[0].code == "110132"  # Use of Restricted Function


def test_a_crafted_uid_and_a_config_claiming_another_reader_change_nothing(centre, station, tmp_path, monkeypatch,
                                                                          capsys) -> None:
    """A user file naming reader A's DICOM name and centre user does not make B reader A: the
    account wins, the reader is told, and A's study stays refused."""
    station.login_env(monkeypatch, station.b)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_B[1])
    out = tmp_path / "theirs"
    config = _config(tmp_path, centre.server, reader_dicom_name=f'"{NAME_A}"', user=f'"{READER_A[0]}"')
    rc = main(["pull", centre.a1.uid, "--out", str(out), "--config", str(config)])
    err = capsys.readouterr().err
    assert rc == 1 and centre.a1.uid in err and not out.exists()
    told = [line for line in err.splitlines() if "is not used" in line]
    assert len(told) == 2 and any("reader_dicom_name" in t and NAME_B in t for t in told)
    # a well-formed UID that nobody was assigned is refused the same way
    ghost = "1.2.826.0.1.3680043.8.498.1"
    station.login_env(monkeypatch, station.b)
    assert main(["pull", ghost, "--out", str(out), "--config", str(config)]) == 1
    assert ghost in capsys.readouterr().err and not out.exists()


def test_the_centre_403_is_a_clear_refusal_too(centre, station, tmp_path, monkeypatch, capsys) -> None:
    """Without UPS the station's worklist is a QIDO search the plugin refuses to a reader: the
    centre's own 403, told with the study and audited under the station user."""
    station.login_env(monkeypatch, station.b)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_B[1])
    before = len(audit_events("110113"))
    path = tmp_path / "qido.toml"
    path.write_text(f'[centre]\ndicomweb_url = "{centre.server.dicomweb_url}"\n', encoding="utf-8")
    out = tmp_path / "theirs"
    rc = main(["pull", centre.a1.uid, "--out", str(out), "--config", str(path)])
    err = capsys.readouterr().err
    assert rc == 1 and centre.a1.uid in err and "403" in err and not out.exists()
    alerts = audit_events("110113")[before:]
    assert alerts and alerts[-1].participants[0].user_id == "dr.sato"


@pytest.mark.parametrize("case", ["no login", "wrong password", "wrong code"])
def test_pull_needs_the_station_login(centre, station, tmp_path, monkeypatch, capsys, case) -> None:
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_A[1])
    if case == "wrong password":
        station.login_env(monkeypatch, station.a, password="Not-the-password 1")
    elif case == "wrong code":
        station.login_env(monkeypatch, station.a, code="000000")
    before = len(audit_events("110114"))
    out = tmp_path / "mine"
    rc = _pull(centre, tmp_path, centre.a1.uid, out)
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert ("log in to the station" in err) if case == "no login" else ("login of dr.takahashi refused" in err)
    if case != "no login":  # the failed login is in the audit trail
        failed = [e for e in audit_events("110114")[before:] if e.outcome.value != 0]
        assert failed and failed[-1].participants[0].user_id == "dr.takahashi"
