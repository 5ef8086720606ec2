"""Who signs, and with which key: one path for the reading window and `yomi report export`.

The reader re-authenticates for every signature (`Session.reauthenticate`), except within the
grace after a typed one (app/reading/sign_grace.py: minutes, ended by any lock); the signer's
name and ID are the logged-in account's (IT-bound DICOM name and user ID), never typed in;
the key is the one `certificates.choose_certificate` took from the account; an account with
no key bound signs nothing (`NoSigningKey`), so a VERIFIED SR always carries a DICOM
signature. Each signature, made or refused, is audited under the station user (`audit.report_signed`). A window
without a session (a bare window in tests) signs under its reader name, and the audit trail
says so with a Security Alert.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import audit
from app.reading.certificates import CertificateChoice, CertificateKind, SigningSettings
from app.report.errors import NoSigningKey
from app.report.identity import Signer, qualification_of_roles

__all__ = ["needs_reauthentication", "authenticate_signer", "sign_as_reader"]

log = logging.getLogger(__name__)


def needs_reauthentication(session: Any) -> bool:
    return session is not None


def authenticate_signer(session: Any, reader: str, organisation: str, password: str | None, *,
                        report_id: str, within_grace: bool = False) -> Signer:
    """The signer of `report_id`; raises app.session.SessionError on a wrong password.
    `within_grace`: the reader typed the password for a signature moments ago
    (app/reading/sign_grace.py), so the active, unlocked session is not asked again."""
    if within_grace and session is not None:
        from app.session.errors import NotLoggedIn, SessionLocked

        if session.user is None:
            raise NotLoggedIn("no reader is logged in")
        if session.is_locked():
            raise SessionLocked("the session is locked")
        log.info("report %s signed within the re-authentication grace", report_id)
        user = session.user
        return Signer(user.dicom_name, user.user_id, organisation, qualification_of_roles(user.roles))
    if session is None:
        audit.security_alert(reader, audit.C.USE_OF_RESTRICTED_FUNCTION, f"report:{report_id}",
                             "report signed without re-authentication: no reader session")
        log.warning("report %s signed without re-authentication (no session)", report_id)
        return Signer(reader, reader, organisation)
    session.reauthenticate(password or "")
    user = session.user
    return Signer(user.dicom_name, user.user_id, organisation, qualification_of_roles(user.roles))


def sign_as_reader(session: Any, reader: str, password: str | None, report: Any, *, choice: CertificateChoice,
                   settings: SigningSettings, out_dir: Path, study_on_screen: str | None = None,
                   render_pdf: Callable[[str, str], bytes] | None = None, audit_log: Any = None,
                   secret: Any = None, final: Any = None, reading_role: str = "", within_grace: bool = False) -> Any:
    """Re-authenticate, open the account's key, sign `report` into `out_dir` (app.report.signing),
    audit the outcome; returns the SignedReport. Raises SessionError (password refused) or
    ReportError (key or report refused), both audited."""
    from app.report.signing import sign

    who = session.user.user_id if session is not None and session.user is not None else reader
    study, patient = report.identity.study_uid, report.identity.patient_id
    key = None
    try:
        if choice.kind is CertificateKind.NONE:
            raise NoSigningKey(f"no signing key is bound to account {who}: a report is signed only with the "
                               "reader's own certificate (IT: yomi user reset/add --signing-p12 or --signing-pkcs11)")
        signer = authenticate_signer(session, reader, settings.organisation, password, report_id=report.report_id,
                                     within_grace=within_grace)
        key = choice.open_key()
        kw = {"render_pdf": render_pdf} if render_pdf is not None else {}
        if secret is not None:  # app.report.sealed_files.ReaderSecret: the outputs are sealed for the reader
            kw["secret"] = secret
        if final is not None:   # app.report.final_report.FinalContext: the judge's final of a double reading
            kw["final"] = final
        if reading_role:        # "first" / "second": the signer's reading of a double reading
            kw["reading_role"] = reading_role
        signed = sign(report, signer, out_dir, key=key, study_on_screen=study_on_screen, tsa_url=settings.tsa_url,
                      crl_files=settings.crl_files, **kw)
    except Exception as exc:
        audit.report_signed(who, study, patient, report_id=report.report_id, ok=False, reason=type(exc).__name__,
                            log=audit_log)
        raise
    finally:
        if key is not None and hasattr(key, "close"):
            key.close()
    audit.report_signed(who, study, patient, report_id=report.report_id,
                        sop_uids=(signed.sr_sop_uid, signed.encapsulated_sop_uid), log=audit_log)
    return signed
