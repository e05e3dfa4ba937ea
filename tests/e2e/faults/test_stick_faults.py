"""The fault matrix's faults of the instància's attachment copy, on real filesystems: the kiosk's temp folder
full (a small tmpfs) while a file is copied, and the USB stick pulled while a large file is copied (an ext4
stick on a loop device: the kernel holds the copy's second read until the filesystem is shut down, as a
pulled drive's is, and lazily unmounted; the read then fails with EIO).

At each: no hang, a plain message in Catalan next to the file, nothing of the copy left in the session's
temp folder, the files attached before kept, what the citizen typed kept; the citizen attaches another
file (or the same once there is room again) and the instància is sent once, with what was attached."""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import struct
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.app import KioskApp
from kiosk.procedures import instancia
from kiosk.procedures.identify import InsertCardScreen
from tests.e2e.faults.conftest import CardFaults
from tests.e2e.faults.matrix import survived
from tests.e2e.faults.walks import faulty_kiosk, fill_disk
from tests.e2e.procedures.helpers import READER_INDEX, SIZE, card_login, db_rows, launch, new_visit
from tests.harness import Driver, drive
from widgets.file_picker import FilePicker

#: What the citizen reads next to the file (Catalan).
NO_ROOM = "El quiosc no té espai per copiar el fitxer"
PULLED = "No s'ha pogut llegir el fitxer. Comproveu que el llapis USB estigui connectat"
PDF_HEAD = b"%PDF-1.7\n1 0 obj<<>>endobj\n"
PDF_TAIL = b"\ntrailer<<>>\n%%EOF\n"


def pdf(size: int) -> bytes:
    return PDF_HEAD + os.urandom(max(0, size - len(PDF_HEAD) - len(PDF_TAIL))) + PDF_TAIL


def mounted(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"{argv[0]} {argv[-1]} refused here: {done.stderr.decode(errors='replace').strip()}")


@pytest.fixture
def small_temp(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs for the kiosk's temp folder."""
    where = tmp_path / "small"
    where.mkdir()
    mounted(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(where)])
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def ext4_stick(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB ext4 filesystem on a loop device, mounted as the stick `USB` under `tmp_path/media`."""
    image, where = tmp_path / "stick.img", tmp_path / "media" / "USB"
    where.mkdir(parents=True)
    with open(image, "wb") as out:
        out.truncate(24 * 1024 * 1024)
    mounted(["mkfs.ext4", "-q", "-F", str(image)])
    mounted(["mount", "-o", "loop,nosuid,nodev,noexec", str(image), str(where)])
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)
        loops = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True, check=False)
        for line in loops.stdout.splitlines():
            subprocess.run(["losetup", "-d", line.split(":")[0]], check=False, capture_output=True)


def pull(stick: Path) -> None:
    """What the kernel does when the drive goes away: the filesystem shut down (every read, even of what
    is cached, fails with EIO: ext4's EXT4_IOC_SHUTDOWN), then the mount lazily detached (udisks's)."""
    folder = os.open(stick, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.ioctl(folder, 0x8004587D, struct.pack("I", 2))  # EXT4_IOC_SHUTDOWN, EXT4_GOING_FLAGS_NOLOGFLUSH
    finally:
        os.close(folder)
    subprocess.run(["umount", "-l", str(stick)], check=True, capture_output=True)


class ReadGate:
    """Holds reads of files on one mount with fanotify permission events (the reading thread waits in the
    kernel for this gate's answer): the `after`+1-th read of `name` runs `action` first, then goes on."""

    _ACCESS_PERM, _ALLOW = 0x00020000, 1
    _EVENT = struct.Struct("=IBBHQii")

    def __init__(self, mount: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        # FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK
        self._fd = libc.fanotify_init(0x4 | 0x1 | 0x2, os.O_RDONLY | os.O_LARGEFILE)
        if self._fd < 0:
            pytest.skip(f"no fanotify here: {os.strerror(ctypes.get_errno())}")
        # FAN_MARK_ADD | FAN_MARK_MOUNT
        if (
            libc.fanotify_mark(self._fd, 0x1 | 0x10, ctypes.c_uint64(self._ACCESS_PERM), -100, bytes(mount))
            < 0
        ):
            problem = os.strerror(ctypes.get_errno())
            os.close(self._fd)
            pytest.skip(f"no fanotify permission events here: {problem}")
        self._armed: tuple[str, int, Callable[[], None]] | None = None
        self.fired = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-gate", daemon=True)
        self._thread.start()

    def arm(self, name: str, after: int, action: Callable[[], None]) -> None:
        self._armed = (name, after, action)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self._fd)  # any read still held goes on

    def _run(self) -> None:
        while not self._stop.is_set():
            if not select.select([self._fd], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self._fd, 4096)
            except BlockingIOError:
                continue
            offset = 0
            while offset + self._EVENT.size <= len(data):
                length, _, _, _, _, fd, _ = self._EVENT.unpack_from(data, offset)
                offset += length
                try:
                    self._held(fd)
                finally:
                    os.write(self._fd, struct.pack("=iI", fd, self._ALLOW))
                    os.close(fd)

    def _held(self, fd: int) -> None:
        armed = self._armed
        if armed is None or not os.readlink(f"/proc/self/fd/{fd}").endswith("/" + armed[0]):
            return
        name, after, action = armed
        if after > 0:
            self._armed = (name, after - 1, action)
            return
        self._armed = None
        try:
            action()
        finally:
            self.fired.set()


def attachments_folder(app: KioskApp) -> Path:
    session = app.session
    assert session is not None
    return session.temp_dir / "attachments"


def copies(app: KioskApp) -> list[str]:
    """Every file and folder in the session's attachments folder, relative to it."""
    folder = attachments_folder(app)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


async def choose(driver: Driver, key: str) -> FilePicker:
    picker = driver.app.screen.query_one(FilePicker)
    await driver.wait_for(lambda: key in [e.key for e in picker.entries], what=f"{key} listed")
    picker.focus()
    picker.highlighted = [e.key for e in picker.entries].index(key) + (1 if picker.notice else 0)
    await driver.press("enter")
    return picker


def note_of(picker: FilePicker, key: str) -> str:
    return " ".join(next((e.note for e in picker.entries if e.key == key), "").split())


async def test_attachment_copy_survives_a_full_disk_and_the_stick_pulled(
    tmp_path: Path, card_faults: CardFaults, small_temp: Path, ext4_stick: Path
) -> None:
    media = ext4_stick.parent
    (ext4_stick / "petit.pdf").write_bytes(pdf(2_000))
    (ext4_stick / "mitja.pdf").write_bytes(pdf(600_000))
    (ext4_stick / "gran.pdf").write_bytes(pdf(3_000_000))
    os.sync()
    gate = ReadGate(ext4_stick)
    eid = {"pkcs11_module": str(card_faults.pcsc.pkcs11_module),
           "readers": [card_faults.pcsc.readers[READER_INDEX]]}  # fmt: skip
    app = faulty_kiosk(
        tmp_path, card_faults.backend, card_faults.proxy, eid=eid,
        attachments={"mount_roots": [str(media)]}, kiosk={"temp_dir": str(small_temp / "sessions")},
    )  # fmt: skip
    subject = f"Voreres {uuid.uuid4().hex[:8]}"
    exposo, solicito = "Que la vorera del carrer està trencada.", "Que l'arreglin."
    try:
        async with drive(app, size=SIZE) as driver:
            await new_visit(driver)
            assert launch(app, "instancia_generica")
            await driver.wait_screen(InsertCardScreen)
            await card_login(driver, card_faults.pcsc)
            step = await driver.wait_screen(instancia.SubjectStep, timeout=10)
            await driver.type(subject, into="#f-subject")
            await driver.wait_for(lambda: bool(step.state.departments), timeout=15, what="the departments")
            step.query_one("#department").focus()
            await driver.press("enter", "down", "down", "enter")
            await driver.wait_for(lambda: bool(step.state.department), what="a department chosen")
            await driver.click("#step-next")
            await driver.wait_screen(instancia.RequestStep)
            await driver.paste(exposo, into="#f-exposo")
            await driver.paste(solicito, into="#f-solicito")
            await driver.click("#step-next")
            attachments = await driver.wait_screen(instancia.AttachmentsStep)

            def attached() -> list[str]:
                return [a.name for a in attachments.state.attached]

            def typed_kept() -> None:
                state = attachments.state
                assert (state.subject, state.exposo, state.solicito) == (subject, exposo, solicito)

            picker = await choose(driver, "USB/petit.pdf")
            await driver.wait_for(lambda: attached() == ["petit.pdf"], what="petit.pdf attached")

            # 1. The temp folder's filesystem full while mitja.pdf is copied (256 KiB left of 600 KB).
            spare, filler = small_temp / "spare", small_temp / "filler"
            spare.write_bytes(b"\0" * 256 * 1024)
            fill_disk(filler, 65536)
            spare.unlink()
            picker = await choose(driver, "USB/mitja.pdf")
            await driver.wait_for(lambda: NO_ROOM in note_of(picker, "USB/mitja.pdf"), timeout=10,
                                  what="the kiosk's disk full, told next to the file")  # fmt: skip
            for word in ("Errno", "ENOSPC", "No space", "OSError"):
                assert word not in note_of(picker, "USB/mitja.pdf")
            assert attached() == ["petit.pdf"] and copies(app) == ["00", "00/petit.pdf"], copies(app)
            typed_kept()
            filler.unlink()  # room again: the citizen chooses the file again
            picker = await choose(driver, "USB/mitja.pdf")
            await driver.wait_for(lambda: attached() == ["petit.pdf", "mitja.pdf"], what="mitja.pdf attached")
            survived("temp folder full", "instancia", "attachments: the copy")

            # 2. The stick pulled while gran.pdf is copied: its first MB is written, then the drive goes.
            gate.arm("gran.pdf", after=1, action=lambda: pull(ext4_stick))
            picker = await choose(driver, "USB/gran.pdf")
            await driver.wait_for(lambda: PULLED in note_of(picker, "USB/gran.pdf") or
                                  not any(e.key == "USB/gran.pdf" for e in picker.entries), timeout=10,
                                  what="the copy to fail, without a hang")  # fmt: skip
            assert gate.fired.is_set(), "the copy was not held halfway"
            assert not os.path.ismount(ext4_stick)
            assert attached() == ["petit.pdf", "mitja.pdf"]
            assert all(a.copy.exists() for a in attachments.state.attached)
            assert not [c for c in copies(app) if "gran" in c], copies(app)
            assert len(copies(app)) == 4, copies(app)  # two slots, each with its file: no empty slot
            typed_kept()
            survived("stick pulled", "instancia", "attachments: the copy")
            # Another stick: the citizen attaches a file from it and goes on.
            (media / "ALTRE").mkdir()
            (media / "ALTRE" / "altre.pdf").write_bytes(pdf(5_000))
            picker = await choose(driver, "ALTRE/altre.pdf")
            await driver.wait_for(lambda: len(attached()) == 3, timeout=10, what="altre.pdf attached")
            await driver.click("#step-next")
            await driver.wait_screen(instancia.ContactStep)
            await driver.click("#step-next")
            await driver.wait_screen(instancia.InstanciaReview)
            await driver.click("#step-next")
            result = await driver.wait_screen(instancia.InstanciaResult, timeout=15)
    finally:
        gate.close()
    sql = (
        "select i.registry_number as number, a.name as name from instancies i "
        "join instancia_attachments a on a.instancia_id = i.id where i.receipt like :s order by a.name"
    )
    rows = db_rows(card_faults.backend, sql, s=f"%{subject}%")
    assert {r.number for r in rows} == {result.document.registry_number}
    assert [r.name for r in rows] == ["altre.pdf", "mitja.pdf", "petit.pdf"]
