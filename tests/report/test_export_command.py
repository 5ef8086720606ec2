"""`yomi report export` in a real subprocess, as a script or IT would run it: the station
login comes from YOMI_USER / YOMI_PASSWORD / YOMI_CODE, the signer and the key from the
account IT signed into the site store (tests/identity/support.py's station)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pydicom
import pytest

from app.session import SigningKeyRef
from tests.identity.support import make_station
from tests.report.conftest import REPO
from tests.report.pki import make_pki
from tests.report.test_signing import need, report  # noqa: F401  (fixture)

ACCOUNT_NAME = "Sato^Hanako=佐藤^花子"


def run_export(draft, out, *extra, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "YOMI_P12_PASSWORD"}
    env.update(QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    cmd = [sys.executable, "-m", "app.main", "report", "export", str(draft), "--out", str(out), *extra]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


@pytest.fixture()
def draft(report, tmp_path):
    path = tmp_path / "draft.json"  # the plain JSON draft a user hands to the command
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def pki(tmp_path):
    (tmp_path / "pki").mkdir()
    return make_pki(tmp_path / "pki")


@pytest.fixture()
def station(tmp_path, monkeypatch, pki):
    st = make_station(tmp_path / "station", monkeypatch)
    st.signer = st.add("dr.hanako", dicom_name=ACCOUNT_NAME,
                       signing_key=SigningKeyRef("pkcs12", str(pki.p12)))
    st.keyless = st.add("dr.nokey", dicom_name="NOKEY^READER")
    return st


def test_export_signed_with_the_account_key(draft, tmp_path, station, pki, monkeypatch):
    station.login_env(monkeypatch, station.signer)
    out = run_export(draft, tmp_path / "out", env_extra={"YOMI_P12_PASSWORD": pki.password.decode()})
    assert out.returncode == 0, out.stderr
    folder = next((tmp_path / "out").iterdir())
    sr = pydicom.dcmread(next(folder.glob("sr-*.dcm")))
    assert sr.VerificationFlag == "VERIFIED"
    assert str(sr.VerifyingObserverSequence[0].VerifyingObserverName) == ACCOUNT_NAME
    pdf = next(folder.glob("report-*.pdf"))
    check = subprocess.run([need("pdfsig"), str(pdf)], capture_output=True, text=True)
    assert "Signature is Valid" in check.stdout
    assert "PAdES" in out.stdout and "dr.hanako" in out.stdout


def test_an_account_without_a_key_signs_nothing(draft, tmp_path, station, monkeypatch):
    """A VERIFIED SR without the reader's DICOM signature would prove nothing (issue 9)."""
    station.login_env(monkeypatch, station.keyless)
    out = run_export(draft, tmp_path / "out", "--lang", "en")
    assert out.returncode == 1
    assert "no signing key is bound to account dr.nokey" in out.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.dcm"))


def test_export_failures_are_one_line(draft, tmp_path, station, monkeypatch):
    station.login_env(monkeypatch, station.signer)
    out = run_export(draft, tmp_path / "out")  # no key password, no terminal
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    station.login_env(monkeypatch, station.signer)
    out = run_export(draft, tmp_path / "out", env_extra={"YOMI_P12_PASSWORD": "wrong"})
    assert out.returncode == 1 and "could not be opened" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Yamada" not in out.stderr
    missing = run_export(tmp_path / "nope.json", tmp_path / "out")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
