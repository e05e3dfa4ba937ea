"""The draw's method without a database: the key of an application is SHA-256 of `seed:number` (a value
anyone can compute with `sha256sum`), the order is the keys sorted, the seed alone decides it (not the
order the applications came in), another seed gives another order, and the first `places` get a place."""

from __future__ import annotations

import hashlib

import pytest

from contract.activities import euros
from municipal.draw import DrawError, allocate, check_seed, digest, draw_order

NUMBERS = [f"IA-2026-{n:06d}" for n in range(1, 21)]


def test_the_key_is_sha256_of_seed_and_number() -> None:
    # printf '4821:IA-2026-000001' | sha256sum
    assert (
        digest("4821", "IA-2026-000001") == "74b319dcb5daf9aae3cc952ae46f96e379bcc96b57ec0dc239530f234aa0847d"
    )
    assert digest("4821", "IA-2026-000001") == hashlib.sha256(b"4821:IA-2026-000001").hexdigest()


def test_the_order_is_the_keys_sorted_and_the_seed_alone_decides_it() -> None:
    order = draw_order("4821", NUMBERS)
    assert [key for _n, key in order] == sorted(digest("4821", n) for n in NUMBERS)
    assert draw_order("4821", reversed(NUMBERS)) == order == draw_order("4821", NUMBERS + NUMBERS[:3])
    assert [n for n, _ in draw_order("4822", NUMBERS)] != [n for n, _ in order]
    assert sorted(n for n, _ in order) == NUMBERS


def test_the_first_places_get_a_place_and_the_rest_wait_in_order() -> None:
    drawn = allocate(draw_order("7", NUMBERS[:5]), 2)
    assert [(e.rank, e.result) for e in drawn] == [(1, "place"), (2, "place"), (3, "waiting"), (4, "waiting"),
                                                  (5, "waiting")]  # fmt: skip
    assert [e.result for e in allocate(draw_order("7", NUMBERS[:3]), 10)] == ["place"] * 3
    assert allocate([], 5) == []


@pytest.mark.parametrize("seed", ["", "   ", "x" * 101, "48\x0021"])
def test_a_seed_must_be_short_printable_text(seed: str) -> None:
    with pytest.raises(DrawError):
        check_seed(seed)
    assert check_seed(" 4821 ") == "4821"


def test_amounts_as_the_city_writes_them() -> None:
    assert [euros(c) for c in (0, 5, 1750, 3500, 123456)] == ["0,00 €", "0,05 €", "17,50 €", "35,00 €",
                                                             "1234,56 €"]  # fmt: skip
