"""The attachment checks and the USB stick listing: only under the mount roots, checked by content."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contract.attachments import HEAD_BYTES, attachment_name_problem
from kiosk.i18n import set_language
from kiosk.procedures import attachments as att
from kiosk.procedures.attachments import (
    NOT_A_DOCUMENT,
    AttachmentError,
    StickScanner,
    check_addition,
    copy_into,
)
from kiosk.procedures.validation import Issue, describe

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    stick = root / "USB_DISK"
    (stick / "docs").mkdir(parents=True)
    (stick / "docs" / "dni.pdf").write_bytes(PDF)
    (stick / "foto.png").write_bytes(PNG)
    (stick / "carta.jpg").write_bytes(JPEG)
    (stick / "factura.pdf").write_bytes(EXE)  # a renamed .exe posing as a PDF
    (stick / "buit.pdf").write_bytes(b"")
    (stick / ".amagat.pdf").write_bytes(PDF)
    (stick / ("n" * 81 + ".pdf")).write_bytes(PDF)
    return root


def by_key(candidates: list[att.Candidate]) -> dict[str, att.Candidate]:
    return {c.key: c for c in candidates}


def test_content_checked_by_the_contracts_sniff() -> None:
    for content in (PDF, PNG, JPEG):
        assert att.check_content(len(content), content[:HEAD_BYTES]) is None
    refused = Issue(NOT_A_DOCUMENT)
    assert att.check_content(len(EXE), EXE[:16]) == refused
    # Only a real PDF header passes, as the backend checks it (the version, then white space).
    assert att.check_content(100, b"%PDF-trailing-junk") == refused


@pytest.mark.parametrize(
    "name",
    ["informe..pdf", "..pdf", "a..b.pdf", ". .", "x" * 81, "tab\tname.pdf", "bar\\foo.pdf", "zw\u200bsp.pdf"],
)
def test_names_the_backend_refuses_are_refused_here(name: str) -> None:
    assert attachment_name_problem(name) is not None
    assert att.check_name(name) is not None


def test_two_dots_in_a_row_told_in_the_citizens_language() -> None:
    issue = att.check_name("informe..final.pdf")
    assert issue is not None and ".." in issue.message
    set_language("ca")
    try:
        assert "dos punts seguits" in describe(issue)
        set_language("es")
        assert "dos puntos seguidos" in describe(issue)
    finally:
        set_language("en")
    assert att.check_name("informe.final.pdf") is None


def test_scan_lists_files_with_reasons(media: Path) -> None:
    found = by_key(StickScanner([media]).scan())
    assert found["USB_DISK/docs/dni.pdf"].refusal is None
    assert found["USB_DISK/foto.png"].refusal is None
    assert found["USB_DISK/carta.jpg"].refusal is None
    assert found["USB_DISK/factura.pdf"].refusal is not None
    assert "PDF, JPEG or PNG" in found["USB_DISK/factura.pdf"].refusal.message
    assert found["USB_DISK/buit.pdf"].refusal == Issue("The file is empty. Choose another file.")
    long_name = found["USB_DISK/" + "n" * 81 + ".pdf"].refusal
    assert long_name is not None and long_name.values["length"] == 85
    assert not any(".amagat" in k for k in found)


def test_oversized_file(media: Path) -> None:
    big = media / "USB_DISK" / "gran.pdf"
    with big.open("wb") as f:
        f.write(PDF)
        f.truncate(att.MAX_FILE_BYTES + 1)
    refusal = by_key(StickScanner([media]).scan())["USB_DISK/gran.pdf"].refusal
    assert refusal is not None and refusal.message.startswith("Too big")
    exact = media / "USB_DISK" / "just.pdf"
    with exact.open("wb") as f:
        f.write(PDF)
        f.truncate(att.MAX_FILE_BYTES)
    assert by_key(StickScanner([media]).scan())["USB_DISK/just.pdf"].refusal is None


def test_never_leaves_the_roots(media: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwords.pdf").write_bytes(PDF)
    stick = media / "USB_DISK"
    os.symlink(secret / "passwords.pdf", stick / "link-out.pdf")
    os.symlink(secret, stick / "folder-out")
    os.symlink("../../secret/passwords.pdf", stick / "dotdot.pdf")
    os.symlink(stick / "foto.png", stick / "link-in.png")
    os.symlink(stick, stick / "loop")
    found = StickScanner([media]).scan()
    keys = {c.key for c in found}
    assert "USB_DISK/link-in.png" in keys
    assert not {"USB_DISK/link-out.pdf", "USB_DISK/dotdot.pdf"} & keys
    assert not any(k.startswith(("USB_DISK/folder-out", "USB_DISK/loop")) for k in keys)
    assert all(c.path.resolve().is_relative_to(media.resolve()) for c in found)


def test_missing_roots_and_a_stick_plugged_in_later(tmp_path: Path) -> None:
    root = tmp_path / "media"
    scanner = StickScanner([tmp_path / "nope", root])
    assert scanner.scan() == []
    (root / "STICK").mkdir(parents=True)
    (root / "STICK" / "a.pdf").write_bytes(PDF)
    assert [c.key for c in scanner.scan()] == ["STICK/a.pdf"]


def test_a_changed_file_is_checked_again(media: Path) -> None:
    scanner = StickScanner([media])
    assert by_key(scanner.scan())["USB_DISK/foto.png"].refusal is None
    target = media / "USB_DISK" / "foto.png"
    target.write_bytes(EXE + b"more")
    assert by_key(scanner.scan())["USB_DISK/foto.png"].refusal is not None


def test_scan_is_bounded(tmp_path: Path) -> None:
    stick = tmp_path / "media" / "S"
    deep = stick
    for level in range(att.SCAN_MAX_DEPTH + 3):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "deep.pdf").write_bytes(PDF)
    for n in range(att.SCAN_MAX_FILES + 20):
        (stick / f"f{n:04d}.pdf").write_bytes(PDF)
    found = StickScanner([tmp_path / "media"]).scan()
    assert len(found) == att.SCAN_MAX_FILES
    assert not any("deep.pdf" in c.key for c in found)


def test_count_total_and_duplicates(media: Path, tmp_path: Path) -> None:
    good = by_key(StickScanner([media]).scan())["USB_DISK/docs/dni.pdf"]
    ten = [att.Candidate(f"k{n}", good.path, f"{n}.pdf", 1000, None) for n in range(10)]
    refusal = check_addition(ten, good)
    assert refusal is not None and refusal.values == {"limit": 10}
    assert check_addition(ten[:9], good) is None
    assert check_addition([att.Candidate("x", good.path, "dni.pdf", 10, None)], good) is not None
    heavy = [att.Candidate(f"h{n}", good.path, f"h{n}.pdf", att.MAX_FILE_BYTES, None) for n in range(9)]
    almost = att.Candidate(
        "big", good.path, "big.pdf", att.MAX_TOTAL_BYTES - 9 * att.MAX_FILE_BYTES + 1, None
    )
    assert check_addition(heavy, almost) is not None
    exe = by_key(StickScanner([media]).scan())["USB_DISK/factura.pdf"]
    assert check_addition([], exe) is exe.refusal


def test_copy_into_keeps_name_and_hash(media: Path, tmp_path: Path) -> None:
    import hashlib

    good = by_key(StickScanner([media]).scan())["USB_DISK/docs/dni.pdf"]
    attached = copy_into(good, tmp_path / "session", 0)
    assert attached.copy.read_bytes() == PDF and attached.copy.name == "dni.pdf"
    assert attached.sha256 == hashlib.sha256(PDF).hexdigest()
    assert oct(attached.copy.stat().st_mode & 0o777) == "0o600"
    att.discard(attached)
    assert not attached.copy.exists() and not attached.copy.parent.exists()


def test_copy_checks_again_what_it_reads(media: Path, tmp_path: Path) -> None:
    scanner = StickScanner([media])
    good = by_key(scanner.scan())["USB_DISK/foto.png"]
    (media / "USB_DISK" / "foto.png").write_bytes(EXE)  # swapped after the listing
    with pytest.raises(AttachmentError) as caught:
        copy_into(good, tmp_path / "session", 1)
    assert "PDF, JPEG or PNG" in caught.value.issue.message
    assert not list((tmp_path / "session").rglob("*.png"))


def test_copy_of_a_removed_stick(media: Path, tmp_path: Path) -> None:
    import shutil

    good = by_key(StickScanner([media]).scan())["USB_DISK/carta.jpg"]
    shutil.rmtree(media / "USB_DISK")
    with pytest.raises(AttachmentError) as caught:
        copy_into(good, tmp_path / "session", 2)
    assert caught.value.issue.message == att.PULLED  # "check that the USB stick is plugged in"


# ---------------------------------------------------------------------------------------- hostile sticks
def test_a_symlink_loop_hides_nothing(media: Path, tmp_path: Path) -> None:
    stick = media / "USB_DISK"
    os.symlink("b.pdf", stick / "a.pdf")
    os.symlink("a.pdf", stick / "b.pdf")  # a -> b -> a: Path.resolve raises RuntimeError in 3.11
    os.symlink("self", stick / "self")
    loop_root = tmp_path / "loop-root"
    os.symlink(loop_root, loop_root)  # a mount root that is itself a loop
    found = by_key(StickScanner([loop_root, media]).scan())
    assert found["USB_DISK/foto.png"].refusal is None
    assert not {"USB_DISK/a.pdf", "USB_DISK/b.pdf", "USB_DISK/self"} & found.keys()


def test_entries_read_are_bounded_and_the_citizen_is_told(tmp_path: Path) -> None:
    stick = tmp_path / "media" / "S"
    stick.mkdir(parents=True)
    for n in range(300):
        (stick / f".amagat{n:03d}").write_bytes(b"")  # entries that are read but never listed
    for n in range(30):
        (stick / f"f{n:02d}.pdf").write_bytes(PDF)
    listing = StickScanner([tmp_path / "media"], max_entries=100).scan_if_idle()
    assert listing is not None and listing.overflow is not None
    assert listing.overflow.message == att.TOO_MANY
    assert listing.overflow.values == {"count": len(listing.candidates)}
    assert len(listing.candidates) <= 30
    complete = StickScanner([tmp_path / "media"], max_entries=1000).scan_if_idle()
    assert complete is not None and complete.overflow is None and len(complete.candidates) == 30


def test_the_default_bound_cuts_a_huge_folder(tmp_path: Path) -> None:
    stick = tmp_path / "media" / "S"
    stick.mkdir(parents=True)
    for n in range(att.SCAN_MAX_ENTRIES + 50):
        (stick / f"n{n:05d}.txt").touch()
    listing = StickScanner([tmp_path / "media"]).scan_if_idle()
    assert listing is not None and listing.overflow is not None
    assert len(listing.candidates) <= min(att.SCAN_MAX_ENTRIES, att.SCAN_MAX_FILES)


def test_the_file_cap_is_told_too(tmp_path: Path) -> None:
    stick = tmp_path / "media" / "S"
    stick.mkdir(parents=True)
    for n in range(12):
        (stick / f"f{n:02d}.pdf").write_bytes(PDF)
    listing = StickScanner([tmp_path / "media"], max_files=10).scan_if_idle()
    assert listing is not None and len(listing.candidates) == 10 and listing.overflow is not None


def test_scans_never_overlap(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    inside, release = threading.Event(), threading.Event()
    real_scandir = os.scandir

    def held_scandir(path: Path) -> object:  # the first scan waits inside, holding its place
        if not inside.is_set():
            inside.set()
            release.wait(10)
        return real_scandir(path)

    scanner = StickScanner([media])
    monkeypatch.setattr(os, "scandir", held_scandir)
    results: list[att.Listing | None] = []
    first = threading.Thread(target=lambda: results.append(scanner.scan_if_idle()))
    first.start()
    assert inside.wait(10)
    assert scanner.scan_if_idle() is None  # skipped at once, not queued behind the running one
    release.set()
    first.join(10)
    assert results and results[0] is not None and "USB_DISK/foto.png" in by_key(results[0].candidates)
    assert scanner.scan_if_idle() is not None


def test_a_file_swapped_for_a_fifo_never_blocks_the_copy(media: Path, tmp_path: Path) -> None:
    import threading

    good = by_key(StickScanner([media]).scan())["USB_DISK/foto.png"]
    fifo = media / "USB_DISK" / "foto.png"
    fifo.unlink()
    os.mkfifo(fifo)  # swapped between the listing and the copy
    caught: list[BaseException] = []

    def copy() -> None:
        try:
            copy_into(good, tmp_path / "session", 0)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            caught.append(exc)

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():  # the old copy blocks in open(): give it a writer so the thread can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail("the copy blocked on a FIFO")
    assert len(caught) == 1 and isinstance(caught[0], AttachmentError)
    assert caught[0].issue.message == att.CHANGED
    assert not list((tmp_path / "session").rglob("foto.png"))


def test_a_folder_swapped_for_a_link_out_of_the_stick_is_refused(media: Path, tmp_path: Path) -> None:
    good = by_key(StickScanner([media]).scan())["USB_DISK/docs/dni.pdf"]
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "dni.pdf").write_bytes(PDF + b"% secret of someone else\n")
    docs = media / "USB_DISK" / "docs"
    docs.rename(media / "USB_DISK" / "docs-old")
    os.symlink(secret, docs)  # the parent folder, not the file: O_NOFOLLOW alone does not see it
    with pytest.raises(AttachmentError) as caught:
        copy_into(good, tmp_path / "session", 0)
    assert caught.value.issue.message == att.CHANGED
    assert not list((tmp_path / "session").rglob("dni.pdf"))


def test_a_file_swapped_for_a_link_is_refused(media: Path, tmp_path: Path) -> None:
    good = by_key(StickScanner([media]).scan())["USB_DISK/carta.jpg"]
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(JPEG)
    (media / "USB_DISK" / "carta.jpg").unlink()
    os.symlink(secret, media / "USB_DISK" / "carta.jpg")
    with pytest.raises(AttachmentError) as caught:
        copy_into(good, tmp_path / "session", 0)
    assert caught.value.issue.message == att.CHANGED


# ---------------------------------------------------------------------------------------- names
MARKUP_NAMES = (
    "[@click=app.quit]TOCA AQUI.pdf",
    "[a=b=c].pdf",
    "[bold red]x[reset].pdf",
    "Factura [2024] @ 50%=ok.pdf",
)
ESCAPE_NAMES = ("\x1b[2Jnet.pdf", "\x1b]0;x\x1b\\titol.pdf", "\x1b[31mvermell.pdf", "fitxer\u202efdp.exe.pdf")


def test_names_markup_allowed_controls_bidi_refused_for_files_and_folders(tmp_path: Path) -> None:
    """`[`, `]`, `@`, `=` are ordinary characters of a name (shown as they are, see the picker's tests);
    a control or format character, or an undecodable byte, in a file's or a folder's name is refused."""
    stick = tmp_path / "media" / "USB"
    folder = stick / "[a=b=c]" / "[@click=app.quit]"
    folder.mkdir(parents=True)
    for name in MARKUP_NAMES:
        (stick / name).write_bytes(PDF)
        (folder / name).write_bytes(PDF)
    (stick / os.fsdecode(b"carta\xff.pdf")).write_bytes(PDF)  # not UTF-8: a surrogate in Python
    for name in ESCAPE_NAMES:
        (stick / name).write_bytes(PDF)
        (stick / name.replace(".pdf", "")).mkdir()
        (stick / name.replace(".pdf", "") / "bo.pdf").write_bytes(PDF)
    found = by_key(StickScanner([tmp_path / "media"]).scan())
    for name in MARKUP_NAMES:
        assert found[f"USB/{name}"].refusal is None and found[f"USB/{name}"].name == name
        assert found[f"USB/[a=b=c]/[@click=app.quit]/{name}"].refusal is None
    invisible = Issue("The name has invisible characters: rename the file.")
    assert found[os.fsdecode(b"USB/carta\xff.pdf")].refusal == invisible
    for name in ESCAPE_NAMES:
        file_refusal = found[f"USB/{name}"].refusal
        assert file_refusal == invisible
        folder_refusal = found[f"USB/{name.replace('.pdf', '')}/bo.pdf"].refusal
        assert folder_refusal == att.check_folder_name(name)
        assert folder_refusal is not None and "folder" in folder_refusal.message
    assert att.check_folder_name("Factures [2024]") is None
