"""Fixtures of the procedure tests: a backend that trusts the test cards (for the flows that need a
certificate login), next to the plain `backend_server` of the flows that need none, and the two together
with the readers (`card_stack`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.backend import BackendInfo
from devstack.pcsc import PcscInfo
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import CardStack, card_trusting_backend


@pytest.fixture(scope="session")
def card_backend(pcsc_stack: PcscInfo) -> Iterator[BackendInfo]:
    with card_trusting_backend(pcsc_stack) as info:
        yield info


@pytest.fixture
def card_stack(pcsc_stack: PcscInfo, testcards: TestCardControl, card_backend: BackendInfo) -> CardStack:
    return CardStack(pcsc_stack, card_backend)
