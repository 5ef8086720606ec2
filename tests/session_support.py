"""What the session tests (tests/infra, tests/session_gui) share: a reader's password, cheap
scrypt parameters for speed (the default cost is tested once in tests/infra), a clock."""
from __future__ import annotations

from app.session import ScryptParams

PW = "Kumo-no-ue 2024"          # dr.sato's own password
FAST = ScryptParams(n=2 ** 10)  # tests only


class Clock:
    """The injected clock (monotonic seconds) a session and its lock guard both read."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t
