"""Fixtures of the procedure tests: a backend that trusts the test cards (for the flows that need a
certificate login), next to the plain `backend_server` of the flows that need none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import backend
from devstack.pcsc import PcscInfo


@pytest.fixture(scope="session")
def card_backend(pcsc_stack: PcscInfo) -> Iterator[backend.BackendInfo]:
    with backend.running(
        trust_anchors=pcsc_stack.cards.ca_dir, crls=pcsc_stack.cards.crl_dir, training=True
    ) as info:
        yield info
