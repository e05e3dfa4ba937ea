"""Fixtures of the fault matrix: a fault-injecting proxy in front of a backend (speaking HTTPS, as a
production backend does, with a certificate from a test CA the kiosk is told to trust), a backend that
trusts the test cards, and the matrix printed at the end of the run (faults x steps covered)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from testcards.control import TestCardControl
from tests.e2e.faults.matrix import CALLS, COVERED
from tests.e2e.procedures.helpers import card_trusting_backend
from tests.fixtures.backend import training_server
from tests.fixtures.faults import FaultProxy

#: The kiosk's read timeout in these tests (short, so that "very slow" costs little), and how long the
#: slow fault holds an answer back (beyond it).
READ_TIMEOUT = 1.5
SLOW_SECONDS = 2.0


@pytest.fixture(scope="package")
def backend_server(
    backend_trust_anchors: Path, backend_revoked_serials: list[int | str]
) -> Iterator[BackendInfo]:
    """The fault matrix's own backend (overriding the suite's shared one): its walks register entries and
    request the test citizen's deixalleria card, which later tests of the shared backend expect not to exist
    (a clean-clone run failed on it)."""
    yield from training_server(backend_trust_anchors, backend_revoked_serials)


@pytest.fixture
def fault_proxy(backend_server: BackendInfo) -> Iterator[FaultProxy]:
    proxy = FaultProxy(backend_server.url, slow_seconds=SLOW_SECONDS, tls=True)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def faults_card_backend(pcsc_stack: PcscInfo) -> Iterator[BackendInfo]:
    with card_trusting_backend(pcsc_stack) as info:
        yield info


@pytest.fixture
def card_fault_proxy(faults_card_backend: BackendInfo) -> Iterator[FaultProxy]:
    proxy = FaultProxy(faults_card_backend.url, slow_seconds=SLOW_SECONDS, tls=True)
    yield proxy
    proxy.close()


@dataclass(frozen=True)
class CardFaults:
    """The virtual readers with the test cards (emptied, PIN counters reset after each test), the backend
    that trusts the cards and the fault proxy in front of it."""

    pcsc: PcscInfo
    backend: BackendInfo
    proxy: FaultProxy


@pytest.fixture
def card_faults(
    pcsc_stack: PcscInfo,
    testcards: TestCardControl,
    faults_card_backend: BackendInfo,
    card_fault_proxy: FaultProxy,
) -> CardFaults:
    return CardFaults(pcsc_stack, faults_card_backend, card_fault_proxy)


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not COVERED:
        return
    terminalreporter.section("fault matrix: faults x steps survived")
    # Every call of the matrix (one no walk reached shows "none"), then the other steps the walks reached.
    listed = [(procedure, call.step) for procedure, calls in CALLS.items() for call in calls]
    steps = list(dict.fromkeys([*listed, *((procedure, step) for _, procedure, step in COVERED)]))
    for procedure, step in steps:
        faults = [fault for fault, p, s in COVERED if (p, s) == (procedure, step)]
        terminalreporter.write_line(f"{procedure}: {step}: {', '.join(faults) or 'none'}")
    terminalreporter.write_line(f"{len(COVERED)} fault x step cases survived")
