"""Shared fixtures. Each real service has a fixture module of its own under tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.backend",
    "tests.fixtures.postgres",
    "tests.fixtures.pcsc",
    "tests.fixtures.cups",
]
