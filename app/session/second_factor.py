"""The second factor: TOTP (RFC 6238, `pyotp`) and single-use recovery codes (security.md row 3).

TOTP: 30-second steps, 6 digits, SHA-1 (what every authenticator app speaks). A code is
accepted for the current step and one either side (`valid_window=1`: clock drift), and only
for a step later than the last accepted one, so a code seen over a shoulder cannot be
replayed, not even within its own 30 seconds. A code of an older step (up to 10 minutes)
is refused as *expired* rather than *wrong*, so the reader knows to look at the app again.

Recovery codes: 10 per enrolment, 12 base32 characters (60 bits) shown in groups of four;
the site store keeps only a salted SHA-256 of each, the reader's credential the ones used.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp

from app.session.errors import SecondFactorFailed, SecondFactorFailure

__all__ = ["STEP_S", "SecondFactorRequest", "TotpMatch", "new_totp_secret", "otpauth_uri", "secret_sha256",
           "match_totp", "time_step", "new_recovery_codes", "recovery_hash", "looks_like_recovery_code",
           "normalise_recovery_code", "ISSUER"]

STEP_S = 30
ISSUER = "Yomi"
RECOVERY_CODES = 10
_EXPIRED_STEPS = 20  # an older code than this is just "wrong"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


@dataclass(frozen=True)
class SecondFactorRequest:
    """What the login flow must ask for: a code, or (first login) an enrolment then a code."""

    user_id: str
    enrolment_uri: str | None = None  # otpauth:// URI to show once as a QR code

    @property
    def enrolling(self) -> bool:
        return self.enrolment_uri is not None


@dataclass(frozen=True)
class TotpMatch:
    step: int


def new_totp_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, the RFC 4226 recommendation


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def otpauth_uri(secret: str, user_id: str, site_label: str = "") -> str:
    issuer = f"{ISSUER} {site_label}".strip()
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=user_id, issuer_name=issuer)


def time_step(now: float) -> int:
    return int(now // STEP_S)


def match_totp(secret: str, code: str, now: float, last_step: int) -> TotpMatch:
    """The accepted step; raises SecondFactorFailed(WRONG / EXPIRED / REPLAYED)."""
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret, interval=STEP_S)
    current = time_step(now)
    if not (code.isdigit() and len(code) == totp.digits):
        raise SecondFactorFailed(SecondFactorFailure.WRONG)
    # the same window pyotp's verify(valid_window=1) uses, but we need which step matched
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if step <= last_step:
                raise SecondFactorFailed(SecondFactorFailure.REPLAYED)
            return TotpMatch(step)
    for step in range(current - _EXPIRED_STEPS, current - 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            raise SecondFactorFailed(SecondFactorFailure.EXPIRED)
    raise SecondFactorFailed(SecondFactorFailure.WRONG)


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def looks_like_recovery_code(code: str) -> bool:
    """Recovery codes contain letters; TOTP codes are digits only."""
    n = normalise_recovery_code(code)
    return len(n) == 12 and any(ch.isalpha() for ch in n)


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    out = []
    while len(out) < n:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        if any(ch.isalpha() for ch in raw):  # so it is never mistaken for a TOTP code
            out.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return out


def recovery_hash(user_id: str, code: str) -> str:
    """Salted by the user ID, so one reader's code hash says nothing about another's."""
    return hashlib.sha256(f"yomi recovery v1|{user_id}|{normalise_recovery_code(code)}".encode()).hexdigest()
