"""How long to wait before trying again after a transient failure.

The outbox waits between deliveries of a signed report with this; HTTP requests repeated
inside one call (idempotent GETs) use urllib3's Retry in worklist.dicomweb instead, which
also honours a server's Retry-After.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: delay(n) = min(cap, base * factor**(n-1)) * U(1-j, 1).

    The jitter only shortens a delay (never beyond the cap) so that many stations retrying
    after the same outage do not all come back at the same instant.
    """

    base_s: float = 2.0
    factor: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.2

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1 = the first failure)."""
        raw = min(self.cap_s, self.base_s * self.factor ** max(0, attempts - 1))
        r = (rng or random).random()
        return raw * (1.0 - self.jitter * r)
