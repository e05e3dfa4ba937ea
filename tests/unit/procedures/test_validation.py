"""Text, contact and identification checks of the procedure forms."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from contract.v1 import ContactIn
from kiosk.i18n import set_language
from kiosk.procedures.validation import (
    check_birth_date,
    check_email,
    check_id_number,
    check_phone,
    check_postal_code,
    check_text,
    describe,
    normalise_phone,
    normalise_text,
    parse_birth_date,
)


def messages(issues: list) -> list[str]:  # type: ignore[type-arg]
    return [i.message for i in issues]


def test_plain_catalan_text_passes() -> None:
    assert check_text("Il·luminació del carrer d'en Pau — «urgent», 25 €", max_length=200) == []


def test_required_and_blank() -> None:
    assert messages(check_text("   ", max_length=10)) == ["This field is required: please fill it in."]
    assert check_text("", max_length=10, required=False) == []


def test_length_is_counted_in_characters_after_trimming() -> None:
    assert check_text("à" * 10 + "  ", max_length=10) == []
    [issue] = check_text("à" * 11, max_length=10)
    assert issue.values == {"length": 11, "limit": 10}
    set_language("ca")
    assert describe(issue) == "Massa llarg: 11 caràcters, com a màxim 10. Escurceu-lo."


def test_combining_accents_count_as_one_character() -> None:
    assert check_text("a\u0300" * 10, max_length=10) == []
    assert normalise_text("a\u0300") == "à"


@pytest.mark.parametrize(
    "bad", ["a\x00b", "bell\x07", "tab\there", "esc\x1b[31m", "rtl\u202eoverride", "zw\u200bsp"]
)
def test_control_and_invisible_characters_are_refused(bad: str) -> None:
    assert "Contains control or invisible characters; please type the text again." in messages(
        check_text(bad, max_length=100)
    )


def test_line_breaks_only_in_multiline_fields() -> None:
    assert check_text("one\r\ntwo\nthree", max_length=100, multiline=True) == []
    assert normalise_text("one\r\ntwo\rthree", multiline=True) == "one\ntwo\nthree"
    assert check_text("one\ntwo", max_length=100) != []


@pytest.mark.parametrize("emoji", ["😀", "👍🏽", "🇪🇸", "❤️", "☀", "👨‍👩‍👧"])
def test_emoji_are_refused_not_stripped(emoji: str) -> None:
    issues = check_text(f"Gràcies {emoji}", max_length=100)
    assert messages(issues) == ["Emoji cannot be registered; please remove them."]


def test_other_unprintable_characters_are_named() -> None:
    [issue] = check_text("Привет 日本", max_length=100)
    assert "«П»" in str(issue.values["chars"])
    assert issue.message.startswith("These characters cannot be printed")


@pytest.mark.parametrize("good", ["nom@exemple.cat", "a.b+c@sub.mataro.cat", "X_Y@domini-1.com"])
def test_valid_emails(good: str) -> None:
    assert check_email(good) == []


@pytest.mark.parametrize(
    "bad", ["nom", "nom@", "@exemple.cat", "nom@exemple", "nom @exemple.cat", "nom@@exemple.cat",
            "a..b@x.cat", "nom@exemple.c", "nom@-exemple.cat", "x" * 200 + "@exemple.cat"],
)  # fmt: skip
def test_invalid_emails(bad: str) -> None:
    assert check_email(bad) != []


def test_email_required_only_when_asked() -> None:
    assert check_email("") == []
    assert messages(check_email("", required=True)) == ["This field is required: please fill it in."]


@pytest.mark.parametrize("good", ["600112233", "600 11 22 33", "+34 600 112 233", "(93) 741-29-00"])
def test_valid_phones(good: str) -> None:
    assert check_phone(good) == []


@pytest.mark.parametrize("bad", ["12345", "6001122334455667", "600ABC233", "++34600112233", "34+600112233"])
def test_invalid_phones(bad: str) -> None:
    assert check_phone(bad) != []


def test_phone_normalised_for_the_backend() -> None:
    assert normalise_phone(" +34 (600) 11-22.33 ") == "+34600112233"


def test_id_numbers() -> None:
    assert check_id_number("12345678Z") == []
    assert check_id_number("12.345.678-z") == []
    assert check_id_number("X1234567L") == []
    assert check_id_number("12345678A") != []
    assert check_id_number("") != []


def test_birth_dates() -> None:
    today = date(2026, 3, 1)
    assert parse_birth_date("15/04/1980", today=today) == date(1980, 4, 15)
    assert parse_birth_date("1980-04-15", today=today) == date(1980, 4, 15)
    assert parse_birth_date("5-4-1980", today=today) == date(1980, 4, 5)
    assert parse_birth_date("31/02/1980", today=today) is None
    assert parse_birth_date("01/01/2027", today=today) is None
    assert parse_birth_date("01/01/1850", today=today) is None
    assert check_birth_date("15 April 1980", today=today) != []


def test_postal_codes() -> None:
    assert check_postal_code("08301") == []
    assert check_postal_code("8301") != []
    assert check_postal_code("08301a") != []


CONTACTS = [
    ("600112233", True), ("600 11 22 33", True), ("+34 600 112 233", True), ("(93) 741-29-00", True),
    ("12345", False), ("123456", False), ("6001122334455667", False), ("++34600112233", False),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "good"), CONTACTS)
def test_a_phone_the_kiosk_accepts_is_one_the_backend_accepts(typed: str, good: bool) -> None:
    """The kiosk checks with the contract's pattern and sends the phone normalised: the backend's
    `ContactIn` accepts exactly what the kiosk lets through (6 digits passed the backend, not the kiosk)."""
    assert (check_phone(typed) == []) is good
    sent = normalise_phone(typed)
    try:
        ContactIn(phone=sent)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted is good


@pytest.mark.parametrize(
    ("email", "good"),
    [("veina@example.org", True), ("a.b+c@mataro.cat", True), ("a..b@x.cat", False), (".a@x.cat", False),
     ("a@b", False), ("a@b.c", False), ("x@exemple..cat", False)],
)  # fmt: skip
def test_an_email_the_kiosk_accepts_is_one_the_backend_accepts(email: str, good: bool) -> None:
    assert (check_email(email) == []) is good
    try:
        ContactIn(email=email)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted is good
