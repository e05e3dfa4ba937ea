"""The printers' pure parts: reason mapping, the folder printer, building a printer from settings."""

from __future__ import annotations

import logging
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from printing.printers import (
    CupsPrinter,
    FolderPrinter,
    PrintProgress,
    PrintStatus,
    fault_of,
    printer_from_settings,
    prune_folder,
)


@pytest.mark.parametrize(
    ("reasons", "fault"),
    [
        (["none"], None),
        ([], None),
        (["media-empty-error"], PrintStatus.OUT_OF_PAPER),
        (["media-needed-report"], PrintStatus.OUT_OF_PAPER),
        (["media-jam-error"], PrintStatus.PAPER_JAM),
        (["offline-report"], PrintStatus.OFFLINE),
        (["paused"], PrintStatus.QUEUE_STOPPED),
        (["media-low-warning", "toner-low-warning"], None),  # warnings do not stop a job
        (["offline-report", "media-jam-error", "media-empty-error"], PrintStatus.PAPER_JAM),
    ],
)
def test_printer_state_reasons(reasons: list[str], fault: PrintStatus | None) -> None:
    assert fault_of(reasons) is fault


def test_faults_that_may_clear() -> None:
    assert {s for s in PrintStatus if s.is_fault_that_may_clear} == {
        PrintStatus.OUT_OF_PAPER,
        PrintStatus.PAPER_JAM,
        PrintStatus.OFFLINE,
    }


def test_folder_printer_writes_the_pdf_under_a_name_without_citizen_data(tmp_path: Path) -> None:
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"%PDF-1.7 test")
    printer = FolderPrinter(tmp_path / "printed", clock=lambda: datetime(2026, 3, 2, 10, 15, 0, 123))
    seen: list[PrintProgress] = []
    outcome = printer.submit(source, "Volant d'empadronament col·lectiu", on_progress=seen.append)
    assert outcome.printed and outcome.status is PrintStatus.PRINTED
    [written] = (tmp_path / "printed").iterdir()
    assert written.name == "20260302-101500-000123-volant-d-empadronament-collectiu.pdf"
    assert written.read_bytes() == source.read_bytes()
    assert str(written) in outcome.detail
    assert [p.state for p in seen] == ["printing"]


def test_folder_printer_that_cannot_write_is_offline(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"%PDF")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with caplog.at_level(logging.WARNING, logger="printing.printers"):
        outcome = FolderPrinter(blocker / "printed").submit(source, "Volant")
    assert outcome.status is PrintStatus.OFFLINE and outcome.detail
    assert "print failed (offline)" in caplog.text


def test_folder_printer_documents_are_the_kiosk_users_only(tmp_path: Path) -> None:
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"%PDF-1.7 citizen document")
    os.chmod(source, 0o644)
    old_umask = os.umask(0o022)  # a usual umask: files 0644 and folders 0755 unless the printer says so
    try:
        outcome = FolderPrinter(tmp_path / "printed").submit(source, "Volant")
    finally:
        os.umask(old_umask)
    assert outcome.printed
    [written] = (tmp_path / "printed").iterdir()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "printed").stat().st_mode) == 0o700
    assert written.read_bytes() == source.read_bytes()


def test_folder_printer_deletes_its_documents_after_the_retention(tmp_path: Path) -> None:
    folder = tmp_path / "printed"
    folder.mkdir()
    now = 1_800_000_000.0
    old = folder / "20260302-090000-000001-volant.pdf"
    recent = folder / "20260302-113000-000002-volant.pdf"
    half_written = folder / "20260302-090000-000003-volant.part"
    foreign = folder / "notes-of-the-trainer.pdf"  # not the printer's: never deleted
    for path, age in ((old, 3 * 3600 + 1), (recent, 3600), (half_written, 4 * 3600), (foreign, 99 * 3600)):
        path.write_bytes(b"%PDF")
        os.utime(path, (now - age, now - age))
    source = tmp_path / "doc.pdf"
    source.write_bytes(b"%PDF-1.7 new")
    printer = FolderPrinter(
        folder, clock=lambda: datetime(2026, 3, 2, 12, 0, 0, 4), keep_seconds=3 * 3600, now=lambda: now
    )
    assert printer.submit(source, "Certificat").printed
    assert sorted(p.name for p in folder.iterdir()) == [
        "20260302-113000-000002-volant.pdf",
        "20260302-120000-000004-certificat.pdf",
        "notes-of-the-trainer.pdf",
    ]
    # Later, with nothing printed: the kiosk's start/exit prune takes the rest of the printer's files.
    assert prune_folder(folder, 3 * 3600, now=lambda: now + 4 * 3600) == 2
    assert [p.name for p in folder.iterdir()] == ["notes-of-the-trainer.pdf"]
    assert prune_folder(tmp_path / "missing", 60) == 0


def test_printer_from_settings(tmp_path: Path) -> None:
    folder = printer_from_settings("folder", "", "", tmp_path, 60)
    assert isinstance(folder, FolderPrinter) and folder.folder == tmp_path
    assert folder.keep_seconds == 3 * 3600
    kept = printer_from_settings("folder", "", "", tmp_path, 60, folder_keep_seconds=600)
    assert isinstance(kept, FolderPrinter) and kept.keep_seconds == 600
    queue = printer_from_settings("cups", "Kiosk_Printer", "/run/cups/cups.sock", "/unused", 45)
    assert isinstance(queue, CupsPrinter)
    assert (queue.queue, queue.server, queue.timeout_seconds) == ("Kiosk_Printer", "/run/cups/cups.sock", 45)
    assert "Kiosk_Printer" in queue.description
    with pytest.raises(ValueError, match="queue name"):
        printer_from_settings("cups", "", "", tmp_path, 60)
    with pytest.raises(ValueError, match="unknown printer kind"):
        printer_from_settings("fax", "", "", tmp_path, 60)
