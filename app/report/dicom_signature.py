"""DICOM Digital Signatures (PS3.15 Annex C, PS3.3 C.12.1.1.3) on a pydicom Dataset.

`add_signature` puts an item into the Digital Signatures Sequence (FFFA,FFFA) and its MAC
Parameters item into (4FFE,0001); `verify_signatures` checks them again. The byte stream fed
to the hash is the one PS3.15 C.1 defines and dcmtk's dcmsign computes (dcsignat.cc,
simaccon.cc, DcmItem/DcmSequenceOfItems::writeSignatureFormat):

- the signed elements of the dataset in tag order, each encoded in Explicit VR Little Endian
  exactly as it is stored (tag, VR, length, value);
- a sequence as its tag, "SQ" and the two reserved bytes but no length; each item as the item
  tag (FFFE,E000) without length followed by its signable elements, no item delimiter; after
  the last item the sequence delimiter tag (FFFE,E0DD) without length;
- not signable anywhere: group lengths (gggg,0000), groups below 0008, Length to End, group
  FFFA, the MAC Parameters Sequence, Data Set Trailing Padding and the delimiter elements;
- then, from the signature item, every element except Certificate of Signer, Signature,
  Certified Timestamp Type and Certified Timestamp, in tag order (so MAC ID Number, Digital
  Signature UID, Digital Signature DateTime, Certificate Type and the Purpose Code Sequence).

The hash is signed with RSA PKCS#1 v1.5 (Base RSA Digital Signature Profile, PS3.15 C.2). Only
SHA-256 and stronger are made or accepted. For a VERIFIED SR the purpose is a Verification
Signature (PS3.16 CID 7007, written "(5, ASTM-sigpurpose, "Verification Signature")" in
PS3.15 C.4 and by dcmsign) and the signed attributes include
what the SR RSA Digital Signature Profile (PS3.15 C.4) asks for; here every signable attribute
present at signing is signed, so no part of the report can change unseen.
"""
from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydicom.charset import convert_encodings
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import correct_ambiguous_vr, write_data_element
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import BaseTag, Tag
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from .errors import DicomSignatureError, DicomSignatureInvalid, TimestampError
from .signing_key import Digest, SigningKey

__all__ = ["Purpose", "SignatureInfo", "add_signature", "verify_signatures", "mac_stream", "tsa_timestamper",
           "VERIFICATION_PROFILE_TAGS"]

log = logging.getLogger(__name__)

DIGITAL_SIGNATURES_SEQUENCE = Tag(0xFFFA, 0xFFFA)
MAC_PARAMETERS_SEQUENCE = Tag(0x4FFE, 0x0001)
_ITEM = b"\xfe\xff\x00\xe0"
_SEQUENCE_DELIMITER = b"\xfe\xff\xdd\xe0"
_NOT_IN_ITEM_HASH = {Tag(0x0400, 0x0115), Tag(0x0400, 0x0120), Tag(0x0400, 0x0305), Tag(0x0400, 0x0310)}
CERTIFICATE_TYPE = "X509_1993_SIG"
TIMESTAMP_TYPE = "CMS_TSP"  # PS3.3 C.12.1.1.3: an RFC 3161 TimeStampToken over the Signature value
SCHEME = "ASTM-sigpurpose"

# PS3.15 C.4 (SR RSA Digital Signature Profile, verification signature): what must be signed.
VERIFICATION_PROFILE_TAGS = tuple(Tag(kw) for kw in (
    "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "VerificationFlag",
    "VerifyingObserverSequence", "ValueType", "ConceptNameCodeSequence", "ContentSequence"))


class Purpose(enum.Enum):
    """PS3.16 CID 7007 Signature Purpose (coding scheme ASTM-sigpurpose)."""

    AUTHOR = ("1", "Author's Signature")
    VERIFICATION = ("5", "Verification Signature")
    ADDENDUM = ("15", "Addendum Signature")

    @property
    def code_value(self) -> str:
        return self.value[0]

    @property
    def meaning(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class SignatureInfo:
    """A signature that verified: which one, when, by which certificate, over which tags."""

    uid: str
    datetime: str
    certificate: x509.Certificate
    digest: Digest
    purpose_code: str | None
    signed_tags: tuple[BaseTag, ...]
    timestamped_at: datetime | None = None  # genTime of the certified timestamp, if any


def _signable(tag: BaseTag) -> bool:
    group, element = tag.group, tag.element
    return not (element == 0 or group < 0x0008 or (group, element) == (0x0008, 0x0001) or group == 0xFFFA
                or tag == MAC_PARAMETERS_SEQUENCE or (group, element) == (0xFFFC, 0xFFFC)
                or (group == 0xFFFE and element in (0xE00D, 0xE0DD)))


def _encode(out: DicomBytesIO, ds: Dataset, tags: Iterable[BaseTag] | None, encodings: list[str]) -> None:
    for tag in sorted(ds.keys()):
        if (tags is not None and tag not in tags) or not _signable(tag):
            continue
        # The element as stored (raw bytes when read from a file), not decoded and re-formatted.
        elem = ds.get_item(tag)
        if elem.VR is None:
            elem = ds[tag]
        if elem.VR == "SQ":
            out.write_tag(tag)
            out.write(b"SQ\x00\x00")  # no length: lengths of sequences and items are not hashed
            for item in ds[tag].value:
                out.write(_ITEM)
                _encode(out, item, None, _item_encodings(item, encodings))
            out.write(_SEQUENCE_DELIMITER)
        else:
            write_data_element(out, elem, encodings)


def _item_encodings(item: Dataset, inherited: list[str]) -> list[str]:
    if "SpecificCharacterSet" in item:
        return convert_encodings(item.SpecificCharacterSet)
    return inherited


def _dataset_encodings(ds: Dataset) -> list[str]:
    return convert_encodings(ds.get("SpecificCharacterSet", "ISO_IR 6"))


def mac_stream(ds: Dataset, tags: Sequence[BaseTag], signature_item: Dataset) -> bytes:
    """The bytes PS3.15 C.1 hashes for the signature in `signature_item` over `tags` of `ds`."""
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = True, False
    encodings = _dataset_encodings(ds)
    _encode(out, ds, set(tags), encodings)
    head = Dataset()
    for elem in signature_item:
        if elem.tag not in _NOT_IN_ITEM_HASH:
            head[elem.tag] = elem
    _encode(out, head, None, encodings)
    return out.getvalue()


def _unpadded_der(data: bytes) -> bytes:
    """A DER value without the zero byte DICOM appends to make an odd length even."""
    if len(data) < 2 or data[1] < 0x80:
        return data[:2 + (data[1] if len(data) > 1 else 0)]
    n = data[1] & 0x7F
    return data[:2 + n + int.from_bytes(data[2:2 + n], "big")]


def _dicom_dt(when: datetime) -> str:
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y%m%d%H%M%S") + f".{when.microsecond:06d}+0000"


def _new_mac_id(ds: Dataset) -> int:
    used = {int(item.MACIDNumber) for seq in (DIGITAL_SIGNATURES_SEQUENCE, MAC_PARAMETERS_SEQUENCE)
            if seq in ds for item in ds[seq].value if "MACIDNumber" in item}
    free = next((i for i in range(65536) if i not in used), None)
    if free is None:
        raise DicomSignatureError("no free MAC ID Number left in the dataset")
    return free


def add_signature(ds: Dataset, key: SigningKey, *, signed_at: datetime, purpose: Purpose = Purpose.VERIFICATION,
                  digest: Digest = Digest.SHA256, tags: Sequence[BaseTag] | None = None,
                  timestamp: Callable[[bytes], bytes] | None = None) -> str:
    """Sign `ds` in place with `key`; the new Digital Signature UID.

    `tags` default to every signable attribute present. A Verification Signature must cover
    the attributes of PS3.15 C.4; a missing one is refused rather than signed around.
    `timestamp(signature)`, when given, returns an RFC 3161 token over the signature value
    (see `tsa_timestamper`); it goes into Certified Timestamp (0400,0310) as CMS_TSP.
    """
    correct_ambiguous_vr(ds, is_little_endian=True)  # what save_as will do: sign what is written
    present = [elem.tag for elem in ds if _signable(elem.tag)]
    signed = sorted(set(present if tags is None else (Tag(t) for t in tags)))
    missing = [t for t in signed if t not in ds]
    if missing:
        raise DicomSignatureError(f"attributes to sign are absent: {', '.join(str(t) for t in missing)}")
    if purpose is Purpose.VERIFICATION:
        lacking = [t for t in VERIFICATION_PROFILE_TAGS if t not in signed]
        if lacking:
            raise DicomSignatureError("a verification signature must cover "
                                      f"{', '.join(str(t) for t in lacking)} (PS3.15 C.4)")
        if ds.get("VerificationFlag") != "VERIFIED":
            raise DicomSignatureError(f"SR {ds.get('SOPInstanceUID', '?')} is not VERIFIED: no verification signature")
    if not isinstance(key.certificate.public_key(), rsa.RSAPublicKey):
        raise DicomSignatureError(f"{key.label}: the Base RSA Digital Signature Profile needs an RSA key")

    mac_id = _new_mac_id(ds)
    item = Dataset()
    item.MACIDNumber = mac_id
    item.DigitalSignatureUID = generate_uid()
    item.DigitalSignatureDateTime = _dicom_dt(signed_at)
    item.CertificateType = CERTIFICATE_TYPE
    item.CertificateOfSigner = key.certificate.public_bytes(serialization.Encoding.DER)
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = purpose.code_value, SCHEME, purpose.meaning
    item.DigitalSignaturePurposeCodeSequence = [code]

    item.Signature = key.sign(mac_stream(ds, signed, item), digest)
    if timestamp is not None:
        item.CertifiedTimestampType = TIMESTAMP_TYPE
        item.CertifiedTimestamp = timestamp(bytes(item.Signature))

    mac = Dataset()
    mac.MACIDNumber = mac_id
    mac.MACCalculationTransferSyntaxUID = ExplicitVRLittleEndian
    mac.MACAlgorithm = digest.value
    mac.DataElementsSigned = list(signed)
    for tag, new in ((MAC_PARAMETERS_SEQUENCE, mac), (DIGITAL_SIGNATURES_SEQUENCE, item)):
        if tag in ds:
            ds[tag].value.append(new)
        else:
            ds.add_new(tag, "SQ", DicomSequence([new]))
    log.info("DICOM %s on %s (MAC %s over %d attributes, signature %s)", purpose.meaning,
             ds.get("SOPInstanceUID", "?"), digest.value, len(signed), item.DigitalSignatureUID)
    return str(item.DigitalSignatureUID)


def verify_signatures(ds: Dataset) -> list[SignatureInfo]:
    """Every signature in the Digital Signatures Sequence of `ds`, checked; DicomSignatureInvalid
    for the first that fails, DicomSignatureError when there is none or one cannot be read."""
    if DIGITAL_SIGNATURES_SEQUENCE not in ds:
        raise DicomSignatureError(f"{ds.get('SOPInstanceUID', 'dataset')} carries no digital signature")
    macs = {int(m.MACIDNumber): m for m in ds.get(MAC_PARAMETERS_SEQUENCE, DicomSequence()).value
            if "MACIDNumber" in m} if MAC_PARAMETERS_SEQUENCE in ds else {}
    found = []
    for item in ds[DIGITAL_SIGNATURES_SEQUENCE].value:
        uid = str(item.get("DigitalSignatureUID", "?"))
        mac = macs.get(int(item.get("MACIDNumber", -1)))
        if mac is None:
            raise DicomSignatureError(f"signature {uid}: no MAC Parameters item with its MAC ID Number")
        if mac.get("MACCalculationTransferSyntaxUID") != ExplicitVRLittleEndian:
            raise DicomSignatureError(f"signature {uid}: MAC transfer syntax "
                                      f"{mac.get('MACCalculationTransferSyntaxUID')} not supported")
        try:
            digest = Digest(str(mac.MACAlgorithm))
        except (ValueError, AttributeError) as exc:
            raise DicomSignatureError(f"signature {uid}: MAC algorithm {mac.get('MACAlgorithm')} refused "
                                      "(SHA-256 or stronger only)") from exc
        raw = mac.get("DataElementsSigned")
        if raw is None:
            raise DicomSignatureError(f"signature {uid}: no Data Elements Signed")
        tags = tuple(Tag(t) for t in (raw if isinstance(raw, (list, MultiValue)) else [raw]))
        if item.get("CertificateType") != CERTIFICATE_TYPE:
            raise DicomSignatureError(f"signature {uid}: certificate type {item.get('CertificateType')} not supported")
        try:
            cert = x509.load_der_x509_certificate(_unpadded_der(bytes(item.CertificateOfSigner)))
            public = cert.public_key()
            if not isinstance(public, rsa.RSAPublicKey):
                raise DicomSignatureError(f"signature {uid}: certificate key is not RSA")
            public.verify(bytes(item.Signature), mac_stream(ds, tags, item), padding.PKCS1v15(), digest.algorithm)
        except InvalidSignature as exc:
            raise DicomSignatureInvalid(f"signature {uid} on {ds.get('SOPInstanceUID', '?')} does not verify: "
                                        "signed content changed") from exc
        except (ValueError, AttributeError) as exc:
            raise DicomSignatureError(f"signature {uid}: unreadable ({exc.__class__.__name__})") from exc
        purpose = item.get("DigitalSignaturePurposeCodeSequence")
        stamped = None
        if "CertifiedTimestamp" in item:
            stamped = _timestamp_time(uid, item)
        found.append(SignatureInfo(uid, str(item.get("DigitalSignatureDateTime", "")), cert, digest,
                                   str(purpose[0].CodeValue) if purpose else None, tags, stamped))
    return found


def _tst_info(token_der: bytes):
    from asn1crypto import cms, tsp

    token = cms.ContentInfo.load(_unpadded_der(token_der))
    content = token["content"]["encap_content_info"]["content"].parsed
    if not isinstance(content, tsp.TSTInfo):
        raise ValueError("not a TSTInfo")
    return content


def _imprint_matches(info, signature: bytes) -> bool:
    import hashlib

    imprint = info["message_imprint"]
    name = imprint["hash_algorithm"]["algorithm"].native
    if name not in ("sha256", "sha384", "sha512"):
        return False
    return hashlib.new(name, signature).digest() == imprint["hashed_message"].native


def _timestamp_time(uid: str, item: Dataset) -> datetime:
    """The token's time after checking that it is a CMS_TSP token for this very signature.
    (The token's own signature is checked by dcmsign with the TSA's CA; here only the binding.)"""
    if item.get("CertifiedTimestampType") != TIMESTAMP_TYPE:
        raise DicomSignatureError(f"signature {uid}: certified timestamp type "
                                  f"{item.get('CertifiedTimestampType')} not supported")
    try:
        info = _tst_info(bytes(item.CertifiedTimestamp))
    except (ValueError, KeyError, TypeError) as exc:
        raise DicomSignatureError(f"signature {uid}: certified timestamp unreadable") from exc
    if not _imprint_matches(info, bytes(item.Signature)):
        raise DicomSignatureInvalid(f"signature {uid}: the certified timestamp is not for this signature")
    return info["gen_time"].native


def tsa_timestamper(tsa_url: str, *, timeout_s: float = 10) -> Callable[[bytes], bytes]:
    """A `timestamp` callable for add_signature: asks the RFC 3161 TSA at `tsa_url` (over
    requests, like every HTTP request of the station) for a SHA-256 token over the data."""
    import asyncio
    import hashlib

    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    stamper = RequestsHTTPTimeStamper(tsa_url, timeout=timeout_s)

    def stamp(data: bytes) -> bytes:
        try:
            token = asyncio.run(stamper.async_timestamp(hashlib.sha256(data).digest(), "sha256"))
        except (TimestampRequestError, OSError) as exc:
            raise TimestampError(f"SR not signed: the timestamp authority {tsa_url} is unreachable or gave "
                                 "no valid token") from exc
        der = token.dump()
        try:
            good = _imprint_matches(_tst_info(der), data)
        except (ValueError, KeyError, TypeError):
            good = False
        if not good:
            raise TimestampError(f"SR not signed: the timestamp authority {tsa_url} stamped something else")
        return der

    return stamp
