"""What a reader is told about an error, in the interface language.

The Qt-free packages raise typed errors whose own message is a one-line English detail for
logs and support (naming the file, series or URL at fault, never personal data, by each
package's contract); the reader sees the sentence this module picks by the error's class (the
most specific class listed wins), naming the study. In an English interface the detail
follows the sentence; in another language it is logged here, not shown.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from app.config import ConfigError
from app.reading.study_load import LoadCancelled, UnexpectedLoadError
from app.report import errors as report_errors
from app.report.report_ids import InvalidReportId
from app.report.sealed_files import KeysUnavailable, NotSealedForThisReader, SealError
from app.session import errors as session_errors
from app.session import oidc
from app.session.oidc_binding import OidcSubjectMismatch, OidcSubjectNotBound
from app.windows.report_texts import interface_language
from viewer.dicom_files import UnsupportedTransferSyntax, VolumeCancelled, VolumeError, VolumeTooLarge
from viewer.sampling import NoVoxelData
from worklist import centre as c
from worklist.cache import CacheError, CacheLocked
from worklist.outbox import OutboxError, OutboxLocked

__all__ = ["error_text", "refusal_text", "sentence", "CONTEXT"]

log = logging.getLogger(__name__)

CONTEXT = "ErrorText"

# Most specific first: the first class the error is an instance of gives the sentence.
_SENTENCES: tuple[tuple[type, str], ...] = (
    (c.DeadlineExceeded, QT_TRANSLATE_NOOP("ErrorText", "The reading centre did not answer in time.")),
    (c.Unreachable, QT_TRANSLATE_NOOP("ErrorText", "The reading centre cannot be reached. Check the network.")),
    (c.TLSFailure, QT_TRANSLATE_NOOP("ErrorText", "The reading centre's certificate could not be verified: "
                                                  "the connection was refused for safety.")),
    (c.Unauthorised, QT_TRANSLATE_NOOP("ErrorText", "The reading centre refused the user name, password or "
                                                    "sign-in (it may have expired).")),
    (c.Forbidden, QT_TRANSLATE_NOOP("ErrorText", "The reading centre does not allow this: the study is not "
                                                 "assigned to you.")),
    (c.NotFound, QT_TRANSLATE_NOOP("ErrorText", "The reading centre does not have this study (or it was removed).")),
    (c.ServerError, QT_TRANSLATE_NOOP("ErrorText", "The reading centre had an internal error. Try again later.")),
    (c.StoreRefused, QT_TRANSLATE_NOOP("ErrorText", "The reading centre did not store the report.")),
    (c.TooLarge, QT_TRANSLATE_NOOP("ErrorText", "The reading centre sent more data than the station accepts.")),
    (c.BadData, QT_TRANSLATE_NOOP("ErrorText", "The reading centre sent data that is not valid DICOM.")),
    (c.Cancelled, QT_TRANSLATE_NOOP("ErrorText", "Cancelled.")),
    (c.CentreError, QT_TRANSLATE_NOOP("ErrorText", "The reading centre could not do this.")),
    (UnsupportedTransferSyntax, QT_TRANSLATE_NOOP("ErrorText", "The images are compressed in a format this "
                                                               "station cannot decode.")),
    (VolumeTooLarge, QT_TRANSLATE_NOOP("ErrorText", "The series is too large to show on this station.")),
    (VolumeCancelled, QT_TRANSLATE_NOOP("ErrorText", "Loading cancelled")),
    (VolumeError, QT_TRANSLATE_NOOP("ErrorText", "The images cannot be shown as a volume.")),
    (LoadCancelled, QT_TRANSLATE_NOOP("ErrorText", "Loading cancelled")),
    (UnexpectedLoadError, QT_TRANSLATE_NOOP("ErrorText", "The study could not be loaded (unexpected error).")),
    (report_errors.CertificateExpired, QT_TRANSLATE_NOOP("ErrorText", "Your signing certificate has expired: "
                                                                      "nothing was signed.")),
    (report_errors.CertificateNotYetValid, QT_TRANSLATE_NOOP("ErrorText", "Your signing certificate is not valid "
                                                                          "yet: nothing was signed.")),
    (report_errors.CertificateRevoked, QT_TRANSLATE_NOOP("ErrorText", "Your signing certificate has been "
                                                                      "revoked: nothing was signed.")),
    (report_errors.CertificateKeyUsage, QT_TRANSLATE_NOOP("ErrorText", "Your certificate may not be used for "
                                                                       "signatures: nothing was signed.")),
    (report_errors.RevocationCheckFailed, QT_TRANSLATE_NOOP("ErrorText", "The revocation of your certificate "
                                                                         "could not be checked: nothing was "
                                                                         "signed.")),
    (report_errors.CertificateError, QT_TRANSLATE_NOOP("ErrorText", "Your certificate may not sign now: "
                                                                    "nothing was signed.")),
    (report_errors.NoSigningKey, QT_TRANSLATE_NOOP("ErrorText", "No signing key is bound to your account: "
                                                                "nothing was signed. Ask IT.")),
    (report_errors.SigningKeyError, QT_TRANSLATE_NOOP("ErrorText", "The signing key could not be opened (wrong "
                                                                   "password or PIN, or the card refused).")),
    (report_errors.TimestampError, QT_TRANSLATE_NOOP("ErrorText", "The timestamp authority did not answer "
                                                                  "properly: nothing was signed.")),
    (report_errors.DicomSignatureInvalid, QT_TRANSLATE_NOOP("ErrorText", "A digital signature does not "
                                                                         "verify: the signed content changed.")),
    (report_errors.DicomSignatureError, QT_TRANSLATE_NOOP("ErrorText", "The DICOM signature could not be made.")),
    (report_errors.SigningError, QT_TRANSLATE_NOOP("ErrorText", "The report could not be signed.")),
    (report_errors.TemplateError, QT_TRANSLATE_NOOP("ErrorText", "The report template cannot be used.")),
    (report_errors.RuleInputError, QT_TRANSLATE_NOOP("ErrorText", "These measurements cannot be classified "
                                                                  "as given (check the axes).")),
    (report_errors.FieldValueError, QT_TRANSLATE_NOOP("ErrorText", "This value does not fit the report field.")),
    (report_errors.ReportSignedError, QT_TRANSLATE_NOOP("ErrorText", "The report is signed: start an addendum "
                                                                     "to change it.")),
    (report_errors.NotReadyToSign, QT_TRANSLATE_NOOP("ErrorText", "The report is not ready to sign: fill in "
                                                                  "the fields still to do.")),
    (report_errors.DraftStoreError, QT_TRANSLATE_NOOP("ErrorText", "The draft could not be saved or read back.")),
    (report_errors.PdfError, QT_TRANSLATE_NOOP("ErrorText", "The report could not be printed to PDF.")),
    (report_errors.SrError, QT_TRANSLATE_NOOP("ErrorText", "The DICOM report could not be built.")),
    (InvalidReportId, QT_TRANSLATE_NOOP("ErrorText", "The report's identifier is not valid.")),
    (report_errors.ReportError, QT_TRANSLATE_NOOP("ErrorText", "The report could not be processed.")),
    (oidc.LoginCancelled, QT_TRANSLATE_NOOP("ErrorText", "Sign-in cancelled.")),
    (oidc.LoginTimedOut, QT_TRANSLATE_NOOP("ErrorText", "The sign-in in the web browser took too long.")),
    (oidc.ProviderUnreachable, QT_TRANSLATE_NOOP("ErrorText", "The sign-in service cannot be reached.")),
    (oidc.AuthorizationDenied, QT_TRANSLATE_NOOP("ErrorText", "The sign-in service refused the sign-in.")),
    (OidcSubjectMismatch, QT_TRANSLATE_NOOP("ErrorText", "The sign-in service signed in another person than "
                                                         "this account's reader.")),
    (OidcSubjectNotBound, QT_TRANSLATE_NOOP("ErrorText", "IT has not bound a sign-in identity to this account. "
                                                         "Ask IT.")),
    (oidc.TokenRefreshFailed, QT_TRANSLATE_NOOP("ErrorText", "The sign-in at the reading centre has ended: "
                                                             "sign in again.")),
    (oidc.OidcError, QT_TRANSLATE_NOOP("ErrorText", "The sign-in at the reading centre failed.")),
    (session_errors.AuthenticationFailed, QT_TRANSLATE_NOOP("ErrorText", "The user ID or password is wrong.")),
    (session_errors.SessionLocked, QT_TRANSLATE_NOOP("ErrorText", "The station is locked: unlock it first.")),
    (session_errors.NotLoggedIn, QT_TRANSLATE_NOOP("ErrorText", "You are logged out: log in again.")),
    (session_errors.AccountStoreTampered, QT_TRANSLATE_NOOP("ErrorText", "The account store failed its signature "
                                                                         "check. Nobody can log in until IT "
                                                                         "restores it.")),
    (session_errors.SiteNotInitialised, QT_TRANSLATE_NOOP("ErrorText", "This station has not been set up by IT "
                                                                       "yet.")),
    (session_errors.SessionError, QT_TRANSLATE_NOOP("ErrorText", "The login could not be completed.")),
    (OutboxLocked, QT_TRANSLATE_NOOP("ErrorText", "The station is locked: nothing can be queued for sending.")),
    (OutboxError, QT_TRANSLATE_NOOP("ErrorText", "The report could not be queued for sending.")),
    (CacheLocked, QT_TRANSLATE_NOOP("ErrorText", "The study cache is locked by another Yomi.")),
    (CacheError, QT_TRANSLATE_NOOP("ErrorText", "The study cache could not be used.")),
    (KeysUnavailable, QT_TRANSLATE_NOOP("ErrorText", "The station is locked: your files cannot be opened now.")),
    (NotSealedForThisReader, QT_TRANSLATE_NOOP("ErrorText", "A file was not sealed for you or has been altered.")),
    (SealError, QT_TRANSLATE_NOOP("ErrorText", "A sealed file could not be read or written.")),
    (ConfigError, QT_TRANSLATE_NOOP("ErrorText", "The configuration is not valid.")),
)
_UNEXPECTED = QT_TRANSLATE_NOOP("ErrorText", "Unexpected error; the details are in the station's log.")
_STUDY = QT_TRANSLATE_NOOP("ErrorText", "{0} (study {1})")
_URL = QT_TRANSLATE_NOOP("ErrorText", "{0} ({1})")


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def sentence(error: BaseException) -> str:
    """The translated sentence for the error's class (no study, no detail)."""
    for cls, text in _SENTENCES:
        if isinstance(error, cls):
            return _tr(text)
    return _tr(_UNEXPECTED)


def error_text(error: BaseException, *, study_uid: str = "") -> str:
    """The sentence a reader is shown for `error`, naming the study (`study_uid`, or the one
    the error carries) and, for a centre error, the address it came from."""
    log.info("shown to the reader as an error: %s: %s", type(error).__name__, error)
    text = sentence(error)
    study = study_uid or getattr(error, "study_uid", "")
    if study:
        text = _tr(_STUDY).format(text, study)
    url = getattr(error, "url", "") if isinstance(error, c.CentreError) else ""
    if url:
        text = _tr(_URL).format(text, url)
    detail = error.reason if isinstance(error, c.CentreError) else str(error)
    if detail and interface_language() == "en":
        text = f"{text} — {detail}"
    return text


def refusal_text(refusal: BaseException) -> str:
    """Why no value is shown under the mouse (viewer.sampling.NoVoxelData, worded by the
    viewer: the slice it names, 1-based, as the view counts), in the reader's language."""
    if isinstance(refusal, NoVoxelData):
        return refusal.text(QCoreApplication.translate)
    return _tr(_UNEXPECTED)
