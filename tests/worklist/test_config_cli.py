"""app/config.py layers and secrets, and the `yomi centre check` / `yomi pull` commands
run through app.main.main against the real Orthanc."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pydicom
import pytest

from app.config import ConfigError, get_secret, load_config
from app.main import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(tmp_path / "no-site.toml"))
    monkeypatch.delenv("YOMI_PASSWORD", raising=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_layers_defaults_site_user_cli(tmp_path: Path, monkeypatch) -> None:
    site = write(tmp_path / "site.toml", 'locked = ["centre.ca_bundle"]\n[centre]\nname = "Site"\nretries = 5\n'
                 'dicomweb_url = "https://pacs.example/dicom-web"\n')
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    user = write(tmp_path / "user.toml", '[centre]\nname = "Mine"\nuser = "kenji"\n')
    cfg = load_config(user, {"user": "other", "ca_bundle": None})
    c = cfg.centre
    assert (c.name, c.retries, c.user, c.read_timeout) == ("Mine", 5, "other", 60.0)
    assert c.dicomweb_url == "https://pacs.example/dicom-web"
    assert cfg.locked == frozenset({"centre.ca_bundle"})


def test_locked_key_cannot_be_overridden(tmp_path: Path, monkeypatch) -> None:
    site = write(tmp_path / "site.toml", 'locked = ["centre.dicomweb_url"]\n[centre]\n'
                 'dicomweb_url = "https://pacs.example/dicom-web"\n')
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    user = write(tmp_path / "user.toml", '[centre]\ndicomweb_url = "https://evil.example/"\n')
    with pytest.raises(ConfigError, match="locked"):
        load_config(user, {})
    with pytest.raises(ConfigError, match="locked"):
        load_config(None, {"dicomweb_url": "https://evil.example/"})


def test_password_in_file_is_an_error(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", '[centre]\nuser = "kenji"\npassword = "hunter2"\n')
    with pytest.raises(ConfigError) as err:
        load_config(user, {})
    assert "hunter2" not in str(err.value) and "keyring" in str(err.value)


def test_unknown_key_and_bad_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key centre.retry"):
        load_config(write(tmp_path / "a.toml", "[centre]\nretry = 2\n"), {})
    with pytest.raises(ConfigError, match="retries"):
        load_config(write(tmp_path / "b.toml", '[centre]\nretries = "2"\n'), {})


def test_sample_config_loads(tmp_path: Path) -> None:
    sample = REPO / "packaging" / "centre.sample.toml"
    cfg = load_config(sample, {"ca_bundle": None})
    assert cfg.centre.dicomweb_url.startswith("https://")


def test_secret_without_keyring_backend(tmp_path: Path, monkeypatch) -> None:
    """This machine has no keyring backend (PLATFORM-NOTES): the failure names the way out."""
    c = load_config(None, {"dicomweb_url": "https://pacs.example/dicom-web", "user": "kenji"}).centre
    with pytest.raises(ConfigError, match="YOMI_PASSWORD"):
        get_secret(c, interactive=False)
    monkeypatch.setenv("YOMI_PASSWORD", "from-env")
    assert get_secret(c, interactive=False) == "from-env"


@pytest.mark.orthanc
def test_centre_check_ok(orthanc, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
    rc = main(["--server", orthanc.dicomweb_url, "centre", "check", "--user", orthanc.user])
    out = capsys.readouterr()
    assert rc == 0, out.err
    for name in ("reach", "tls", "auth", "qido", "ups", "rtt"):
        assert any(line.startswith(name) for line in out.out.splitlines()), name
    assert "not offered" in out.out  # Orthanc has no UPS-RS


@pytest.mark.orthanc
def test_centre_check_over_tls(orthanc, orthanc_tls, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
    rc = main(["centre", "check", "--server", orthanc_tls.dicomweb_url, "--user", orthanc.user,
               "--ca-bundle", str(orthanc_tls.pki.ca_cert)])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "verified" in out.out


@pytest.mark.orthanc
def test_centre_check_wrong_password(orthanc, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", "not-the-password")
    rc = main(["centre", "check", "--server", orthanc.dicomweb_url, "--user", orthanc.user])
    err = capsys.readouterr().err
    assert rc != 0
    assert len(err.strip().splitlines()) == 1 and "401" in err and "not-the-password" not in err


@pytest.mark.orthanc
def test_centre_check_untrusted_tls(orthanc, orthanc_tls, capsys, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
    rc = main(["centre", "check", "--server", orthanc_tls.dicomweb_url, "--user", orthanc.user])
    err = capsys.readouterr().err
    assert rc != 0 and "TLS" in err
    # security.md row 13: a TLS failure is a Security Alert (Node Authentication) in the audit trail
    from app.audit import default_log

    alerts = [r.event for r in default_log().records() if r.event.event_id.code == "110113"]
    assert alerts and alerts[-1].event_types[0].code == "110126"


def _station_reader(tmp_path: Path, monkeypatch, loaded) -> None:
    """A station account bound (by IT) to the centre user and the reader's DICOM name; the
    station login and the centre password come from the environment, as in a script."""
    from tests.identity.support import make_station
    from tests.worklist.conftest import READER

    station = make_station(tmp_path / "data", monkeypatch, totp=False)
    e = station.add("dr.kenji", dicom_name=READER, centre_user=loaded.server.user)
    station.login_env(monkeypatch, e)
    monkeypatch.setenv("YOMI_CENTRE_PASSWORD", loaded.server.password)


@pytest.mark.orthanc
def test_pull_writes_hashed_names_identical_pixels(loaded, ct_files, tmp_path: Path, capsys, monkeypatch) -> None:
    _station_reader(tmp_path, monkeypatch, loaded)
    out = tmp_path / "pulled"
    rc = main(["pull", loaded.japanese_ir13_87, "--out", str(out), "--server", loaded.server.dicomweb_url])
    assert rc == 0, capsys.readouterr().err
    files = sorted(out.glob("*.dcm"))
    assert len(files) == 3
    assert out.stat().st_mode & 0o777 == 0o700 and all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    # copies of ct_files[30:33] with new UIDs: the pixels are those of the originals
    originals = {pydicom.dcmread(f).pixel_array.tobytes() for f in ct_files[30:33]}
    for f in files:
        raw = f.read_bytes()
        assert raw[:128] == bytes(128)
        ds = pydicom.dcmread(f)
        uid = str(ds.SOPInstanceUID)
        assert f.stem == hashlib.sha256(uid.encode()).hexdigest()[:40]
        assert ds.pixel_array.tobytes() in originals
    # The download and the export to a folder are in the audit trail, under the station user.
    from app.audit import default_log

    events = [r.event for r in default_log().records()]
    ids = [e.event_id.code for e in events]
    assert "110104" in ids and "110106" in ids
    assert all(e.participants[0].user_id == "dr.kenji" for e in events if e.event_id.code in ("110104", "110106"))
    # Run again: everything is already there, nothing is fetched twice.
    rc = main(["pull", loaded.japanese_ir13_87, "--out", str(out), "--server", loaded.server.dicomweb_url])
    assert rc == 0 and "0 instances" in capsys.readouterr().out


@pytest.mark.orthanc
def test_pull_of_a_study_not_assigned_to_the_reader_is_refused(loaded, tmp_path: Path, capsys, monkeypatch) -> None:
    """This Orthanc (no centre plugin) would serve it: the station itself refuses."""
    _station_reader(tmp_path, monkeypatch, loaded)
    out = tmp_path / "pulled"
    rc = main(["pull", loaded.ct_study, "--out", str(out), "--server", loaded.server.dicomweb_url])
    err = capsys.readouterr().err
    assert rc == 1 and loaded.ct_study in err and "not on this reader's worklist" in err
    assert not out.exists()
    from tests.identity.support import study_alerts

    assert [a.participants[0].user_id for a in study_alerts(loaded.ct_study)] == ["dr.kenji"]


def test_pull_rejects_a_non_uid(tmp_path: Path, capsys) -> None:
    rc = main(["pull", "../../etc", "--out", str(tmp_path), "--server", "http://127.0.0.1:9/dicom-web"])
    assert rc == 2 and "UID" in capsys.readouterr().err


def test_retention_of_confirmed_reports_is_a_setting(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path / "r.toml", "[centre]\nretain_sent_hours = 24\n"), {}).centre
    assert cfg.retain_sent_hours == 24.0
    assert load_config(None, {}).centre.retain_sent_hours == 0.0  # default: deleted at once
    with pytest.raises(ConfigError, match="retain_sent_hours"):
        load_config(write(tmp_path / "bad.toml", "[centre]\nretain_sent_hours = -1\n"), {})
