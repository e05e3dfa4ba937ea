"""The pure parts of verification (ID masking, fields withheld) and of the throttle on refused kiosk keys."""

from __future__ import annotations

import time

import pytest

from municipal.api.public import mask_id, withheld
from municipal.context import RefusalThrottle


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("12345678Z", "***4567**"),
        (" 12345678z ", "***4567**"),
        ("X1234567L", "****4567*"),
        ("Y7654321G", "****4321*"),
        ("PAS123", "******"),
        ("A-VERY-LONG-PASSPORT-NUMBER", "*********"),
    ],
)
def test_mask_id_keeps_the_four_digits_the_aepd_publishes(value: str, masked: str) -> None:
    assert mask_id(value) == masked


def test_withheld_masks_and_leaves_out_wherever_the_fields_are() -> None:
    document = {
        "kind": "volant_collectiu",
        "address": {"street": "Carrer de la Riera", "postal_code": "08301"},
        "holder": {"given_name": "CARMEN", "id_number": "12345678Z", "birth_date": "1980-04-15"},
        "inhabitants": [
            {"given_name": "CARMEN", "id_number": "12345678Z", "birth_date": "1980-04-15"},
            {"given_name": "PAU", "id_number": None, "birth_date": "2015-01-02"},
        ],
        "contact": {"email": "a@example.org"},
    }
    assert withheld(document) == {
        "kind": "volant_collectiu",
        "address": {"street": "Carrer de la Riera"},
        "holder": {"given_name": "CARMEN", "id_number": "***4567**"},
        "inhabitants": [
            {"given_name": "CARMEN", "id_number": "***4567**"},
            {"given_name": "PAU", "id_number": None},
        ],
    }


def test_the_throttle_counts_refusals_per_address_within_its_window() -> None:
    throttle = RefusalThrottle(limit=3, window=0.3)
    assert [throttle.attempt("a") for _ in range(3)] == [0, 0, 0]
    assert throttle.attempt("a") >= 1  # the fourth within the window waits
    assert throttle.attempt("b") == 0  # another address does not
    time.sleep(0.35)
    assert throttle.attempt("a") == 0  # a new window


def test_an_attempt_that_passed_is_not_counted() -> None:
    throttle = RefusalThrottle(limit=2, window=60)
    for _ in range(5):
        assert throttle.attempt("a") == 0
        throttle.passed("a")
    assert throttle.attempt("a") == 0 and throttle.attempt("a") == 0
    assert throttle.attempt("a") > 0


def test_attempts_running_at_once_are_counted_before_they_end() -> None:
    throttle = RefusalThrottle(limit=2, window=60)
    started = [throttle.attempt("a") for _ in range(3)]  # none has ended yet
    assert started[:2] == [0, 0] and started[2] > 0


def test_the_throttle_forgets_the_address_seen_longest_ago() -> None:
    throttle = RefusalThrottle(limit=1, window=60, addresses=2)
    for address in ("a", "b", "c"):
        throttle.attempt(address)
    assert throttle.attempt("a") == 0  # forgotten: counted afresh
    assert throttle.attempt("c") > 0
