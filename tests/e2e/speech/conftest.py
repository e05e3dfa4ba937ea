"""The procedure tests' backend that trusts the test cards, for the spoken card logins."""

from tests.e2e.procedures.conftest import card_backend

__all__ = ["card_backend"]
