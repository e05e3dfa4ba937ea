"""The procedure tests' backend that trusts the test cards, and the cards with it, for the spoken card
logins."""

from tests.e2e.procedures.conftest import card_backend, card_stack

__all__ = ["card_backend", "card_stack"]
