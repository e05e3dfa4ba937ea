"""Fixtures of the fault matrix: a fault-injecting proxy in front of a backend, a backend that trusts the
test cards, and the matrix printed at the end of the run (faults x steps covered)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from _pytest.terminal import TerminalReporter

from devstack import backend
from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from tests.e2e.faults.matrix import CALLS, COVERED
from tests.fixtures.faults import FaultProxy

#: The kiosk's read timeout in these tests (short, so that "very slow" costs little), and how long the
#: slow fault holds an answer back (beyond it).
READ_TIMEOUT = 1.5
SLOW_SECONDS = 2.0


@pytest.fixture
def fault_proxy(backend_server: BackendInfo) -> Iterator[FaultProxy]:
    proxy = FaultProxy(backend_server.url, slow_seconds=SLOW_SECONDS)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def faults_card_backend(pcsc_stack: PcscInfo) -> Iterator[BackendInfo]:
    with backend.running(
        trust_anchors=pcsc_stack.cards.ca_dir, crls=pcsc_stack.cards.crl_dir, training=True
    ) as info:
        yield info


@pytest.fixture
def card_fault_proxy(faults_card_backend: BackendInfo) -> Iterator[FaultProxy]:
    proxy = FaultProxy(faults_card_backend.url, slow_seconds=SLOW_SECONDS)
    yield proxy
    proxy.close()


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
