"""Every error the report core raises, in one place.

Messages are one line, name the template, field, scheme or UID at fault and never carry
personal data (patient name, birth date or ID): the shell shows them and logs may keep them.
"""
from __future__ import annotations

__all__ = [
    "ReportError",
    "TemplateError",
    "FieldValueError",
    "RuleInputError",
    "ReportSignedError",
    "NotReadyToSign",
    "DraftStoreError",
    "SigningError",
    "PdfError",
    "SrError",
    "CertificateError",
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateRevoked",
    "CertificateKeyUsage",
    "RevocationCheckFailed",
    "SigningKeyError",
    "TimestampError",
    "DicomSignatureError",
    "DicomSignatureInvalid",
]


class ReportError(Exception):
    """Base of all report-core errors."""


class TemplateError(ReportError):
    """A template file is missing, unreadable or does not follow the template schema."""


class FieldValueError(ReportError):
    """A value does not fit the template field (unknown field, bad choice code, bad number)."""


class RuleInputError(ReportError):
    """A measurement or nodule description the category rules cannot classify as given;
    `message` (app.report.messages.Message) words it in the report's language."""

    def __init__(self, reason: str, *, message: object = None) -> None:
        super().__init__(reason)
        self.message = message


class ReportSignedError(ReportError):
    """A signed report was asked to change; make an addendum instead."""


class NotReadyToSign(ReportError):
    """Required fields are empty, an override has no reason, or the signer is incomplete."""


class DraftStoreError(ReportError):
    """A draft could not be written or read back."""


class SigningError(ReportError):
    """The certificate could not be loaded or the PDF could not be signed."""


class PdfError(ReportError):
    """The report could not be rendered to PDF."""


class SrError(ReportError):
    """The DICOM SR or the encapsulated PDF could not be built."""


class CertificateError(SigningError):
    """The reader's certificate may not sign now; nothing was signed or written."""


class CertificateExpired(CertificateError):
    """The signing time is after the certificate's notAfter."""


class CertificateNotYetValid(CertificateError):
    """The signing time is before the certificate's notBefore."""


class CertificateRevoked(CertificateError):
    """The site's CRL lists the certificate's serial number."""


class CertificateKeyUsage(CertificateError):
    """The certificate's key usage allows neither digitalSignature nor nonRepudiation."""


class RevocationCheckFailed(CertificateError):
    """The site's CRL could not be used: unreadable, not signed by the issuer, or out of date."""


class NoSigningKey(SigningError):
    """No signing key is bound to the reader's account: a report turns VERIFIED only with a
    DICOM signature by the reader's own certificate (security.md row 17), so nothing is signed."""


class SigningKeyError(SigningError):
    """The key store (PKCS#12 file or PKCS#11 token) could not be opened or refused to sign."""


class TimestampError(SigningError):
    """The timestamp authority did not answer with a valid RFC 3161 token."""


class DicomSignatureError(SigningError):
    """A DICOM Digital Signature (PS3.15 Annex C) could not be made or read."""


class DicomSignatureInvalid(DicomSignatureError):
    """A DICOM Digital Signature does not verify: the signed content or the signature changed."""
