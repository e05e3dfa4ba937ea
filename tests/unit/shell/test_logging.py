"""Logging: the rotating file gets records, and ID numbers are masked even if a message carries one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import logsetup


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_rotating_file_masks_id_numbers(tmp_path: Path, restore_root_logger: None) -> None:
    log_file = tmp_path / "logs" / "kiosk.log"
    logsetup.setup("INFO", log_file, stderr=False)
    log = logging.getLogger("kiosk.test")
    log.info("session started")
    log.warning("lookup failed for %s and %s", "12345678Z", "X1234567L")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "session started" in text
    assert "12345678Z" not in text and "X1234567L" not in text
    assert text.count("[id]") == 2


def test_setup_twice_does_not_duplicate_handlers(tmp_path: Path, restore_root_logger: None) -> None:
    logsetup.setup("INFO", tmp_path / "a.log", stderr=True)
    logsetup.setup("INFO", tmp_path / "a.log", stderr=True)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_ovac", False)]
    assert len(ours) == 2
