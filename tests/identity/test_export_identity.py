"""`yomi report export` signs only as the logged-in station reader, with the key IT bound to the
account, in a real subprocess (no terminal): refused without a login, with a wrong password or
one-time code; otherwise the SR carries the account's name and a DICOM signature dcmtk's
`dcmsign --verify` accepts (with the site's CRL), the PDF a PAdES signature and the TSA's
timestamp; each signature is audited under the station user. The attack of the issue,
`--signer-name Anyone^Claimed`, finds no such option."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pydicom
import pytest

from app.session import SigningKeyRef
from tests.fixtures.tsa import tsa  # noqa: F401  (fixture: a real RFC 3161 TSA, openssl ts)
from tests.identity.support import audit_events, make_station
from tests.report.conftest import REPO, lung_slice  # noqa: F401  (fixture)
from tests.report.pki import make_pki
from tests.report.test_dicom_signature import PIN, SOFTHSM_LIB, dcmsign_verify, token  # noqa: F401  (fixture)
from tests.report.test_signing import need, report  # noqa: F401  (fixture)

NAME = "Sato^Hanako=佐藤^花子"


@pytest.fixture(scope="module")
def tsa_pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def pki(tsa_pki):  # what the SoftHSM2 token fixture imports
    return tsa_pki


@pytest.fixture()
def draft(report, tmp_path):
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture()
def station(tmp_path, monkeypatch, tsa_pki):
    st = make_station(tmp_path / "station", monkeypatch)
    st.hanako = st.add("dr.hanako", dicom_name=NAME, signing_key=SigningKeyRef("pkcs12", str(tsa_pki.p12)))
    return st


def export(draft, out, *extra, env=None):
    full = {k: v for k, v in os.environ.items()}
    full.update(QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "app.main", "report", "export", str(draft), "--out", str(out),
                           *extra], cwd=REPO, env=full, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_signs_with_the_account_key_and_name(draft, tmp_path, station, tsa_pki, tsa, monkeypatch):  # noqa: F811
    station.login_env(monkeypatch, station.hanako)
    site = tmp_path / "site.toml"  # IT's site file: the CRL, the TSA and the organisation
    site.write_text(f'[centre]\ncrl_files = ["{tsa_pki.crl}"]\ntsa_url = "{tsa.url}"\n'
                    'report_organisation = "Yomi Reading Centre"\n', encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    out = export(draft, tmp_path / "out", env={"YOMI_P12_PASSWORD": tsa_pki.password.decode()})
    assert out.returncode == 0, out.stderr
    folder = next((tmp_path / "out").iterdir())
    sr_path = next(folder.glob("sr-*.dcm"))
    check = dcmsign_verify(sr_path, tsa_pki)
    assert check.returncode == 0 and "Signature Verification : OK" in check.stdout + check.stderr
    sr = pydicom.dcmread(sr_path)
    observer = sr.VerifyingObserverSequence[0]
    assert str(observer.VerifyingObserverName) == NAME
    assert observer.VerifyingOrganization == "Yomi Reading Centre"
    assert tsa.requests, "the site's TSA was asked for a timestamp"
    signed = [e for e in audit_events("110103") if e.action.value == "C"]
    assert signed and signed[-1].participants[0].user_id == "dr.hanako" and signed[-1].outcome.value == 0


def test_a_revoked_key_is_refused_through_the_crl_option(draft, tmp_path, station, tsa_pki, monkeypatch):
    e = station.add("dr.revoked", dicom_name="REVOKED^READER",
                    signing_key=SigningKeyRef("pkcs12", str(tsa_pki.revoked_p12)))
    station.login_env(monkeypatch, e)
    out = export(draft, tmp_path / "out", "--crl", str(tsa_pki.crl),
                 env={"YOMI_P12_PASSWORD": tsa_pki.password.decode()})
    assert out.returncode == 1 and "revoked" in out.stderr.lower()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("sr-*.dcm"))
    refused = [ev for ev in audit_events("110103") if ev.action.value == "C" and ev.outcome.value != 0]
    assert refused and refused[-1].participants[0].user_id == "dr.revoked"


@pytest.mark.parametrize("case", ["no login", "wrong password", "wrong code"])
def test_refused_without_a_good_login(draft, tmp_path, station, tsa_pki, monkeypatch, case):
    if case == "wrong password":
        station.login_env(monkeypatch, station.hanako, password="Not-the-password 1")
    elif case == "wrong code":
        station.login_env(monkeypatch, station.hanako, code="000000")
    out = export(draft, tmp_path / "out", env={"YOMI_P12_PASSWORD": tsa_pki.password.decode()})
    assert out.returncode == 2, out.stderr
    assert ("log in to the station" in out.stderr) if case == "no login" else ("refused" in out.stderr)
    assert not (tmp_path / "out").exists()


def test_the_claimed_signer_attack_finds_no_option(draft, tmp_path, station, tsa_pki, monkeypatch):
    station.login_env(monkeypatch, station.hanako)
    out = export(draft, tmp_path / "out", "--signer-name", "Anyone^Claimed", "--signer-id", "X",
                 env={"YOMI_P12_PASSWORD": tsa_pki.password.decode()})
    assert out.returncode == 2 and "unrecognized arguments: --signer-name" in out.stderr
    assert not (tmp_path / "out").exists()
    # and no user file can name another signer either: the name is the account's
    user = tmp_path / "user.toml"
    user.write_text('[centre]\nreader_dicom_name = "Anyone^Claimed"\n', encoding="utf-8")
    station.login_env(monkeypatch, station.hanako)
    ok = export(draft, tmp_path / "out", "--config", str(user), env={"YOMI_P12_PASSWORD": tsa_pki.password.decode()})
    assert ok.returncode == 0, ok.stderr
    sr = pydicom.dcmread(next((tmp_path / "out").rglob("sr-*.dcm")))
    assert str(sr.VerifyingObserverSequence[0].VerifyingObserverName) == NAME
    assert "Anyone" not in sr.VerifyingObserverSequence[0].VerifyingObserverName.original_string.decode("utf-8")


@pytest.mark.parametrize("ref", [f"pkcs11:token=reader;object=signkey?module-path={SOFTHSM_LIB}", "reader"],
                         ids=["rfc7512-uri", "token-label-and-site-module"])
def test_signs_on_the_account_token_with_its_pin(draft, tmp_path, station, tsa_pki, token, monkeypatch, ref):  # noqa: F811
    """The account's PKCS#11 reference (SoftHSM2 stands in for the HPKI card): the key never
    leaves the token; the PIN comes from YOMI_PKCS11_PIN; a wrong PIN is refused."""
    e = station.add("dr.card", dicom_name=NAME, signing_key=SigningKeyRef("pkcs11", ref))
    site = tmp_path / "site.toml"
    site.write_text(f'[centre]\npkcs11_module = "{token}"\n', encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    station.login_env(monkeypatch, e)
    bad = export(draft, tmp_path / "bad", env={"YOMI_PKCS11_PIN": "000000"})
    assert bad.returncode == 1 and "token reader could not be opened" in bad.stderr
    station.login_env(monkeypatch, e)
    out = export(draft, tmp_path / "out", env={"YOMI_PKCS11_PIN": PIN})
    assert out.returncode == 0, out.stderr
    sr_path = next((tmp_path / "out").rglob("sr-*.dcm"))
    check = dcmsign_verify(sr_path, tsa_pki)
    assert check.returncode == 0 and "Signature Verification : OK" in check.stdout + check.stderr
    assert str(pydicom.dcmread(sr_path).VerifyingObserverSequence[0].VerifyingObserverName) == NAME
