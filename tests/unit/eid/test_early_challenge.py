"""The login challenge fetched while the PIN is typed: one attempt each, fresh enough, or fetched again."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pytest

from contract.v1 import ChallengeOut as Challenge
from kiosk.backend.client import BackendUnavailable
from kiosk.login.challenge import EXPIRY_MARGIN_SECONDS, USE_WITHIN_SECONDS, EarlyChallenge

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class FakeBackend:
    """Hands out numbered challenges valid for `lifetime` seconds from the fake wall clock."""

    def __init__(self, lifetime: float = 120.0) -> None:
        self.lifetime = lifetime
        self.issued: list[str] = []
        self.fail = False
        self.gate: threading.Event | None = None
        self.started = threading.Event()

    def create_challenge(self) -> Challenge:
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(5)
        if self.fail:
            raise BackendUnavailable("unreachable")
        challenge_id = f"c{len(self.issued) + 1}"
        self.issued.append(challenge_id)
        nonce = base64.b64encode(b"n" * 32)  # as on the wire
        return Challenge(
            challenge_id=challenge_id, nonce=nonce, expires_at=NOW + timedelta(seconds=self.lifetime)
        )


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def early(backend: FakeBackend, clock: Clock | None = None) -> EarlyChallenge:
    return EarlyChallenge(backend.create_challenge, clock=clock or Clock(), now=lambda: NOW)


def wait_prefetched(backend: FakeBackend, count: int = 1) -> None:
    for _ in range(500):
        if len(backend.issued) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the challenge was not fetched ahead")


def test_a_challenge_fetched_ahead_is_used_once() -> None:
    backend = FakeBackend()
    challenges = early(backend)
    challenges.prefetch()
    challenges.prefetch()  # one on its way already: no second request
    wait_prefetched(backend)
    assert challenges.take().challenge_id == "c1"
    assert challenges.take().challenge_id == "c2"  # the next attempt never gets the same one
    assert backend.issued == ["c1", "c2"]


def test_without_prefetch_take_fetches() -> None:
    backend = FakeBackend()
    assert early(backend).take().challenge_id == "c1"


def test_take_waits_for_the_one_on_its_way() -> None:
    backend = FakeBackend()
    backend.gate = threading.Event()
    challenges = early(backend)
    challenges.prefetch()
    assert backend.started.wait(5)
    taken: list[str] = []
    taker = threading.Thread(target=lambda: taken.append(challenges.take().challenge_id))
    taker.start()
    backend.gate.set()
    taker.join(5)
    assert taken == ["c1"] and backend.issued == ["c1"]


def test_close_to_its_expiry_it_is_fetched_again() -> None:
    backend = FakeBackend(lifetime=EXPIRY_MARGIN_SECONDS - 1)  # kiosk and backend clocks agree
    challenges = early(backend)
    challenges.prefetch()
    wait_prefetched(backend)
    assert challenges.take().challenge_id == "c2"


def test_too_old_on_the_kiosk_clock_it_is_fetched_again() -> None:
    # The backend says it is good for an hour (its clock ahead of the kiosk's): the kiosk's own clock
    # still limits how long a challenge fetched ahead is used.
    backend = FakeBackend(lifetime=3600)
    clock = Clock()
    challenges = early(backend, clock)
    challenges.prefetch()
    wait_prefetched(backend)
    clock.t += USE_WITHIN_SECONDS - 1
    assert challenges.take().challenge_id == "c1"
    challenges.prefetch()
    wait_prefetched(backend, 2)
    clock.t += USE_WITHIN_SECONDS + 1
    assert challenges.take().challenge_id == "c3"


def test_a_failed_prefetch_is_fetched_again_and_its_error_raised() -> None:
    backend = FakeBackend()
    backend.fail = True
    challenges = early(backend)
    challenges.prefetch()
    assert backend.started.wait(5)
    with pytest.raises(BackendUnavailable):
        challenges.take()  # the prefetch failed, and so does the new request
    backend.fail = False
    challenges.prefetch()
    wait_prefetched(backend)
    assert challenges.take().challenge_id == "c1"


def test_discard_drops_the_one_held() -> None:
    backend = FakeBackend()
    challenges = early(backend)
    challenges.prefetch()
    wait_prefetched(backend)
    challenges.discard()
    assert challenges.take().challenge_id == "c2"
