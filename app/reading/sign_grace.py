"""The re-authentication grace for signing: one password for a run of signatures.

Signing asks the reader's password (and the key's password or the card's PIN) again
(security.md row 5). Reading a screening worklist, a reader signs a normal case every minute
or two; typing two passwords each time makes a normal case cost 40 keystrokes instead of 10.
The rule, in one place:

- By default (grace 0) every signature asks, as security.md row 5 says ("re-auth ... before
  signing"). A site may set `sign_grace_s` ([station] in the site file, lockable): then
  after a signature for which the reader typed the passwords, further signatures within it
  (counted from that typing, not renewed by the signatures made without it) ask neither
  again, as a card's PIN holds for its session.
- Any change of the session (lock, idle lock, logout, another reader) ends the grace at once:
  after an unlock the next signature asks again. A grace of 0 asks for every signature.
- Within the grace the key stays chosen (with its password) in this object, in memory only;
  every signature is still audited as the account's (app/reading/signer.py).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["DEFAULT_GRACE_S", "SigningGrace"]

DEFAULT_GRACE_S = 0.0


class SigningGrace:
    def __init__(self, grace_s: float = DEFAULT_GRACE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace_s = grace_s
        self._clock = clock
        self._held: tuple[Any, Any, float] | None = None  # (user id, CertificateChoice, typed at)
        self._unsubscribe: Callable[[], None] | None = None

    def certificate(self, session: Any) -> Any:
        """The key chosen at the last typed re-authentication while its grace runs for this
        session's reader, else None (then the passwords are asked)."""
        if self._held is None or session is None or session.user is None or session.is_locked():
            return None
        user, cert, at = self._held
        if user != session.user.user_id or self._clock() - at >= self.grace_s:
            self.forget()
            return None
        return cert

    def remember(self, session: Any, cert: Any) -> None:
        """The reader typed the passwords and the signature went through: the grace starts."""
        if self.grace_s > 0 and session is not None and session.user is not None:
            self.forget()
            self._held = (session.user.user_id, cert, self._clock())
            if hasattr(session, "subscribe"):  # any lock, unlock or logout ends it
                self._unsubscribe = session.subscribe(lambda _state: self.forget())

    def forget(self) -> None:
        self._held = None
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()
