"""A hostile USB stick in the instància (Pilot, the test card, the real backend): a FIFO, a device node, a
symbolic link loop, a link out of the mount root, a sparse 100 GB file, a file the kiosk may not read, a
file removed and one swapped for a FIFO between the listing and the copy. The picker never hangs, never
shows or reads what is outside the root, leaves no copy of a refused file, and says each case plainly in
Catalan; the good file is attached and the instància goes on. (The 100,000-entry folder and the file that
changes while it is copied: tests/integration/sticks/test_hostile.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kiosk.procedures.instancia import AttachmentsStep, ContactStep
from tests.e2e.procedures.helpers import SIZE, CardStack, next_step
from tests.e2e.procedures.test_instancia import entry, fill_until_attachments
from tests.e2e.procedures.test_stick_names import toggle
from tests.fixtures.sticks import refuse_open
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHANGED = "El fitxer ha canviat al llapis USB després de mostrar-se a la llista: torneu-lo a triar."


def hostile_stick(media: Path, outside: Path) -> int:
    """The stick's files; how many of them are special files or links (never listed)."""
    stick = media / "USB"
    stick.mkdir(parents=True)
    for name in ("bo.pdf", "esborrat.pdf", "canvia.pdf", "protegit.pdf"):
        (stick / name).write_bytes(PDF)
    with (stick / "enorme.pdf").open("wb") as huge:
        huge.write(PDF)
        huge.truncate(100 * 1024**3)
    os.mkfifo(stick / "cua.pdf")
    os.symlink("llac.pdf", stick / "llac.pdf")
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    os.symlink(outside / "secret.pdf", stick / "fora.pdf")
    if os.geteuid() == 0:
        os.mknod(stick / "zero.pdf", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless
        return 4
    return 3


def picker(driver: Driver) -> FilePicker:
    return driver.app.screen.query_one(FilePicker)


def copies(driver: Driver) -> list[str]:
    session = driver.app.session
    assert session is not None
    return sorted(p.name for p in (session.temp_dir / "attachments").rglob("*") if p.is_file())


async def test_a_hostile_stick_in_the_instancia(
    tmp_path: Path, card_stack: CardStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    specials = hostile_stick(media, tmp_path / "fora")
    refuse_open(monkeypatch, "protegit.pdf")  # a file of mode 000, as the kiosk's own user meets it
    app = card_stack.app(tmp_path, mount_roots=[media])
    async with drive(app, size=SIZE) as driver:
        await fill_until_attachments(driver, card_stack.pcsc, "Llapis hostil")
        await driver.wait_for(lambda: "USB/bo.pdf" in [e.key for e in picker(driver).entries], what="listed")
        keys = [e.key for e in picker(driver).entries]
        names = ["bo.pdf", "canvia.pdf", "enorme.pdf", "esborrat.pdf", "protegit.pdf"]
        assert keys == [f"USB/{name}" for name in names]
        assert picker(driver).notice == (
            "Els enllaços i els fitxers especials del llapis USB no es poden adjuntar i no es mostren "
            f"({specials}). Copieu els fitxers mateixos al llapis USB."
        )
        assert entry(driver, "USB/enorme.pdf").refused
        assert entry(driver, "USB/enorme.pdf").note.startswith("Massa gran (100.0 GB)")
        assert entry(driver, "USB/protegit.pdf").note.startswith("El quiosc no té permís per llegir")
        await toggle(driver, "USB/enorme.pdf")
        await toggle(driver, "USB/protegit.pdf")
        assert not entry(driver, "USB/enorme.pdf").chosen and not entry(driver, "USB/protegit.pdf").chosen
        step = app.screen
        assert isinstance(step, AttachmentsStep)
        with step.scanner.held(5):  # no rescan meanwhile: the citizen touches what the list still shows
            (media / "USB" / "esborrat.pdf").unlink()
            (media / "USB" / "canvia.pdf").unlink()
            os.mkfifo(media / "USB" / "canvia.pdf")
            await toggle(driver, "USB/esborrat.pdf")
            await toggle(driver, "USB/canvia.pdf")
            await driver.wait_for(
                lambda: entry(driver, "USB/canvia.pdf").note == CHANGED, what="the swapped file refused"
            )
            await driver.wait_for(
                lambda: (
                    "Comproveu que el llapis USB estigui connectat" in entry(driver, "USB/esborrat.pdf").note
                ),
                what="the removed file refused",
            )
        await toggle(driver, "USB/bo.pdf")
        await driver.wait_for(lambda: entry(driver, "USB/bo.pdf").chosen, what="the good file attached")
        assert copies(driver) == ["bo.pdf"]  # nothing of the refused ones
        assert "secret" not in driver.text() and "fora.pdf" not in driver.text()
        await next_step(driver, ContactStep)
        assert app.is_running
