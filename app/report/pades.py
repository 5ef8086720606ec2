"""PAdES signature of the report PDF with the reader's X.509 certificate (PKCS#12), via pyHanko.

The signature is PAdES B-B, or B-T when a timestamp authority URL is given (security.md rows
11 and 16 ask for an accredited TSA and long-term validation data: configurable, not built in).
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from .errors import SigningError

__all__ = ["load_p12", "sign_pdf"]

log = logging.getLogger(__name__)
FIELD_NAME = "YomiReaderSignature"


def load_p12(p12: Path, password: bytes | None) -> "object":
    """The pyHanko signer of a PKCS#12 file; SigningError with a one-line reason if unusable."""
    from pyhanko.sign import signers

    from cryptography.hazmat.primitives.serialization import pkcs12

    p12 = Path(p12)
    if not p12.is_file():
        raise SigningError(f"certificate file {p12.name} not found")
    try:
        # Checked here first: pyHanko logs a traceback for a wrong password before failing.
        key, cert, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), password)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningError(f"certificate file {p12.name} could not be opened (wrong password or not PKCS#12)") from exc
    if key is None or cert is None:
        raise SigningError(f"certificate file {p12.name} holds no private key and certificate")
    try:
        signer = signers.SimpleSigner.load_pkcs12(pfx_file=str(p12), passphrase=password)
    except Exception as exc:  # pyHanko / cryptography raise several types for a bad file or password
        raise SigningError(f"certificate file {p12.name} could not be opened (wrong password or not PKCS#12)") from exc
    if signer is None:
        raise SigningError(f"certificate file {p12.name} could not be opened (wrong password or not PKCS#12)")
    return signer


def sign_pdf(pdf: bytes, signer: "object", *, reason: str, location: str = "", tsa_url: str | None = None) -> bytes:
    """The PDF with an incremental PAdES signature (SHA-256) by `signer`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location or None,
        )
        stamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
        out = signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper)
        signed = out.getvalue()
    except Exception as exc:
        raise SigningError(f"PDF not signed: {exc.__class__.__name__}") from exc
    log.info("PDF signed (PAdES%s)", ", timestamped" if tsa_url else "")
    return signed
