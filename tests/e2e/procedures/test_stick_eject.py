"""The citizen is told to take the USB stick, and the kiosk gives it back first: leaving the attachments
step forward, cancelling, or the session ending (the card pulled) runs `[attachments] eject_command` for
the stick the step read from. On a kiosk that is udiskie-umount --detach (udisks2 needs the system
D-Bus, which the tests do not have); here a real executable stand-in, written by the test, records its
argv and removes the stick's folder as an unmount takes its files away. The copies already taken stay:
the instància is sent with them. (Instància with the test card on the real backend, Pilot.)"""

from __future__ import annotations

import hashlib
import json
import sys
import uuid
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.procedures.instancia import AttachmentsStep, ContactStep, InstanciaResult, InstanciaReview
from kiosk.screens.attract import AttractScreen
from kiosk.session import EndReason
from kiosk.speech import RecordingSpeech, SpeechService
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import READER_INDEX, SIZE, CardStack, db_rows, kiosk_app, next_step
from tests.e2e.procedures.test_instancia import entry, fill_until_attachments
from tests.e2e.procedures.test_stick_names import toggle
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TAKE = "Ja podeu treure el llapis USB."


def stand_in(tmp_path: Path) -> tuple[Path, Path]:
    """The eject command's stand-in: records its argv (a JSON line per run) and removes the folder it
    is given; and the record."""
    record = tmp_path / "eject-argv.jsonl"
    program = tmp_path / "udiskie-umount"
    program.write_text(
        f"#!{sys.executable}\nimport json, shutil, sys\n"
        f"open({str(record)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "shutil.rmtree(sys.argv[-1])\n"
    )
    program.chmod(0o755)
    return program, record


def runs(record: Path) -> list[list[str]]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def notices(app: KioskApp) -> list[str]:
    """The notices shown (toasts: `run_test` keeps them without drawing them)."""
    return [n.message for n in app._notifications]


def ejecting_app(tmp_path: Path, stack: CardStack, media: Path, program: Path) -> KioskApp:
    reader = stack.pcsc.readers[READER_INDEX]
    return kiosk_app(
        tmp_path,
        stack.backend,
        eid={"pkcs11_module": str(stack.pcsc.pkcs11_module), "readers": [reader]},
        attachments={
            "mount_roots": [str(media)],
            "eject_command": [str(program), "--detach"],
            "eject_timeout_seconds": 10,
        },
    )


def plug(media: Path, name: str = "USB_DISK") -> Path:
    stick = media / name
    stick.mkdir(parents=True)
    (stick / "foto-fanal.pdf").write_bytes(PDF)
    return stick


async def given_back(driver: Driver, record: Path, stick: Path, count: int = 1) -> None:
    await driver.wait_for(lambda: len(runs(record)) >= count, timeout=15, what="the eject command")
    assert runs(record)[count - 1] == ["--detach", str(stick.resolve())]
    await driver.wait_for(lambda: not stick.exists(), what="the stick unmounted")


async def test_leaving_the_attachments_forward_gives_the_stick_back(
    tmp_path: Path, card_stack: CardStack
) -> None:
    media = tmp_path / "media"
    stick = plug(media)
    program, record = stand_in(tmp_path)
    app = ejecting_app(tmp_path, card_stack, media, program)
    voice = RecordingSpeech()
    app.speech = SpeechService(voice, default_volume=60)
    subject = f"Retorn del llapis {uuid.uuid4().hex[:6]}"
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, card_stack.pcsc, subject)
        await toggle(driver, "USB_DISK/foto-fanal.pdf")
        await driver.wait_for(lambda: entry(driver, "USB_DISK/foto-fanal.pdf").chosen, what="attached")
        assert runs(record) == []  # still choosing: the stick is left alone
        await driver.press("f1")  # speech on
        await driver.wait_for(lambda: app.speech.enabled, what="speech on")
        await next_step(driver, ContactStep)
        await given_back(driver, record, stick)
        await driver.wait_for(lambda: TAKE in voice.spoken, what="the citizen told to take the stick")
        await driver.wait_for(lambda: TAKE in notices(app), what="and it is shown")
        assert isinstance(app.screen, ContactStep) and app.is_running
        # Back to the attachments: the copy is still attached, the stick is gone from the list.
        await driver.click("#step-back")
        await driver.wait_screen(AttachmentsStep)
        await driver.wait_for(lambda: entry(driver, "USB_DISK/foto-fanal.pdf").chosen, what="still attached")
        await next_step(driver, ContactStep)
        await next_step(driver, InstanciaReview)
        result = await next_step(driver, InstanciaResult, timeout=20)
        number = result.document.registry_number
        await driver.wait_for(number)
        await driver.pause(0.5)
        assert len(runs(record)) == 1  # sent: nothing more was read, nothing more to give back
    [row] = db_rows(card_stack.backend, "select id from instancies where registry_number = :n", n=number)
    files = db_rows(
        card_stack.backend, "select name, sha256 from instancia_attachments where instancia_id = :i", i=row.id
    )
    assert [(f.name, f.sha256) for f in files] == [("foto-fanal.pdf", hashlib.sha256(PDF).hexdigest())]


async def test_cancelling_gives_the_stick_back(tmp_path: Path, card_stack: CardStack) -> None:
    media = tmp_path / "media"
    stick = plug(media)
    program, record = stand_in(tmp_path)
    app = ejecting_app(tmp_path, card_stack, media, program)
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, card_stack.pcsc, "Cancellada")
        await driver.wait_for(lambda: bool(driver.app.screen.query_one(FilePicker).entries), what="listed")
        await driver.click("#step-cancel")
        await given_back(driver, record, stick)
        await driver.wait_for(lambda: TAKE in notices(app), what="the citizen told to take the stick")
        assert app.is_running and not isinstance(app.screen, AttachmentsStep)


async def test_the_card_pulled_gives_the_stick_back(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    media = tmp_path / "media"
    stick = plug(media, "CONTRACTE")
    program, record = stand_in(tmp_path)
    app = ejecting_app(tmp_path, CardStack(pcsc_stack, card_backend), media, program)
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, pcsc_stack, "Targeta treta")
        await toggle(driver, "CONTRACTE/foto-fanal.pdf")
        session = app.session
        assert session is not None
        copies = session.temp_dir / "attachments"
        await driver.wait_for(lambda: bool(list(copies.rglob("foto-fanal.pdf"))), what="the private copy")
        testcards.remove(READER_INDEX)
        await driver.wait_for(lambda: isinstance(app.screen, AttractScreen), timeout=20, what="attract")
        assert session.ended is EndReason.CARD_REMOVED
        await given_back(driver, record, stick)
        await driver.wait_for(lambda: TAKE in notices(app), what="the stick's message, after the session")
        assert not copies.exists()
