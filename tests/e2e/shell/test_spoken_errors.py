"""Errors are spoken (EN 301 549 5.1.3.15, non-visual error identification): with speech on, an error
modal is said, and so is a notice; a field's problem is said with its field when Next sends the focus
there (a text field's, and a tick box's from a rule over the step). The recording voice keeps what was
said; the kiosk has no backend or reader behind it (none is needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from kiosk.i18n import _
from kiosk.procedures.bustia import ContactStep, MessageStep
from kiosk.screens.error import ErrorModal
from kiosk.speech import RecordingSpeech, SpeechService
from tests.e2e.procedures.helpers import begin, offline_app
from tests.harness import Driver, drive

SIZE = (100, 32)


@asynccontextmanager
async def bustia_spoken(tmp_path: Path) -> AsyncIterator[tuple[Driver, RecordingSpeech]]:
    """The bústia's first step on a kiosk with no reader or backend, speech turned on (F1) as a citizen
    would, into a recording voice."""
    app = offline_app(tmp_path, "no reader: spoken errors test")
    voice = RecordingSpeech()
    app.speech = SpeechService(voice, default_volume=60)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await driver.press("f1")
        await driver.wait_for(lambda: driver.app.speech.enabled, what="speech on")
        yield driver, voice


async def said(driver: Driver, voice: RecordingSpeech, *parts: str) -> str:
    """Wait until one utterance holds every one of `parts`; that utterance."""

    def found() -> str | None:
        for u in reversed(voice.utterances):
            if all(p in u.text for p in parts):
                return u.text
        return None

    await driver.wait_for(
        lambda: found() is not None, timeout=10, what=f"spoken: {parts} in {voice.spoken!r}"
    )
    text = found()
    assert text is not None
    return text


async def test_a_field_error_is_said_with_its_field(tmp_path: Path) -> None:
    async with bustia_spoken(tmp_path) as (driver, voice):
        await driver.click("#step-next")  # nothing typed: the first required field is wrong
        required = _("This field is required: please fill it in.")
        assert required != "This field is required: please fill it in."  # the kiosk speaks Catalan first
        spoken = await said(driver, voice, required)
        assert spoken.startswith(f"{_('Topic')}, {_('text field')}, {_('empty')}, "), spoken

        await driver.type("Fanals", into="#f-topic")
        await driver.type("El fanal del carrer no fa llum.", into="#f-text")
        await driver.click("#step-next")
        await driver.wait_screen(ContactStep)
        await driver.type("nom@exemple.cat", into="#f-email")
        await driver.click("#step-next")  # a contact without the consent ticked: the rule's problem
        consent = _("To leave a contact, please tick the consent box (or leave the contact empty).")
        spoken = await said(driver, voice, consent)
        assert spoken.startswith(_("I agree to my contact details being used to answer me")), spoken


async def test_an_error_modal_and_a_notice_are_said(tmp_path: Path) -> None:
    async with bustia_spoken(tmp_path) as (driver, voice):
        app = driver.app
        message = _("The kiosk could not complete this step. Please try again, or ask at the counter.")
        app.show_error(message)
        await driver.wait_screen(ErrorModal)
        await said(driver, voice, message)
        await driver.press("enter")
        await driver.wait_screen(MessageStep)

        notice = _("Please wait: the files are still being copied.")
        app.notify(notice, severity="warning", markup=False)
        await said(driver, voice, notice)
        # The screen is read again 0.15 s after the modal went; leave it time, or that read runs during the
        # app's shutdown on an empty screen stack (ScreenStackError in KioskApp._read_screen).
        await driver.pause(0.5)
