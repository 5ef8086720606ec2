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
]


class ReportError(Exception):
    """Base of all report-core errors."""


class TemplateError(ReportError):
    """A template file is missing, unreadable or does not follow the template schema."""


class FieldValueError(ReportError):
    """A value does not fit the template field (unknown field, bad choice code, bad number)."""


class RuleInputError(ReportError):
    """A measurement or nodule description the category rules cannot classify as given."""


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
