"""Names from a citizen's USB stick are data, never markup nor terminal controls.

Under a real pty: a Textual app with the real scanner and file picker (stick_app.py) lists a stick whose
file and folder names hold escape sequences, a bidi override, undecodable bytes and markup; the bytes the
app writes to the terminal carry the names' placeholders and never an ESC of a name. Then the instància
itself (Pilot, the test card, the real backend): such names on the stick, the markup ones attached and
shown literally on the review screen and the result, the others refused with their reason."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.procedures.attachments import SCAN_MAX_ENTRIES
from kiosk.procedures.instancia import ContactStep, InstanciaResult, InstanciaReview
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import card_app
from tests.e2e.procedures.test_instancia import entry, fill_until_attachments
from tests.fixtures.app import ROOT
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: Names that carry a terminal control: clear the screen, set the window title (OSC, ST), colour red,
#: reverse the text (U+202E), and a byte that is not UTF-8.
ESCAPES = {
    "\x1b[2Jnet.pdf": "␛[2Jnet.pdf",
    "\x1b]0;x\x1b\\titol.pdf": "␛]0;x␛\\titol.pdf",
    "fitxer\u202efdp.exe.pdf": "fitxer\N{REPLACEMENT CHARACTER}fdp.exe.pdf",
}
ESCAPED_FOLDER = ("\x1b[31mvermell", "␛[31mvermell")
MARKUP = ("[@click=app.quit]TOCA AQUI.pdf", "[a=b=c].pdf")


async def toggle(driver: Driver, key: str) -> None:
    """Choose (or take back) a file with the keyboard; its option is found by its id (a notice may
    stand above the entries)."""
    picker = driver.app.screen.query_one(FilePicker)
    await driver.wait_for(lambda: key in [e.key for e in picker.entries], what=f"{key} in the picker")
    picker.focus()
    picker.highlighted = picker.get_option_index(key)
    await driver.pause()
    await driver.press("enter")
    await driver.pause()


def make_stick(media: Path) -> Path:
    stick = media / "USB"
    (stick / ESCAPED_FOLDER[0]).mkdir(parents=True)
    (stick / ESCAPED_FOLDER[0] / "dins.pdf").write_bytes(PDF)
    (stick / "[a=b=c]").mkdir()
    (stick / "[a=b=c]" / "[a=b=c].pdf").write_bytes(PDF)
    for name in [*ESCAPES, *MARKUP]:
        (stick / name).write_bytes(PDF)
    (stick / os.fsdecode(b"carta\xff.pdf")).write_bytes(PDF)
    return stick


def read_until(master: int, wanted: list[bytes], timeout: float) -> bytes:
    """Everything the app wrote until every one of `wanted` was seen (or the time ran out)."""
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(w in out for w in wanted):
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:  # EIO: the app closed the terminal
                break
    return bytes(out)


def drain(master: int, process: subprocess.Popen[bytes], timeout: float) -> bytes:
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif process.poll() is not None:
            break
    return bytes(out)


def test_escape_names_never_reach_the_terminal(tmp_path: Path) -> None:
    media = tmp_path / "media"
    make_stick(media)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.procedures.stick_app", str(media)],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    wanted = [shown.encode() for shown in ESCAPES.values()]
    wanted += [ESCAPED_FOLDER[1].encode(), MARKUP[0].encode(), b"[a=b=c]/[a=b=c].pdf"]
    try:
        written = read_until(master, wanted, timeout=30)
        written += read_until(master, [b"never"], timeout=2.5)  # two more rescans drawn
        os.write(master, b"\x11")  # ctrl+q
        written += drain(master, process, timeout=15)
        assert process.wait(15) == 0, written[-2000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        os.close(master)
    for expected in wanted:
        assert expected in written, expected
    for raw in [*ESCAPES, ESCAPED_FOLDER[0]]:
        assert raw.encode() not in written
    # Textual itself never clears with ED 2, sets the title or uses the 8-colour red (measured): any of
    # these would come from a name.
    assert b"\x1b[2J" not in written and b"\x1b]0;" not in written and b"\x1b[31m" not in written
    assert "\u202e".encode() not in written
    assert b"USB/carta" in written and b"\xff" not in written  # the undecodable byte is shown, not sent
    assert b"invisibles" in written  # the refusals are shown, in Catalan


async def test_names_from_the_stick_in_the_instancia(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    media = tmp_path / "media"
    make_stick(media)
    crowded = tmp_path / "crowded"  # a second stick, listed after the first: the bound cuts it
    (crowded / "PLE").mkdir(parents=True)
    for n in range(SCAN_MAX_ENTRIES + 10):
        (crowded / "PLE" / f"n{n:05d}.txt").touch()
    app = card_app(tmp_path, card_backend, pcsc_stack, mount_roots=[media, crowded])
    async with drive(app, size=(100, 40)) as driver:
        await fill_until_attachments(driver, pcsc_stack, "Noms estranys")
        picker = app.screen.query_one(FilePicker)
        await driver.wait_for(lambda: "USB/[a=b=c].pdf" in [e.key for e in picker.entries], what="the stick")
        await driver.wait_for(lambda: picker.notice != "", what="the notice of a cut listing")
        assert "Hi ha massa fitxers al llapis USB: només se'n mostren els" in picker.notice
        for raw in ESCAPES:
            assert "caràcters invisibles" in entry(driver, f"USB/{raw}").note
        assert "nom de la carpeta" in entry(driver, f"USB/{ESCAPED_FOLDER[0]}/dins.pdf").note
        assert "\x1b" not in driver.text() and "\u202e" not in driver.text()
        drawn = [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]
        assert any("USB/[a=b=c]/[a=b=c].pdf" in d for d in drawn)
        assert any(f"USB/{ESCAPED_FOLDER[1]}/dins.pdf" in d for d in drawn)
        assert not any("\x1b" in d for d in drawn)
        await toggle(driver, f"USB/{MARKUP[0]}")
        await toggle(driver, "USB/[a=b=c]/[a=b=c].pdf")
        await driver.wait_for(
            lambda: entry(driver, f"USB/{MARKUP[0]}").chosen, what="the first file attached"
        )
        await driver.wait_for(lambda: entry(driver, "USB/[a=b=c]/[a=b=c].pdf").chosen, what="the second one")
        await toggle(driver, f"USB/{next(iter(ESCAPES))}")  # refused: never attached
        assert not entry(driver, f"USB/{next(iter(ESCAPES))}").chosen
        await driver.click("#step-next")
        await driver.wait_screen(ContactStep)
        await driver.click("#step-next")
        await driver.wait_screen(InstanciaReview)
        text = driver.text()
        assert f"{MARKUP[0]} (" in text and "[a=b=c].pdf (" in text
        await driver.click("#step-next")
        result = await driver.wait_screen(InstanciaResult, timeout=20)
        await driver.wait_for(result.document.registry_number)
        assert app.is_running and MARKUP[0] in driver.text()
