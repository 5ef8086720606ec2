"""`yomi report export` in a real subprocess, as a script or IT would run it."""
from __future__ import annotations

import os
import subprocess
import sys

import pydicom
import pytest

from app.report.draft_store import DraftStore
from tests.report.conftest import REPO
from tests.report.pki import make_pki
from tests.report.test_signing import need, report  # noqa: F401  (fixture)


def run_export(draft, out, *extra, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "YOMI_P12_PASSWORD"}
    env.update(QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    cmd = [sys.executable, "-m", "app.main", "report", "export", str(draft), "--out", str(out),
           "--signer-name", "Sato^Hanako=佐藤^花子", "--signer-id", "R-17", "--signer-org", "Yomi Reading Centre", *extra]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


@pytest.fixture()
def draft(report, tmp_path):
    return DraftStore(tmp_path / "drafts").save(report)


def test_export_signed(draft, tmp_path):
    pki = make_pki(tmp_path)
    out = run_export(draft, tmp_path / "out", "--sign", str(pki.p12),
                     env_extra={"YOMI_P12_PASSWORD": pki.password.decode()})
    assert out.returncode == 0, out.stderr
    folder = next((tmp_path / "out").iterdir())
    sr = pydicom.dcmread(next(folder.glob("sr-*.dcm")))
    assert sr.VerificationFlag == "VERIFIED"
    pdf = next(folder.glob("report-*.pdf"))
    check = subprocess.run([need("pdfsig"), str(pdf)], capture_output=True, text=True)
    assert "Signature is Valid" in check.stdout
    assert "PAdES" in out.stdout


def test_export_unsigned_pdf(draft, tmp_path):
    out = run_export(draft, tmp_path / "out", "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert "not digitally signed" in out.stdout


def test_export_failures_are_one_line(draft, tmp_path):
    pki = make_pki(tmp_path)
    out = run_export(draft, tmp_path / "out", "--sign", str(pki.p12))  # no password, no terminal
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    out = run_export(draft, tmp_path / "out", "--sign", str(pki.p12), env_extra={"YOMI_P12_PASSWORD": "wrong"})
    assert out.returncode == 1 and "could not be opened" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Yamada" not in out.stderr
    missing = run_export(tmp_path / "nope.json", tmp_path / "out")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1
