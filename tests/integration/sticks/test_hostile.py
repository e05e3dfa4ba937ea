"""A hostile USB stick, made of real files in a real folder (the mount root): a FIFO, device nodes, a
symbolic link loop, a link out of the root, a sparse 100 GB file, a folder of 100,000 entries, files the
kiosk may not read, a file removed between the listing and the copy, and one that changes while it is
copied. The scan and the copy never hang, never read outside the root, never leave a copy behind, and
the citizen is told each case plainly, in their language (Catalan here)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from contract.limits import MB
from kiosk.i18n import set_language
from kiosk.procedures import attachments as att
from kiosk.procedures.attachments import AttachmentError, Candidate, Listing, StickScanner, copy_into
from kiosk.procedures.validation import describe
from tests.fixtures.sticks import refuse_open

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def catalan() -> Iterator[None]:
    set_language("ca")
    yield
    set_language("ca")


def bounded(call: Callable[[], T], seconds: float = 10) -> T:
    """`call()` in a thread: the test fails (instead of hanging) when it does not return in time."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if errors:
        raise errors[0]
    return result[0]


def listing(root: Path) -> Listing:
    found = bounded(lambda: StickScanner([root]).scan_if_idle())
    assert found is not None
    return found


def by_key(found: Listing) -> dict[str, Candidate]:
    return {c.key: c for c in found.candidates}


def notices(found: Listing) -> list[str]:
    return [describe(n) for n in found.notices]


def copy_refused(candidate: Candidate, session: Path) -> str:
    """Copy `candidate` (as the picker would, checks bypassed); the refusal, in Catalan. Nothing stays."""
    with pytest.raises(AttachmentError) as caught:
        bounded(lambda: copy_into(candidate, session, 0))
    assert not [p for p in session.rglob("*") if p.is_file()], "a copy was left behind"
    return describe(caught.value.issue)


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "media" / "USB"
    folder.mkdir(parents=True)
    (folder / "bo.pdf").write_bytes(PDF)
    return folder


def test_special_files_and_links_are_told_never_listed_nor_read(stick: Path, tmp_path: Path) -> None:
    outside = tmp_path / "fora"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    os.mkfifo(stick / "cua.pdf")  # opening it for reading would wait for a writer forever
    if os.geteuid() == 0:
        os.mknod(stick / "zero.pdf", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless
        os.mknod(stick / "tty.pdf", 0o644 | stat.S_IFCHR, os.makedev(5, 0))  # /dev/tty
        specials = 6
    else:
        specials = 4  # mknod needs CAP_MKNOD: the device nodes are left out
    os.symlink("llac.pdf", stick / "llac.pdf")  # a link to itself
    os.symlink(outside / "secret.pdf", stick / "fora.pdf")
    os.symlink(outside, stick / "carpeta-fora")
    started = time.monotonic()
    found = listing(stick.parent)
    assert time.monotonic() - started < 2
    assert list(by_key(found)) == ["USB/bo.pdf"]
    assert all(c.path.is_relative_to(stick) for c in found.candidates)
    assert found.skipped == specials
    assert notices(found) == [
        "Els enllaços i els fitxers especials del llapis USB no es poden adjuntar i no es mostren "
        f"({specials}). Copieu els fitxers mateixos al llapis USB."
    ]
    set_language("es")
    assert "Los enlaces y los archivos especiales del lápiz USB" in notices(found)[0]
    if os.geteuid() != 0:
        pytest.skip("device nodes need CAP_MKNOD (not root): the FIFO and the links were checked")


def test_a_listed_file_swapped_for_a_device_is_refused_unread(stick: Path, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mknod needs CAP_MKNOD (the tests run as root in CI)")
    good = by_key(listing(stick.parent))["USB/bo.pdf"]
    (stick / "bo.pdf").unlink()
    os.mknod(stick / "bo.pdf", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero in its place
    assert copy_refused(good, tmp_path / "session") == (
        "El fitxer ha canviat al llapis USB després de mostrar-se a la llista: torneu-lo a triar."
    )


def test_a_sparse_100_gb_file_is_refused_by_its_size_without_reading_it(stick: Path, tmp_path: Path) -> None:
    with (stick / "enorme.pdf").open("wb") as huge:
        huge.write(PDF)
        huge.truncate(100 * 1024**3)
    started = time.monotonic()
    candidate = by_key(listing(stick.parent))["USB/enorme.pdf"]
    assert candidate.refusal is not None
    assert describe(candidate.refusal) == (
        "Massa gran (100.0 GB); com a màxim 10.0 MB per fitxer. Reduïu-ne la mida o porteu-lo en paper."
    )
    assert copy_refused(candidate, tmp_path / "session").startswith("Massa gran (100.0 GB)")
    assert time.monotonic() - started < 2  # nothing of the 100 GB was read


def _big_folder_root(tmp_path: Path) -> Iterator[Path]:
    """A mount root for the folder of 100,000 entries: on a tmpfs when there is one (making 100,000
    files takes ~1 s there and ~5 s on ext4), else under tmp_path."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="ovac-stick-", dir=shm))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path / "big-root"


@pytest.fixture
def big_root(tmp_path: Path) -> Iterator[Path]:
    yield from _big_folder_root(tmp_path)


def test_a_folder_of_100000_entries_is_cut_and_told(big_root: Path) -> None:
    folder = big_root / "PLE" / "fotos"
    folder.mkdir(parents=True)
    for n in range(100_000):
        os.close(os.open(folder / f"f{n:06d}.pdf", os.O_CREAT | os.O_WRONLY, 0o644))
    (big_root / "PLE" / "a.pdf").write_bytes(PDF)
    started = time.monotonic()
    found = listing(big_root)
    took = time.monotonic() - started
    assert took < 2, f"{took:.2f} s"  # ~0.1 s measured: the scan reads at most SCAN_MAX_ENTRIES
    assert by_key(found)["PLE/a.pdf"].refusal is None
    assert len(found.candidates) <= att.SCAN_MAX_FILES
    assert notices(found)[0].startswith("Hi ha massa fitxers al llapis USB: només se'n mostren els")


def as_kiosk_user(root: Path, session: Path) -> dict[str, object]:
    """The scan and a copy of `USB/protegit.pdf`, in a forked child that is an unprivileged user (nobody)
    when the tests run as root; what it saw, in Catalan. (A fork: the child needs no access to the venv,
    which may live in root's home.)"""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            found = {c.key: c for c in StickScanner([root]).scan()}
            out: dict[str, object] = {
                "uid": os.geteuid(),
                "listed": {k: describe(c.refusal) if c.refusal else None for k, c in found.items()},
            }
            try:
                copy_into(found["USB/protegit.pdf"], session, 0)
            except AttachmentError as exc:
                out["copy"] = describe(exc.issue)
            out["left"] = sorted(str(p) for p in session.rglob("*") if p.is_file())
            os.write(write, json.dumps(out).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data
    result: dict[str, object] = json.loads(data)
    return result


def test_a_file_the_kiosk_may_not_read(tmp_path: Path) -> None:
    # The kiosk runs as its own user (ovac-kiosk), which a file of mode 000 refuses (root is never
    # refused): the scan and the copy run as an unprivileged user, on a folder it can reach (pytest's
    # tmp_path is private to root).
    base = Path(tempfile.mkdtemp(prefix="ovac-unreadable-"))
    try:
        stick = base / "media" / "USB"
        stick.mkdir(parents=True)
        for folder in (base, base / "media", stick):
            folder.chmod(0o755)
        (stick / "bo.pdf").write_bytes(PDF)
        (stick / "bo.pdf").chmod(0o644)
        (stick / "protegit.pdf").write_bytes(PDF)
        (stick / "protegit.pdf").chmod(0o000)
        session = base / "session"
        session.mkdir()
        session.chmod(0o777)
        out = bounded(lambda: as_kiosk_user(base / "media", session), seconds=30)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert out["uid"] != 0
    refused = (
        "El quiosc no té permís per llegir aquest fitxer (està protegit al llapis USB): copieu-lo sense "
        "protecció, o porteu-lo en paper."
    )
    assert out["listed"] == {"USB/bo.pdf": None, "USB/protegit.pdf": refused}  # not "not a PDF"
    assert out["copy"] == refused
    assert out["left"] == []


def test_a_file_removed_between_the_listing_and_the_copy(stick: Path, tmp_path: Path) -> None:
    good = by_key(listing(stick.parent))["USB/bo.pdf"]
    (stick / "bo.pdf").unlink()
    assert copy_refused(good, tmp_path / "session") == (
        "No s'ha pogut llegir el fitxer. Comproveu que el llapis USB estigui connectat i torneu a triar el "
        "fitxer."
    )


def test_an_injected_permission_error_at_the_open_is_told(
    stick: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one place a stick's file is opened (`open_beneath`, its last `os.open`) refusing, as a
    protected file on a stick refuses the kiosk user (EACCES) or a filesystem refuses everyone (EPERM)."""
    good = by_key(listing(stick.parent))["USB/bo.pdf"]
    refuse_open(monkeypatch, "bo.pdf", errno.EPERM)
    assert copy_refused(good, tmp_path / "session").startswith("El quiosc no té permís per llegir")


@pytest.mark.parametrize("change", ["grows", "shrinks"])
def test_a_file_that_changes_while_it_is_copied(
    change: str, stick: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is written to between two chunks of the copy (a real write, through its own descriptor):
    the copy is refused and removed, whatever was read so far."""
    big = stick / "gran.pdf"
    big.write_bytes(PDF + b"0" * (3 * MB))
    good = by_key(listing(stick.parent))["USB/gran.pdf"]
    real_read = os.read
    calls = 0

    def read_then_change(fd: int, size: int) -> bytes:
        nonlocal calls
        chunk = real_read(fd, size)
        if size == MB:
            calls += 1
            if calls == 1:
                with big.open("r+b") as other:
                    if change == "grows":
                        other.seek(0, os.SEEK_END)
                        other.write(b"% appended while the kiosk was copying\n")
                    else:
                        other.truncate(MB + 10)
        return chunk

    monkeypatch.setattr(os, "read", read_then_change)
    assert copy_refused(good, tmp_path / "session") == (
        "El fitxer ha canviat al llapis USB després de mostrar-se a la llista: torneu-lo a triar."
    )
    assert calls >= 1
