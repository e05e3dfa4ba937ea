"""The kiosk killed (SIGKILL) in the middle of a citizen's instància and started again, in a real terminal:
the `kiosk` command (the deploy's entry point) in tmux, a test card in the virtual reader, the reference
backend. Afterwards nothing of the citizen is on the screen or on disk, and the backend has ended the
killed run's session; a submission whose reply the killed kiosk never got is in the registry once, and
nobody sends it again (the kiosk keeps no outbox: what a killed process held is gone with it).

Killing the pane's process is what systemd's watchdog or the OOM killer does; `respawn-pane` starts the
same command again in the same terminal, as the unit's Restart=always does (there a new foot as well).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from kiosk.session import PREFIX
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import PIN, READER_INDEX, card_trusting_backend, db_rows
from tests.fixtures.app import make_settings
from tests.fixtures.faults import FaultProxy
from tests.fixtures.tmux import TmuxKiosk

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by `make test`"),
    pytest.mark.timeout(90),
]

ATTRACT = "Introduïu la targeta o toqueu la pantalla per començar"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n" + b"% fanal\n" * 64 + b"trailer<<>>\n%%EOF\n"
FILE = "foto-fanal.pdf"
#: What of the citizen (Carmen, dnie3-valid) and of her instància a terminal could show.
TRACES = ("CARMEN", "ESPAÑOLA", "12345678Z", "Hola", FILE)


@pytest.fixture(scope="module")
def card_backend(pcsc_stack: PcscInfo) -> Iterator[BackendInfo]:
    with card_trusting_backend(pcsc_stack) as info:
        yield info


@dataclass
class Kiosk:
    """The kiosk in tmux with a kiosk id of its own, its temp root and the stick folder it lists."""

    tmux: TmuxKiosk
    kiosk_id: str
    temp_root: Path
    backend: BackendInfo

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.tmux.wait_for(text, timeout)

    def session_folders(self) -> list[Path]:
        return sorted(self.temp_root.glob(f"{PREFIX}*")) if self.temp_root.exists() else []

    def open_sessions(self) -> int:
        sql = "select count(*) from citizen_sessions where kiosk_id = :k and ended_at is null"
        return int(db_rows(self.backend, sql, k=self.kiosk_id)[0][0])

    def entries(self) -> list[Any]:
        sql = "select id, registry_number, id_number, csv, receipt from instancies where kiosk_id = :k"
        return db_rows(self.backend, sql, k=self.kiosk_id)

    def kill(self) -> int:
        pid = self.tmux.pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.tmux.alive():
            assert time.monotonic() < deadline, "the killed kiosk's pane is still running"
            time.sleep(0.05)
        return pid

    def restart(self) -> str:
        self.tmux.respawn()
        return self.wait_for(ATTRACT, timeout=30)

    def wait_for_any(self, texts: tuple[str, ...], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while not any(t in (screen := self.tmux.screen()) for t in texts):
            assert time.monotonic() < deadline, f"none of {texts} on the screen:\n{screen}"
            time.sleep(0.2)
        return screen


def start_kiosk(tmp_path: Path, backend: BackendInfo, pcsc: PcscInfo, url: str | None = None) -> Kiosk:
    kiosk_id, key = backend.add_kiosk(f"crash-{uuid.uuid4().hex[:8]}")
    stick = tmp_path / "media" / "USB_DISK"
    stick.mkdir(parents=True)
    (stick / FILE).write_bytes(PDF)
    settings = make_settings(
        tmp_path,
        kiosk={"id": kiosk_id},
        backend={"url": url or backend.url, "kiosk_key": key},
        eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [pcsc.readers[READER_INDEX]]},
        logging={"level": "INFO", "file": str(tmp_path / "log" / "kiosk.log")},
    )
    assert settings.source is not None and settings.kiosk.temp_dir is not None
    return Kiosk(
        TmuxKiosk(settings.source, env=pcsc.env, size=(100, 30)), kiosk_id, settings.kiosk.temp_dir, backend
    )


def press_until(kiosk: Kiosk, keys: tuple[str, ...], expected: str, tries: int = 8) -> str:
    """Press `keys` until `expected` shows, as a person tabs to a button and presses it."""
    for _ in range(tries):
        for key in keys:
            kiosk.tmux.send(key)
            time.sleep(0.25)
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            screen = kiosk.tmux.screen()
            if expected in screen or expected in " ".join(screen.split()):
                return screen
            time.sleep(0.1)
    return kiosk.wait_for(expected, timeout=1)


def log_in(kiosk: Kiosk) -> None:
    kiosk.wait_for("PIN", timeout=30)
    time.sleep(0.5)
    kiosk.tmux.type(PIN)
    kiosk.tmux.send("Enter")
    kiosk.wait_for("Què voleu fer?", timeout=30)  # the catalogue, once identified


def walk_to_the_attachment(kiosk: Kiosk, testcards: TestCardControl, subject: str) -> Path:
    """From the attract screen to an instància with the stick's file attached; the private copy."""

    def keys(*names: str) -> None:
        for name in names:
            kiosk.tmux.send(name)
            time.sleep(0.3)

    kiosk.wait_for(ATTRACT)
    testcards.insert("dnie3-valid", reader=READER_INDEX)
    log_in(kiosk)
    kiosk.wait_for("Volant d'empadronament col·lectiu")  # the list has loaded; the search has the focus
    time.sleep(0.5)
    kiosk.tmux.type("instancia")
    kiosk.wait_for("Instància genèrica")
    time.sleep(1.0)
    press_until(kiosk, ("Tab", "Enter"), "El podeu fer aquí mateix")  # the item: its details
    press_until(kiosk, ("Tab", "Enter"), "Pas 1 de")  # Start
    kiosk.wait_for("Assumpte")
    time.sleep(1.0)  # the field takes the focus once the step is drawn: keys sent before are lost
    kiosk.tmux.type(subject)
    kiosk.wait_for(subject)
    kiosk.wait_for("Trieu el departament")  # the departments have come
    keys("Tab", "Enter", "Down", "Down", "Enter")  # the department list: the first department
    press_until(kiosk, ("F2",), "Pas 2 de")  # Next, from anywhere on the step
    kiosk.tmux.type("El fanal del carrer no funciona.")  # Exposo has the focus
    keys("Tab")
    kiosk.tmux.type("Que el reparin.")
    press_until(kiosk, ("F2",), "Pas 3 de")
    kiosk.wait_for(FILE)  # the picker, focused, lists the stick's file
    copies: list[Path] = []
    for _ in range(3):
        keys("Enter")  # attach the highlighted file
        deadline = time.monotonic() + 5
        while not (copies := [p for f in kiosk.session_folders() for p in f.rglob(FILE)]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if copies:
            break
    assert copies, f"no private copy of the file:\n{kiosk.tmux.screen()}"
    [copy] = copies
    assert copy.read_bytes() == PDF
    return copy


def assert_nothing_of_the_citizen(kiosk: Kiosk, subject: str) -> None:
    text = kiosk.tmux.history()
    for trace in (*TRACES, subject):
        assert trace not in text, f"{trace!r} in the terminal after the restart:\n{text}"
    assert traces_on_disk(kiosk.temp_root.parent, subject) == []


def traces_on_disk(root: Path, subject: str) -> list[str]:
    """The kiosk's files under `root` (its temp root, log, printed folder...) that hold anything of the
    citizen: her name, ID number, the instància's subject, the attached file. The stick is hers."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.relative_to(root).parts[0] != "media" and path.name != "config.toml":
            data = path.read_bytes()
            found += [f"{path}: {t!r}" for t in (b"CARMEN", b"12345678Z", subject.encode(), PDF) if t in data]
    return found


def test_killed_mid_instancia_restarts_with_nothing_of_the_citizen(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    started = time.monotonic()
    kiosk = start_kiosk(tmp_path, card_backend, pcsc_stack)
    subject = f"Fanal {uuid.uuid4().hex[:6]}"
    try:
        copy = walk_to_the_attachment(kiosk, testcards, subject)
        [folder] = kiosk.session_folders()
        assert kiosk.open_sessions() == 1
        pid = kiosk.kill()
        assert folder.name.startswith(f"{PREFIX}{pid}-") and copy.exists()  # nobody wiped it
        testcards.remove(reader=READER_INDEX)  # the citizen takes the card and goes
        screen = kiosk.restart()
        assert kiosk.tmux.pid() != pid
        assert "Pas 3 de" not in screen
        assert_nothing_of_the_citizen(kiosk, subject)
        assert not folder.exists() and kiosk.session_folders() == [], "the killed run's session folder"
        deadline = time.monotonic() + 15
        while kiosk.open_sessions():  # POST /v1/kiosks/started, in a thread once the screen is up
            assert time.monotonic() < deadline, "the killed run's backend session is still open"
            time.sleep(0.2)
        assert kiosk.entries() == []
        print(f"kill to restart with the session ended: {time.monotonic() - started:.1f} s in all")
    finally:
        print(kiosk.tmux.screen())
        kiosk.tmux.close()
        testcards.remove(reader=READER_INDEX)


def test_reply_lost_by_a_killed_kiosk_is_registered_once_and_never_sent_again(
    tmp_path: Path, pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo
) -> None:
    proxy = FaultProxy(card_backend.url, slow_seconds=60)  # holds the backend's reply past the kill
    kiosk = start_kiosk(tmp_path, card_backend, pcsc_stack, url=proxy.url)
    subject = f"Fanal {uuid.uuid4().hex[:6]}"
    try:
        walk_to_the_attachment(kiosk, testcards, subject)
        press_until(kiosk, ("F2",), "Pas 4 de")  # contact
        press_until(kiosk, ("F2",), "Reviseu les dades")
        proxy.arm("slow", "POST", "/v1/instancies")
        kiosk.tmux.send("Enter")  # Send
        deadline = time.monotonic() + 20
        while not kiosk.entries():  # the backend has committed; its reply is held
            assert time.monotonic() < deadline, f"nothing registered:\n{kiosk.tmux.screen()}"
            time.sleep(0.1)
        assert proxy.applied == [("slow", "POST", "/v1/instancies")]
        pid = kiosk.kill()
        proxy.disarm()
        # The card is still in the reader: the new run starts with the attract screen or, having seen the
        # card, asks for its PIN (and may name its holder); nothing of the instància is left.
        kiosk.tmux.respawn()
        screen = kiosk.wait_for_any((ATTRACT, "PIN"))
        assert subject not in kiosk.tmux.history() and FILE not in kiosk.tmux.history()
        assert "Pas " not in screen
        assert not [f for f in kiosk.session_folders() if f.name.startswith(f"{PREFIX}{pid}-")]
        if "PIN" not in screen:  # the citizen takes the card out and puts it in again
            testcards.remove(reader=READER_INDEX)
            time.sleep(1.0)
            testcards.insert("dnie3-valid", reader=READER_INDEX)
        log_in(kiosk)  # the citizen logs in again
        time.sleep(5)  # as long as a kiosk would take to send anything it had kept
        [entry] = kiosk.entries()
        sent = [seen for seen in proxy.seen if seen == ("POST", "/v1/instancies")]
        assert sent == [("POST", "/v1/instancies")], "the instància was sent again"
        # What the citizen at the counter is found by: her ID number, the registry number, the subject
        # in the receipt as issued, the attachment as sent.
        assert entry.registry_number.startswith("E/") and entry.id_number == "12345678Z"
        assert json.loads(entry.receipt)["subject"] == subject
        files = db_rows(
            card_backend, "select name, sha256 from instancia_attachments where instancia_id = :i", i=entry.id
        )
        assert [(f.name, f.sha256) for f in files] == [(FILE, hashlib.sha256(PDF).hexdigest())]
        # The receipt's CSV verifies it (GET /v1/verify/{csv}), as staff check a registry entry.
        verified = requests.get(f"{card_backend.url}/v1/verify/{entry.csv}", timeout=10)
        assert verified.status_code == 200 and verified.json()["kind"] == "instancia", verified.text
        assert kiosk.open_sessions() == 1  # the new login's; the killed run's ended at the start
    finally:
        print(kiosk.tmux.screen())
        kiosk.tmux.close()
        proxy.close()
        testcards.remove(reader=READER_INDEX)
