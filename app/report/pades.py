"""PAdES signature of the report PDF with the reader's key (PKCS#12 or PKCS#11), via pyHanko.

The level depends on what the site configures (security.md rows 11 and 16 ask for an
accredited TSA and long-term validation data: configurable, not built in):
- B-B: the signature alone;
- B-T: plus an RFC 3161 timestamp on the signature from the site's TSA (`tsa_url`);
- B-LT: plus the validation data (certificates and CRLs) in the PDF's DSS, when the chain's
  trust anchor and the CRLs are at hand (`LtvData`). Nothing is fetched: an offline station
  embeds the site's CRL files.
"""
from __future__ import annotations

import enum
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .errors import SigningError, TimestampError

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer as PdfSigner

__all__ = ["FIELD_NAME", "LtvData", "PadesLevel", "load_p12", "sign_pdf", "pades_level"]

log = logging.getLogger(__name__)
FIELD_NAME = "YomiReaderSignature"
TSA_TIMEOUT_S = 10


class PadesLevel(enum.Enum):
    B_B = "PAdES B-B"
    B_T = "PAdES B-T"
    B_LT = "PAdES B-LT"
    B_B_WITH_DSS = "PAdES B-B with validation data"  # LTV data but no timestamp: not B-LT


@dataclass(frozen=True)
class LtvData:
    """What B-LT embeds: the trust anchors, other CA certificates and the CRLs (offline)."""

    trust_roots: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...]
    other_certs: tuple[x509.Certificate, ...] = field(default=())

    @classmethod
    def from_chain(cls, chain: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList],
                   extra_roots: Sequence[x509.Certificate] = ()) -> "LtvData | None":
        """Trust anchors are the self-signed certificates of the key's chain plus the site's
        own; None when there is no anchor or no CRL (then no B-LT)."""
        roots = tuple(c for c in chain if c.subject == c.issuer) + tuple(extra_roots)
        if not roots or not crls:
            return None
        return cls(roots, tuple(crls), tuple(c for c in chain if c.subject != c.issuer))


def pades_level(tsa_url: str | None, ltv: LtvData | None) -> PadesLevel:
    if ltv is not None:
        return PadesLevel.B_LT if tsa_url else PadesLevel.B_B_WITH_DSS
    return PadesLevel.B_T if tsa_url else PadesLevel.B_B


def load_p12(p12: Path, password: bytes | None) -> "PdfSigner":
    """The pyHanko signer of a PKCS#12 file; SigningError with a one-line reason if unusable."""
    from .signing_key import Pkcs12Key

    return Pkcs12Key.load(p12, password).pdf_signer()


def _asn1(obj: Any) -> Any:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    der = obj.public_bytes(serialization.Encoding.DER)
    if isinstance(obj, x509.CertificateRevocationList):
        return asn1_crl.CertificateList.load(der)
    return asn1_x509.Certificate.load(der)


def _validation_context(ltv: LtvData) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # soft-fail: a TSA from another CA whose CRL the site did not give still validates; the
    # reader's own certificate was already checked against the site's CRL (check_certificate).
    return ValidationContext(trust_roots=[_asn1(c) for c in ltv.trust_roots],
                             other_certs=[_asn1(c) for c in ltv.other_certs],
                             crls=[_asn1(c) for c in ltv.crls], allow_fetching=False, revocation_mode="soft-fail")


def sign_pdf(pdf: bytes, signer: "PdfSigner", *, reason: str, location: str = "", tsa_url: str | None = None,
             ltv: LtvData | None = None) -> bytes:
    """The PDF with an incremental PAdES signature (SHA-256) by `signer`, timestamped by the TSA
    at `tsa_url` when given, with validation data embedded when `ltv` is given."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    level = pades_level(tsa_url, ltv)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location or None,
            embed_validation_info=ltv is not None,
            validation_context=_validation_context(ltv) if ltv is not None else None,
        )
        # pyHanko's requests-based client: every HTTP request of the station goes through
        # requests (its TLS and proxy settings, and the tests' GUI-thread guard).
        stamper = RequestsHTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_S) if tsa_url else None
        out = signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper)
        signed = out.getvalue()
    except TimestampRequestError as exc:
        raise TimestampError(f"PDF not signed: the timestamp authority {tsa_url} is unreachable or gave "
                             "no valid token") from exc
    except Exception as exc:  # pyHanko, asn1crypto and the PKCS#11 layer raise many types
        # Class name only: pyHanko messages can quote certificate subjects (the reader's name).
        raise SigningError(f"PDF not signed: {exc.__class__.__name__}") from exc
    log.info("PDF signed (%s)", level.value)
    return signed
