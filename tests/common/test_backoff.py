"""common.backoff: capped exponential growth, jitter only ever shortens."""
from __future__ import annotations

import random

from common.backoff import Backoff


def test_grows_then_caps() -> None:
    assert [Backoff(1, 2, 8, 0).delay(n) for n in (0, 1, 2, 3, 4, 5, 30)] == [1, 1, 2, 4, 8, 8, 8]


def test_jitter_stays_within_bounds() -> None:
    b, rng = Backoff(base_s=1, factor=2, cap_s=8, jitter=0.25), random.Random(7)
    delays = [b.delay(40, rng) for _ in range(200)]
    assert all(6.0 <= d <= 8.0 for d in delays) and len(set(delays)) > 100


def test_outbox_uses_the_same_class() -> None:
    from worklist.outbox import Backoff as OutboxBackoff

    assert OutboxBackoff is Backoff
