"""Shared fixtures. Each real service has a fixture module of its own under tests/fixtures/."""

import pytest

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.backend",
    "tests.fixtures.postgres",
    "tests.fixtures.pcsc",
    "tests.fixtures.cups",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite the golden references that differ (tests/golden/; or OVAC_REGEN_GOLDEN=1): review them",
    )
