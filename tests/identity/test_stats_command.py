"""`yomi stats` as a logged-in station user against the real centre plugin: a centre staff
account reads every reader's SRs and the CSV matches the known readings figure by figure; a
reader's account is refused by the centre (its unscoped search), exits 1, and it is audited."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.main import main
from tests.centre.support import NAME_A, READER_A, STAFF
from tests.critical.readings import EXPECTED_2031, exam_srs
from tests.identity.support import audit_events, make_station

pytestmark = pytest.mark.orthanc


def _config(tmp: Path, server) -> Path:
    path = tmp / "centre.toml"
    path.write_text(f'[centre]\nname = "Centre"\ndicomweb_url = "{server.dicomweb_url}"\nhas_ups = true\n',
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stored(centre):
    centre.server.upload(exam_srs())
    return centre


def test_staff_statistics_csv(stored, tmp_path, monkeypatch, capsys):
    station = make_station(tmp_path / "station", monkeypatch)
    staff = station.add("it.suzuki", dicom_name="Suzuki^Ichiro", centre_user=STAFF[0])
    station.login_env(monkeypatch, staff)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", STAFF[1])
    out = tmp_path / "stats.csv"
    rc = main(["stats", "--from", "2031-01-01", "--to", "2031-12-31", "--csv", str(out),
               "--config", str(_config(tmp_path, stored.server))])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "4 examinees, 7 readings" in captured.out
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert {(r[0], r[1]): r[2] for r in rows[1:]} == EXPECTED_2031
    assert out.stat().st_mode & 0o777 == 0o600
    opened = [e for e in audit_events("110103") if e.participants[0].user_id == "it.suzuki"]
    assert sorted(o.object_id for e in opened for o in e.objects if o.type_code == 1) == \
        ["STAT-0", "STAT-0", "STAT-1", "STAT-1", "STAT-1", "STAT-2", "STAT-3"]  # one event per SR read
    assert any(e.participants[0].user_id == "it.suzuki" for e in audit_events("110112"))


def test_a_reader_is_refused_by_the_centre(stored, tmp_path, monkeypatch, capsys):
    station = make_station(tmp_path / "station", monkeypatch)
    reader = station.add("dr.takahashi", dicom_name=NAME_A, centre_user=READER_A[0])
    station.login_env(monkeypatch, reader)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", READER_A[1])
    rc = main(["stats", "--from", "2031-01-01", "--to", "2031-12-31",
               "--config", str(_config(tmp_path, stored.server))])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("stats: ")
    assert "Traceback" not in err
    failed = [e for e in audit_events("110112") if e.participants[0].user_id == "dr.takahashi"]
    assert failed and failed[-1].outcome != 0


def test_bad_dates_are_named(capsys):
    with pytest.raises(SystemExit):
        main(["stats", "--from", "2031-13-01", "--to", "2031-12-31"])
    assert "'2031-13-01' is not a date" in capsys.readouterr().err
    assert main(["stats", "--from", "2031-12-31", "--to", "2031-01-01"]) == 2
    assert "before --from" in capsys.readouterr().err
