"""The kiosk's polls of a hand-off, watched on the wire between it and a real training backend: the
interval grows when the backend says `slow_down` (as the backend answers, else by 5 seconds, RFC 8628
section 3.5), and a hand-off that can no longer give this kiosk a session (its session handed out in a
reply the kiosk never got, that session ended since, another kiosk's hand-off) ends in a plain message
that says what to do, with nothing of the citizen who identified shown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from textual.widgets import Button

from contract.handoffs import HandoffOut
from kiosk.login.handoff import SLOW_DOWN_SECONDS, HandoffScreen
from kiosk.speech import read_screen
from municipal import idp_sim
from tests.e2e.handoff.test_handoff_kiosk import SIZE, phone_screen
from tests.e2e.handoff.wire import Wire, is_poll
from tests.e2e.procedures.helpers import kiosk_app
from tests.harness import Driver, drive
from tests.integration.handoff.conftest import Phone, Stack, running

INTERVAL = 1
SLOW_DOWN = 1
#: The wire's times are the kiosk's sending; the kiosk waits its interval after each answer.
SLACK = 0.6
#: Identities of their own: no SMS of another module's test passes for theirs.
NURIA, ANDREU, LAIA = idp_sim.identities()[5:8]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path) -> Iterator[Stack]:
    config = f"[handoff]\nseconds = 600\ninterval_seconds = {INTERVAL}\nslow_down_seconds = {SLOW_DOWN}\n"
    with running(tmp_path_factory.mktemp("kiosk-polls"), backend_trust_anchors, None, config) as found:
        yield found


@pytest.fixture
def wire(stack: Stack) -> Iterator[Wire]:
    with Wire(stack.server) as found:
        yield found


@asynccontextmanager
async def phone_kiosk(tmp_path: Path, wire: Wire) -> AsyncIterator[tuple[Driver, HandoffScreen, HandoffOut]]:
    """A kiosk whose backend is behind `wire`, on the hand-off screen with its QR shown: the driver, the
    screen and its hand-off."""
    async with drive(kiosk_app(tmp_path, wire), size=SIZE) as driver:
        screen, handoff = await phone_screen(driver)
        yield driver, screen, handoff


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 2) for a, b in zip(times, times[1:], strict=False)]


async def slowed_down(driver: Driver, stack: Stack, wire: Wire, handoff_id: str, polls: int) -> list[float]:
    """Just after one of the kiosk's polls, another poll of its hand-off (as a second process of the same
    kiosk would): the backend lengthens the interval, and the kiosk's next poll, too soon for it, is told
    `slow_down`. The times of the kiosk's polls from the one before that, `polls` of them."""
    await driver.wait_for(lambda: len(wire.polls) >= 2, timeout=10, what="two polls")
    seen = len(wire.polls)
    await driver.wait_for(lambda: len(wire.polls) > seen, timeout=10, what="a poll")
    first = len(wire.polls) - 1
    answer = stack.poll({"handoff_id": handoff_id})
    assert answer.status_code == 400 and answer.json()["error"] == "slow_down", answer.text
    assert answer.json()["interval"] == INTERVAL + SLOW_DOWN
    await driver.wait_for(lambda: len(wire.polls) >= first + polls, timeout=30, what=f"{polls} polls")
    return wire.polls[first : first + polls]


async def test_slow_down_lengthens_the_interval_as_the_backend_answers(
    tmp_path: Path, stack: Stack, wire: Wire
) -> None:
    async with phone_kiosk(tmp_path, wire) as (driver, screen, handoff):
        assert handoff.interval == INTERVAL
        times = await slowed_down(driver, stack, wire, handoff.handoff_id, 4)
        assert screen.state == "waiting"
    # The poll after the other one: too soon, `slow_down` with interval 1 + 1 + 1 = 3; the kiosk waits
    # that, and keeps it for the polls after.
    answered = INTERVAL + 2 * SLOW_DOWN
    first, slowed, kept = gaps(times)
    assert INTERVAL <= first < INTERVAL + SLACK, times
    assert answered <= slowed < answered + SLACK, times
    assert answered <= kept < answered + SLACK, times


async def test_slow_down_without_an_interval_adds_five_seconds(
    tmp_path: Path, stack: Stack, wire: Wire
) -> None:
    """A backend that says no interval in its poll answers (RFC 8628 has none there): +5 s each time."""

    def no_interval(request: bytes, chunk: bytes) -> bytes:
        # The same length: Content-Length still holds, and the contract's `interval` is gone.
        return chunk.replace(b'"interval":', b'"intervaX":') if is_poll(request) else chunk

    wire.rewrite = no_interval
    async with phone_kiosk(tmp_path, wire) as (driver, screen, handoff):
        times = await slowed_down(driver, stack, wire, handoff.handoff_id, 3)
        assert screen.state == "waiting"
    first, slowed = gaps(times)
    assert INTERVAL <= first < INTERVAL + SLACK, times
    assert INTERVAL + SLOW_DOWN_SECONDS <= slowed < INTERVAL + SLOW_DOWN_SECONDS + SLACK, times


async def ended_plainly(driver: Driver, screen: HandoffScreen, *hidden: str) -> str:
    """The hand-off screen once it says the hand-off is over: a message that says what to do, Start
    again focused, no QR code, none of `hidden` on the screen or in what it says, nobody signed in."""
    words = await driver.wait_for(lambda: screen.state == "ended", timeout=20, words=True, what="the end")
    status = driver.text_of("#handoff-status")
    assert "començar" in status or "start again" in status, status
    assert driver.app.screen is screen
    assert driver.app.screen.focused is screen.query_one("#handoff-retry", Button)
    assert driver.text_of("#handoff-qr") == "" and driver.text_of("#handoff-code") == ""
    said = read_screen(screen, read_personal=True)
    for text_ in hidden:
        assert text_ not in words and text_ not in said, text_
    session = driver.app.session
    assert session is None or (not session.token and session.identity is None)
    return status


async def identify(stack: Stack, url: str, who: idp_sim.Identity) -> None:
    phone = Phone(stack)
    seen = sum(1 for m in stack.sms.messages() if m["to"] == who.phone)
    assert phone.open(url).status_code == 200
    assert phone.choose(who.id_number).status_code == 200
    assert phone.enter(stack.sms_code(who.phone, seen)).status_code == 200
    assert "Ja us heu identificat" in phone.page


def handoff_sessions(stack: Stack, id_number: str) -> list[tuple[str, object]]:
    engine = create_engine(stack.server.database_url)
    try:
        with engine.connect() as connection:
            query = text("select token_hash, ended_at from citizen_sessions where id_number = :n")
            rows = connection.execute(query, {"n": id_number}).all()
    finally:
        engine.dispose()
    return [(row[0], row[1]) for row in rows]


async def test_the_session_lost_on_the_way_then_the_handoff_used(
    tmp_path: Path, stack: Stack, wire: Wire
) -> None:
    """The poll that handed out the session lost its answer: the next poll is `handoff_used`."""
    async with phone_kiosk(tmp_path, wire) as (driver, screen, handoff):
        wire.lose_session()
        await identify(stack, handoff.verification_uri_complete, NURIA)
        await driver.wait_for(wire.lost.is_set, timeout=10, what="the lost answer")
        await ended_plainly(driver, screen, NURIA.given_name, NURIA.id_number)
        # Start again: a new hand-off, and this time the session comes.
        await driver.press("enter")
        await driver.wait_for(lambda: screen.state == "waiting" and screen.handoff not in (None, handoff))
        assert screen.handoff is not None
        await identify(stack, screen.handoff.verification_uri_complete, NURIA)
        app = driver.app
        await driver.wait_for(lambda: app.session is not None and app.session.token, timeout=20)
        assert app.session is not None and app.session.identity is not None
        assert app.session.identity.id_number == NURIA.id_number


async def test_the_session_lost_on_the_way_and_ended_since(tmp_path: Path, stack: Stack, wire: Wire) -> None:
    """The answer with the session lost, and that session ended at the backend before the kiosk polls
    again: `handoff_session_ended`."""

    def end_sessions() -> None:
        engine = create_engine(stack.server.database_url)
        with engine.begin() as connection:
            connection.execute(
                text("update citizen_sessions set ended_at = created_at where id_number = :n"),
                {"n": ANDREU.id_number},
            )
        engine.dispose()

    async with phone_kiosk(tmp_path, wire) as (driver, screen, handoff):
        wire.lose_session(then=end_sessions)
        await identify(stack, handoff.verification_uri_complete, ANDREU)
        await ended_plainly(driver, screen, ANDREU.given_name, ANDREU.id_number)
    assert wire.lost.is_set()
    sessions = handoff_sessions(stack, ANDREU.id_number)
    assert sessions and all(ended for _, ended in sessions)


async def test_another_kiosks_handoff_shows_nothing_of_its_citizen(
    tmp_path: Path, stack: Stack, wire: Wire
) -> None:
    """The kiosk handed another kiosk's hand-off id in its own's place (a cache or proxy that mixed two
    answers up), whose citizen has identified: the backend refuses the poll (`handoff_other_kiosk`), the
    kiosk says so plainly and shows nothing of that citizen; the other kiosk still gets its session."""
    other_id, other_key = stack.server.add_kiosk("kiosk-polls-other")
    other = {"X-Kiosk-Id": other_id, "X-Kiosk-Key": other_key}
    theirs = stack.start(headers=other)
    await identify(stack, theirs["verification_uri_complete"], LAIA)

    def mixed_up(request: bytes, chunk: bytes) -> bytes:
        if request.startswith(b"POST /v1/auth/handoffs ") and b'"handoff_id":"' in chunk:
            found = re.search(rb'"handoff_id":"([^"]+)"', chunk)
            assert found and len(found.group(1)) == len(theirs["handoff_id"])
            return chunk.replace(found.group(1), theirs["handoff_id"].encode())
        return chunk

    wire.rewrite = mixed_up
    async with phone_kiosk(tmp_path, wire) as (driver, screen, handoff):
        assert handoff.handoff_id == theirs["handoff_id"]
        await ended_plainly(driver, screen, LAIA.given_name, LAIA.surnames, LAIA.id_number)
        assert wire.polls
    # This kiosk's cancel did not touch it either: the other kiosk gets its citizen's session.
    answer = stack.poll(theirs, other)
    assert answer.status_code == 200, answer.text
    assert answer.json()["citizen"]["id_number"] == LAIA.id_number
    requests.delete(
        f"{stack.server.url}/v1/auth/sessions/current",
        headers={**other, "Authorization": f"Bearer {answer.json()['token']}"},
        timeout=10,
    )
