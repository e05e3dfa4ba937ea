"""Instància genèrica at the kiosk: a test card login, a folder standing in for the USB stick, the real
backend (registry entry, attachments' SHA-256) and the printed receipt on the CUPS file: queue."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from devstack.cups import CupsInfo
from devstack.pcsc import PcscInfo
from kiosk.procedures.attachments import MAX_FILE_BYTES
from kiosk.procedures.instancia import (
    AttachmentsStep,
    ContactStep,
    InstanciaResult,
    InstanciaReview,
    RequestStep,
    SubjectStep,
)
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin_with_card,
    db_rows,
    next_step,
    print_and_continue,
)
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(128)


async def toggle(driver: Driver, key: str) -> None:
    """Choose (or take back) a file in the picker with the keyboard, as a citizen would."""
    picker = driver.app.screen.query_one(FilePicker)
    await driver.wait_for(lambda: key in [e.key for e in picker.entries], what=f"{key} in the picker")
    picker.focus()
    picker.highlighted = [e.key for e in picker.entries].index(key)
    await driver.pause()
    await driver.press("enter")
    await driver.pause()


def entry(driver: Driver, key: str) -> Any:
    picker = driver.app.screen.query_one(FilePicker)
    return next(e for e in picker.entries if e.key == key)


async def fill_until_attachments(driver: Driver, pcsc: PcscInfo, subject: str) -> None:
    app = driver.app
    step = await begin_with_card(driver, pcsc, "instancia_generica", SubjectStep)
    await driver.type(subject, into="#f-subject")
    await driver.wait_for(lambda: bool(step.state.departments), what="the departments")
    app.screen.query_one("#department").focus()
    await driver.press("enter", "down", "down", "enter")
    await driver.wait_for(lambda: bool(step.state.department), what="a department chosen")
    await next_step(driver, RequestStep)
    assert "Pas 2 de 6" in driver.text()
    await driver.paste(
        "Que el fanal del carrer d'en Pau, 12, no funciona des de fa dues setmanes.", into="#f-exposo"
    )
    await driver.paste("Que el reparin.", into="#f-solicito")
    await next_step(driver, AttachmentsStep)


async def test_instancia_with_a_file_from_the_stick(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    app = card_stack.app(tmp_path, cups_stack, mount_roots=[media])
    subject = f"Fanal espatllat {uuid.uuid4().hex[:6]}"
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, card_stack.pcsc, subject)
        await driver.wait_for("No s'ha trobat cap llapis USB")
        # The stick is plugged in after the screen opened.
        stick = media / "USB_DISK"
        stick.mkdir()
        (stick / "foto-fanal.pdf").write_bytes(PDF)
        (stick / "factura.pdf").write_bytes(EXE)  # a renamed .exe posing as a PDF
        await toggle(driver, "USB_DISK/foto-fanal.pdf")
        await driver.wait_for(
            lambda: entry(driver, "USB_DISK/foto-fanal.pdf").chosen, what="the file attached"
        )
        assert entry(driver, "USB_DISK/factura.pdf").refused
        assert "Aquest fitxer no és un PDF, JPEG ni PNG" in entry(driver, "USB_DISK/factura.pdf").note
        await toggle(driver, "USB_DISK/factura.pdf")
        assert not entry(driver, "USB_DISK/factura.pdf").chosen
        assert "Adjunts: 1 de 10 fitxers" in driver.text_of("#attach-summary")
        await next_step(driver, ContactStep)
        await next_step(driver, InstanciaReview)
        text = driver.text()
        assert subject in text and "foto-fanal.pdf" in text and "Pas 5 de 6" in text
        result = await next_step(driver, InstanciaResult, timeout=20)
        number = result.document.registry_number
        await driver.wait_for(number)
        assert number.startswith("E/") and "foto-fanal.pdf" in driver.text()
        printed = await print_and_continue(driver, cups_stack)
    [row] = db_rows(
        card_stack.backend, "select id, registry_number from instancies where registry_number = :n", n=number
    )
    files = db_rows(
        card_stack.backend, "select name, sha256 from instancia_attachments where instancia_id = :i", i=row.id
    )
    assert [(f.name, f.sha256) for f in files] == [("foto-fanal.pdf", hashlib.sha256(PDF).hexdigest())]
    assert number in printed and "foto-fanal.pdf" in printed and subject in printed


async def test_attachment_limits_and_a_stick_pulled_out(tmp_path: Path, card_stack: CardStack) -> None:
    media = tmp_path / "media"
    stick = media / "STICK"
    stick.mkdir(parents=True)
    for n in range(11):
        (stick / f"doc{n:02d}.pdf").write_bytes(PDF)
    with (stick / "gran.pdf").open("wb") as big:
        big.write(PDF)
        big.truncate(MAX_FILE_BYTES + 1)
    (stick / ("n" * 90 + ".pdf")).write_bytes(PDF)
    (stick / "foto.png").write_bytes(PNG)
    app = card_stack.app(tmp_path, mount_roots=[media])
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, card_stack.pcsc, "Prova de límits")
        assert "Massa gran" in entry(driver, "STICK/gran.pdf").note
        assert "Nom massa llarg" in entry(driver, "STICK/" + "n" * 90 + ".pdf").note
        for n in range(10):
            await toggle(driver, f"STICK/doc{n:02d}.pdf")
        await driver.wait_for(
            lambda: "Adjunts: 10 de 10 fitxers" in driver.text_of("#attach-summary"),
            what="ten files attached",
        )
        await toggle(driver, "STICK/doc10.pdf")  # the eleventh
        full = "Es poden adjuntar 10 fitxers com a màxim. Traieu-ne un per adjuntar-ne un altre."
        assert entry(driver, "STICK/doc10.pdf").note == full
        assert not entry(driver, "STICK/doc10.pdf").chosen
        # Pulling the stick out keeps what was attached (private copies), and the list notices.
        import shutil

        shutil.rmtree(stick)
        picker = app.screen.query_one(FilePicker)
        await driver.wait_for(
            lambda: "STICK/foto.png" not in [e.key for e in picker.entries], what="the stick gone"
        )
        assert "Adjunts: 10 de 10 fitxers" in driver.text_of("#attach-summary")
        session = app.session
        assert session is not None
        copies = sorted(p.name for p in (session.temp_dir / "attachments").rglob("*.pdf"))
        assert copies == [f"doc{n:02d}.pdf" for n in range(10)]
        # Taking one back removes its copy.
        await toggle(driver, "STICK/doc00.pdf")
        await driver.wait_for(
            lambda: "Adjunts: 9 de 10 fitxers" in driver.text_of("#attach-summary"),
            what="nine files attached",
        )
        assert not list((session.temp_dir / "attachments").rglob("doc00.pdf"))
