"""Signing in the reading window takes the key IT bound to the logged-in account (not a path
from the environment or a file): re-authentication, then the certificate's password, then the
SR carries the account's name and a DICOM signature dcmtk's `dcmsign --verify` accepts, and
the signature is audited under the station user. Real window on Xvfb, the real chest CT via
the demo centre (the window's reader is not the demo reader, so the demo PKI is not used)."""
from __future__ import annotations

import os

import pydicom
import pytest
from PySide6.QtCore import Qt

from app.audit import AuditLog
from app.demo import prepare_demo
from app.session import Session, SigningKeyRef
from tests.gui.conftest import pytest_runtest_makereport, windows  # noqa: F401  (fixtures)
from tests.report.pki import make_pki
from tests.report.test_dicom_signature import dcmsign_verify
from tests.report_gui.helpers import (NODULE_KEYS, REPORT_KEYS, answer_certificate_password, answer_password,
                                      make_window, measure_cross,
                                      open_study, type_fields)
from tests.session_support import PW, make_site
from worklist.outbox import Outbox, Sender

if not os.environ.get("DISPLAY"):
    pytest.skip("GUI tests need an X display (xvfb-run)", allow_module_level=True)

NAME = "Sato^Hanako=佐藤^花子"


def test_window_signs_with_the_account_key(qtbot, windows, tmp_path):  # noqa: F811
    (tmp_path / "pki").mkdir()
    pki = make_pki(tmp_path / "pki")
    site = make_site(tmp_path / "it", totp=False)
    site.add("dr.hanako", dicom_name=NAME, signing_key=SigningKeyRef("pkcs12", str(pki.p12)))
    audit_log = AuditLog(tmp_path / "audit.jsonl")
    session = Session(site.store, audit_log=audit_log)
    session.login("dr.hanako", PW)
    demo = prepare_demo(tmp_path / "centre")
    outbox = Outbox(tmp_path / "outbox")
    sender = Sender(outbox, demo.centre, poll_s=0.2)  # the outputs are sealed here: read what is delivered
    sender.start()
    try:
        win = make_window(qtbot, windows, demo.centre, "dr.hanako", session=session, outbox=outbox)
        open_study(qtbot, win, "Lung_Dx-A0001")
        panel = win.report_panel
        report = panel.report
        measure_cross(qtbot, win)
        qtbot.keyClick(win.mpr.axial, Qt.Key_M, Qt.ControlModifier)
        qtbot.keyClick(win.mpr.axial, Qt.Key_E, Qt.ControlModifier)
        type_fields(qtbot, win, REPORT_KEYS + [("nodule_list", "")] + NODULE_KEYS)
        answer_password(qtbot, panel, PW)
        answer_certificate_password(qtbot, pki.password.decode())
        with qtbot.waitSignal(panel.signedReport, timeout=90000):
            panel.sign_button.click()
        assert report.is_signed
        assert report.signature.signer.id == "dr.hanako" and report.signature.pdf_signed
        qtbot.waitUntil(lambda: len(demo.centre.received()) == 2, timeout=60000)
        sr_path = next(p for p in demo.centre.received()
                       if pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID == report.signature.sr_sop_uid)
        check = dcmsign_verify(sr_path, pki)
        assert check.returncode == 0 and "Signature Verification : OK" in check.stdout + check.stderr
        assert str(pydicom.dcmread(sr_path).VerifyingObserverSequence[0].VerifyingObserverName) == NAME
        made = [r.event for r in audit_log.records()
                if r.event.event_id.code == "110103" and r.event.action.value == "C"]
        assert made and made[-1].participants[0].user_id == "dr.hanako"
    finally:
        sender.stop()
        outbox.close()
