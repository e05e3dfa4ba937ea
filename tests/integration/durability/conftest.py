"""Durability suites: real reference servers (`python -m municipal serve`) killed and restarted, a real
PostgreSQL restarted, kiosks submitting through the kiosk's own client. Each test has a database of its
own: the audit reads the whole year's registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.backend import Issued, TestPKI
from tests.integration.durability.harness import PDF


@pytest.fixture(scope="session")
def applicant(backend_pki: TestPKI) -> Issued:
    """The citizen every kiosk of these tests logs in (a certificate of the trusted test CA)."""
    return backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")


@pytest.fixture
def attachment(tmp_path: Path) -> Path:
    path = tmp_path / "justificant.pdf"
    path.write_bytes(PDF)
    return path
