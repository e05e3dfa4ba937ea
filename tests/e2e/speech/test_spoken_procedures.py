"""Speech output through a whole visit, with the recording voice: each step of each procedure is spoken
(title, step, instructions, the focused control), the PIN and personal data are not, the language follows
the screen, stop and repeat work, and a session's end resets speech."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.screen import Screen
from textual.widgets import Static

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.login import LoginScreen
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from kiosk.procedures.deixalleria import SummaryStep
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.identify_weak import WeakIdentifyStep
from kiosk.procedures.instancia import SubjectStep
from kiosk.procedures.padro import DocumentStep, PadroReview, RegistrationStep
from kiosk.screens.attract import AttractScreen
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.session import EndReason
from kiosk.speech import RecordingSpeech, SpeechService, describe_control
from kiosk.speech.reader import shown_text, speakable
from tests.e2e.procedures.helpers import (
    PIN,
    SIZE,
    CardStack,
    begin,
    card_in,
    kiosk_app,
    launch,
    new_visit,
    type_weak_identity,
)
from tests.harness import Driver, drive

CARMEN = ("12345678Z", "15/04/1980", "08301")


def recorded(app: KioskApp) -> RecordingSpeech:
    """Give `app` the recording voice (before it runs); speech still off, as on a real kiosk."""
    voice = RecordingSpeech()
    app.speech = SpeechService(voice, default_volume=60)
    return voice


@asynccontextmanager
async def listening(tmp_path: Path, server: BackendInfo) -> AsyncIterator[tuple[Driver, RecordingSpeech]]:
    """A kiosk (`server`'s) with the recording voice: speech turned on at the attract screen, a visit begun
    (the catalogue)."""
    app = kiosk_app(tmp_path, server)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await speech_on(driver)
        await new_visit(driver)
        yield driver, voice


async def speech_on(driver: Driver) -> None:
    """The citizen touches "Listen" on the attract screen."""
    await driver.click("#listen")
    await driver.wait_for(lambda: driver.app.speech.enabled, what="speech on")


async def listen_then_card(driver: Driver, pcsc: PcscInfo, code: str) -> None:
    """Speech on, the procedure `code` (one that needs a card login) started, and the test card in: the
    login screen's PIN pad is shown."""
    await speech_on(driver)
    await begin(driver, code, InsertCardScreen)
    await card_in(driver, pcsc)


def _text(screen: Screen[Any], selector: str) -> str:
    found = [w for w in screen.query(selector) if isinstance(w, Static) and w.display]
    return speakable(" ".join(shown_text(w) for w in found))


async def spoken_step(driver: Driver, voice: RecordingSpeech, kind: type[Screen[Any]]) -> str:
    """Wait for the step `kind` and for its reading; check it holds the title, the step indicator, the
    instructions shown and the focused control; return it."""
    screen = await driver.wait_screen(kind, timeout=20)
    title = _text(screen, "#step-title")
    assert title

    step = _text(screen, "#step-indicator")
    assert step

    def reading() -> str | None:
        """The latest reading of this step (a notice, say no card reader, may have been said after it)."""
        for u in reversed(voice.utterances):
            if title in u.text and step in u.text and "Control" in u.text:
                return u.text
        return None

    await driver.wait_for(lambda: reading() is not None, timeout=20, what=f"the reading of {kind.__name__}")
    await driver.pause(0.3)  # a step may load and be read again
    said = reading()
    assert said is not None
    for selector in (".intro", ".hint", ".field-label"):
        for part in [w for w in screen.query(selector) if isinstance(w, Static) and w.display]:
            words = shown_text(part)
            assert words in said, (selector, words, said)
    focused = screen.focused
    if focused is not None:
        assert describe_control(focused) in said, (describe_control(focused), said)
    return said


async def test_bustia_every_step_is_read(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await speech_on(driver)
        assert "Veu activada" in voice.spoken  # said in Catalan, the screen's language
        assert any(u.language == "ca" for u in voice.utterances)
        await new_visit(driver)
        assert launch(app, "bustia")
        said = await spoken_step(driver, voice, MessageStep)
        assert "Bústia de queixes i suggeriments" in said and "Pas 1 de 4" in said
        await driver.click("#kind-suggeriment")
        await driver.type("Fanals", into="#f-topic")
        await driver.paste("Caldria més llum al carrer d'en Pau.", into="#f-text")
        await driver.click("#step-next")
        await spoken_step(driver, voice, ContactStep)
        await driver.click("#step-next")
        said = await spoken_step(driver, voice, BustiaReview)
        assert "Fanals" not in said and "carrer d'en Pau" not in said  # the citizen's own words
        await driver.click("#step-next")
        await spoken_step(driver, voice, BustiaResult)


async def test_deixalleria_personal_data_only_when_allowed(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    async with listening(tmp_path, backend_server) as (driver, voice):
        app = driver.app
        assert launch(app, "deixalleria_consulta")
        await spoken_step(driver, voice, WeakIdentifyStep)
        await type_weak_identity(driver, CARMEN)
        await driver.press("tab")
        await driver.pause(0.2)
        assert CARMEN[0] not in voice.spoken and "12345678" not in voice.spoken
        await driver.click("#step-next")
        said = await spoken_step(driver, voice, SummaryStep)
        rows = [shown_text(w) for w in app.screen.query(".review-value")]
        assert rows and all(speakable(r) not in said for r in rows if len(r) > 3)
        # "Read my data" (F6), then repeat the screen: now the rows are read.
        await driver.press("f6")
        app._read_screen()
        assert any(speakable(r) in voice.utterances[-1].text for r in rows if len(r) > 3)


async def test_padro_pin_never_spoken_and_steps_read(tmp_path: Path, card_stack: CardStack) -> None:
    app = card_stack.app(tmp_path)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await listen_then_card(driver, card_stack.pcsc, "volant_individual")
        await driver.wait_for(lambda: "PIN" in voice.spoken, what="the PIN pad read")
        before = len(voice.utterances)
        await driver.press(*PIN)
        typed = voice.utterances[before:]
        assert [u.text for u in typed].count("estrella") == len(PIN)  # one neutral word per key
        await driver.press("enter")
        await driver.wait_for(lambda: not isinstance(app.screen, LoginScreen), timeout=30, what="the login")
        said = await spoken_step(driver, voice, RegistrationStep)
        await driver.click("#step-next")
        await spoken_step(driver, voice, DocumentStep)
        await driver.click("#step-next")
        said = await spoken_step(driver, voice, PadroReview)
        del said
    everything = voice.spoken
    for u in typed:  # while typing: the star, or the screen (no key of the PIN in either)
        assert u.text == "estrella" or "Prova" not in u.text and "2026" not in u.text, u.text
    digits = "".join(c for c in PIN if c.isdigit())
    assert PIN.lower() not in everything.lower() and digits not in everything
    assert "CARMEN" not in everything  # the greeting's name and the rows: "read my data" was off


async def test_instancia_first_step_is_read(tmp_path: Path, card_stack: CardStack) -> None:
    app = card_stack.app(tmp_path)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await listen_then_card(driver, card_stack.pcsc, "instancia_generica")
        await driver.press(*PIN, "enter")
        await spoken_step(driver, voice, SubjectStep)


async def test_language_stop_repeat_and_reset(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server)
    voice = recorded(app)
    async with drive(app, size=SIZE) as driver:
        await driver.press("f1")  # the key works as the control does
        await driver.wait_for(lambda: app.speech.enabled, what="speech on")
        await driver.click("#lang-es")
        # the attract screen read again, in Spanish (its Listen control named in every language)
        await driver.wait_for(
            lambda: any(
                u.language == "es" and "Ayuntamiento" in u.text and "Escuchar" in u.text
                for u in voice.utterances
            ),
            what="the attract screen read in Spanish",
        )
        await new_visit(driver)
        assert launch(app, "bustia")
        said = await spoken_step(driver, voice, MessageStep)
        assert voice.utterances[-1].language == "es" and "Paso 1 de 4" in said
        stops = voice.stops
        await driver.press("f3")
        assert voice.stops == stops + 1
        count = len(voice.utterances)
        await driver.press("f7")
        assert len(voice.utterances) == count + 1 and voice.utterances[-1].text == said
        await driver.press("f5", "f5")
        assert voice.volume == 80
        await driver.press("f6")
        assert app.speech.read_personal
        app.end_session(EndReason.IDLE)
        await driver.wait_screen(AttractScreen)
        await driver.pause(0.3)
        assert voice.volume == 60 and not app.speech.enabled and not app.speech.read_personal
        count = len(voice.utterances)
        await driver.press("f7")
        assert len(voice.utterances) == count  # off: nothing is said, nothing left to repeat


async def test_the_goodbye_is_said_to_who_listened(tmp_path: Path, backend_server: BackendInfo) -> None:
    async with listening(tmp_path, backend_server) as (driver, voice):
        app = driver.app
        await driver.click("#finish")
        screen = await driver.wait_screen(GoodbyeScreen)
        assert not app.speech.enabled  # off for the next citizen...
        goodbye = _text(screen, "#goodbye-title")
        reminders = _text(screen, ".reminder")
        # ...but who listened hears the goodbye: the session is erased, take the papers.
        await driver.wait_for(
            lambda: any(goodbye in u.text and reminders in u.text for u in voice.utterances),
            what="the goodbye said",
        )
