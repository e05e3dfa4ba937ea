"""Test cards on the real PC/SC stack: pcscd + vpcd virtual readers + our virtual cards."""

from __future__ import annotations

import time

import pytest

from devstack.pcsc import PcscInfo
from eid import pcsc
from eid.atr import CardKind
from eid.pcsc import CardInserted, CardRemoved, PcscWatcher
from testcards.citizens import load_cards
from testcards.control import TestCardControl, TestCardError
from testcards.vpcd import VPCD_READERS
from tests.fixtures.pcsc import EventLog

READER0, READER1 = VPCD_READERS
EXPECTED_KIND = {
    "dnie3": CardKind.DNIE_3,
    "dnie2": CardKind.DNIE_2,
    "aoc": CardKind.UNKNOWN,  # a generic chip: identified by its certificate's issuer
    "finalised": CardKind.DNIE_FINALISED,
    "contactless": CardKind.CONTACTLESS,
    "unsupported": CardKind.UNKNOWN,
}
CARDS = load_cards()


@pytest.mark.parametrize("name", list(CARDS))
def test_insert_and_remove_each_test_card(
    name: str, testcards: TestCardControl, card_events: tuple[PcscWatcher, EventLog]
) -> None:
    _, log = card_events
    assert testcards.insert(name) == READER0
    inserted = log.next(CardInserted)
    assert inserted.reader == READER0
    assert inserted.atr == CARDS[name].atr
    assert inserted.kind is EXPECTED_KIND[CARDS[name].kind]
    assert testcards.inserted() == {READER0: name}
    started = time.monotonic()
    testcards.remove()
    assert log.next(CardRemoved) == CardRemoved(READER0)
    assert time.monotonic() - started < 1.0  # the session must be wiped within a second of a removal
    assert testcards.inserted() == {}


def test_two_readers_at_once(testcards: TestCardControl, card_events: tuple[PcscWatcher, EventLog]) -> None:
    watcher, log = card_events
    testcards.insert("dnie3-valid", reader=0)
    testcards.insert("contactless", reader=1)
    first = log.next(CardInserted)
    second = log.next(CardInserted)
    assert {first, second} == {
        CardInserted(READER0, CARDS["dnie3-valid"].atr),
        CardInserted(READER1, CARDS["contactless"].atr),
    }
    assert set(watcher.cards) == {READER0, READER1}
    testcards.remove(reader=1)
    assert log.next(CardRemoved) == CardRemoved(READER1)
    assert watcher.cards == {READER0: CARDS["dnie3-valid"].atr}
    testcards.remove(reader=0)
    assert log.next(CardRemoved) == CardRemoved(READER0)


def test_replacing_a_card_reports_removal_then_insertion(
    testcards: TestCardControl, card_events: tuple[PcscWatcher, EventLog]
) -> None:
    _, log = card_events
    testcards.insert("dnie2-valid")
    log.next(CardInserted)
    testcards.insert("aoc-valid")  # same reader: the daemon takes the first card out
    assert log.next(CardRemoved) == CardRemoved(READER0)
    assert log.next(CardInserted) == CardInserted(READER0, CARDS["aoc-valid"].atr)


def test_readers_and_a_present_card_are_reported_at_start(testcards: TestCardControl) -> None:
    testcards.insert("dnie3-valid")
    time.sleep(0.3)
    log = EventLog()
    watcher = PcscWatcher(log)
    watcher.start()
    try:
        assert log.next(pcsc.ReaderAdded, where=lambda e: e.reader == READER0)
        assert log.next(CardInserted).reader == READER0
    finally:
        watcher.stop()


def test_only_the_configured_readers_are_watched(testcards: TestCardControl) -> None:
    log = EventLog()
    watcher = PcscWatcher(log, readers=[READER1])
    watcher.start()
    try:
        assert watcher.ready.wait(5)
        testcards.insert("dnie3-valid", reader=0)
        testcards.insert("dnie2-valid", reader=1)
        assert log.next(CardInserted).reader == READER1
        assert all(getattr(e, "reader", READER1) == READER1 for e in log.drain())
    finally:
        watcher.stop()


def test_unknown_card_is_refused_by_the_daemon(testcards: TestCardControl) -> None:
    with pytest.raises(TestCardError):
        testcards.insert("no-such-card")


def test_pcscd_restart_mid_session(
    pcsc_stack: PcscInfo, testcards: TestCardControl, card_events: tuple[PcscWatcher, EventLog]
) -> None:
    if not pcsc_stack.can_restart_pcscd():
        pytest.skip("pcscd is shared with another test run or the demo: not ours to restart")
    watcher, log = card_events
    testcards.insert("dnie3-valid")
    log.wait_for(lambda e: e == CardInserted(READER0, CARDS["dnie3-valid"].atr))
    pcsc_stack.stop_pcscd()
    try:
        log.wait_for(lambda e: e == CardRemoved(READER0))
        log.next(pcsc.ServiceLost)
        removed = [e for e in log.drain() if isinstance(e, pcsc.ReaderRemoved)]
        assert {e.reader for e in removed} >= {READER0, READER1}
        assert watcher.cards == {}
    finally:
        pcsc_stack.start_pcscd()
    log.next(pcsc.ServiceBack, timeout=10)
    log.next(pcsc.ReaderAdded, where=lambda e: e.reader == READER0)
    # the card stayed in the reader: it is reported again once pcscd is back
    back = log.next(CardInserted, timeout=10)
    assert back == CardInserted(READER0, CARDS["dnie3-valid"].atr)
    testcards.remove()
    assert log.next(CardRemoved) == CardRemoved(READER0)
