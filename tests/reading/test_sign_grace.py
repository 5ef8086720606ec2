"""The re-authentication grace for signing (app/reading/sign_grace.py), with a real session."""
from __future__ import annotations

import pytest

from app.reading.sign_grace import SigningGrace
from tests.fixtures.reading_station import PASSWORD, logged_in_reader


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(tmp_path):
    return logged_in_reader(tmp_path, signing_key=False)[0]


def test_nothing_is_held_before_the_first_typed_signature(session) -> None:
    assert SigningGrace().certificate(session) is None


def test_the_key_is_held_within_the_grace_and_dropped_after_it(session) -> None:
    clock, cert = _Clock(), object()
    grace = SigningGrace(600, clock)
    grace.remember(session, cert)
    clock.now += 599
    assert grace.certificate(session) is cert
    clock.now += 1  # counted from the typing, not renewed by the signature just made
    assert grace.certificate(session) is None
    clock.now -= 300
    assert grace.certificate(session) is None  # once ended, it stays ended


def test_a_lock_ends_the_grace(session) -> None:
    grace = SigningGrace(600, _Clock())
    grace.remember(session, object())
    session.lock()
    assert grace.certificate(session) is None
    session.unlock(PASSWORD)
    assert grace.certificate(session) is None  # after the unlock the next signature asks again


def test_no_grace_asks_every_time(session) -> None:
    grace = SigningGrace(0, _Clock())
    grace.remember(session, object())
    assert grace.certificate(session) is None
