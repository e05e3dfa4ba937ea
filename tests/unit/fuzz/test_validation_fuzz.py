"""Property tests of the form checks (kiosk/procedures/validation.py, fields.py) over hostile text: any
text gives a value or an `Issue` with a translated message, never an exception; the normalisations are
idempotent; what the kiosk accepts goes through the contract's request models unchanged; the contract's
limits hold at exactly the limit."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from contract.certificates import CHECK_LETTERS
from contract.limits import EMAIL_MAX, LONG_TEXT_MAX, PHONE_MAX, TOPIC_MAX
from contract.text import EMAIL_PATTERN, PHONE_PATTERN, printable_text
from contract.v1 import BustiaIn, ContactIn, WeakSessionIn
from kiosk.i18n import set_language, translations
from kiosk.procedures import validation
from kiosk.procedures.bustia import EMAIL, PHONE, TEXT, TOPIC
from kiosk.procedures.fields import REQUIRED, FieldSpec, free_text, live_issues
from kiosk.procedures.identify_weak import BIRTH_DATE, ID_NUMBER, POSTAL_CODE
from kiosk.procedures.validation import Issue
from tests.unit.fuzz.hostile import any_char, field_text, fuzz, hostile_text

TODAY = date(2026, 12, 2)
#: Every text field of the bústia and of the weak identification.
SPECS: tuple[FieldSpec, ...] = (TOPIC, TEXT, EMAIL, PHONE, ID_NUMBER, BIRTH_DATE, POSTAL_CODE)


@pytest.fixture(autouse=True)
def catalan() -> object:
    set_language("ca")
    yield
    set_language("ca")


def assert_translated(issues: list[Issue]) -> None:
    """Every issue has a message id the Catalan and Spanish catalogues translate, and is shown without an
    exception in every language."""
    for issue in issues:
        assert isinstance(issue, Issue)
        for language in ("ca", "es"):
            assert translations(language).gettext(issue.message) != issue.message, (language, issue.message)
        for language in ("ca", "es", "en"):
            set_language(language)
            shown = validation.describe(issue)
            assert isinstance(shown, str) and shown
        set_language("ca")


# ------------------------------------------------------------------------------------------- any text
@fuzz(300)
@given(field_text(TOPIC_MAX), st.sampled_from(SPECS))
@example("\x1b[2J", TOPIC)
@example("{chars}", TOPIC)
@example("🙂{length}", TEXT)
def test_any_text_gives_a_value_or_a_translated_issue(value: str, spec: FieldSpec) -> None:
    issues = spec.check(value)
    assert isinstance(issues, list)
    assert_translated(issues)
    assert all(i.message != REQUIRED for i in live_issues(spec, value))


@fuzz(300)
@given(hostile_text(), st.booleans())
@example(" \u0301", False)
@example("\u2028a\u0301", True)
@example("\r\r\n\u0301", True)
def test_text_normalisation_is_idempotent(value: str, multiline: bool) -> None:
    once = validation.normalise_text(value, multiline=multiline)
    assert validation.normalise_text(once, multiline=multiline) == once
    # What is sent is checked as it is sent: a normalised value has the same issues as what was typed.
    assert validation.check_text(once, max_length=TOPIC_MAX, multiline=multiline) == validation.check_text(
        value, max_length=TOPIC_MAX, multiline=multiline
    )


@fuzz(200)
@given(hostile_text())
def test_phone_and_id_normalisations_are_idempotent(value: str) -> None:
    assert validation.normalise_phone(validation.normalise_phone(value)) == validation.normalise_phone(value)
    assert validation.normalise_id_number(
        validation.normalise_id_number(value)
    ) == validation.normalise_id_number(value)


# ------------------------------------------------------------------------------------------- the contract
@fuzz(300)
@given(field_text(TOPIC_MAX), field_text(LONG_TEXT_MAX, max_pieces=40))
@example("Il·luminació «urgent» — 25 €", "Caldria més llum.\n\nGràcies!")
@example("e\u0301" * TOPIC_MAX, "a\u0300" * LONG_TEXT_MAX)
def test_an_accepted_message_goes_through_the_contract_unchanged(topic: str, text: str) -> None:
    topic_ok = TOPIC.check(topic) == []
    text_ok = TEXT.check(text) == []
    if not (topic_ok and text_ok):
        return
    body = BustiaIn(
        kind="queixa",
        topic=validation.normalise_text(topic),
        text=validation.normalise_text(text, multiline=True),
        language="ca",
    )
    again = BustiaIn.model_validate_json(body.model_dump_json())
    assert again.topic == validation.normalise_text(topic)
    assert again.text == validation.normalise_text(text, multiline=True)


@fuzz(300)
@given(field_text(TOPIC_MAX), st.booleans())
@example("\t", True)
@example("a\u0085", False)
def test_the_kiosk_accepts_no_text_the_contract_refuses(value: str, multiline: bool) -> None:
    if validation.check_text(value, max_length=TOPIC_MAX, multiline=multiline):
        return
    normalised = validation.normalise_text(value, multiline=multiline)
    assert printable_text(normalised) == normalised
    assert 1 <= len(normalised) <= TOPIC_MAX


@pytest.mark.parametrize(("limit", "multiline"), [(TOPIC_MAX, False), (LONG_TEXT_MAX, True)])
@pytest.mark.parametrize("char", ["a", "à", "€", "·"])
def test_text_limits_hold_at_exactly_the_limit(limit: int, multiline: bool, char: str) -> None:
    spec = free_text("f", "F", max_length=limit, multiline=multiline)
    at, over = char * limit, char * (limit + 1)
    assert spec.check(at) == [] and spec.check(f"  {at}\n ") == []
    assert [i.message for i in spec.check(over)] == [
        "Too long: {length} characters, at most {limit}. Please shorten it."
    ]
    field = "topic" if limit == TOPIC_MAX else "text"
    model = BustiaIn.model_validate({"kind": "queixa", "topic": "x", "text": "x", field: at})
    assert getattr(model, field) == at
    with pytest.raises(ValidationError):
        BustiaIn.model_validate({"kind": "queixa", "topic": "x", "text": "x", field: over})


def assert_agrees_with_the_contract(
    field: str, value: str, sent: str, issues: list[Issue], limit: int
) -> None:
    """The kiosk's check of `value` (its `issues`, translated) refuses it exactly when the contract's
    `ContactIn` refuses `field` as the kiosk sends it (`sent`; an empty one is not sent), and what both
    accept is sent unchanged, at most `limit` characters long."""
    assert_translated(issues)
    try:
        contact = ContactIn.model_validate({field: sent})
    except ValidationError:
        contact = None
    if sent:
        assert (contact is None) == bool(issues), (value, sent, issues)
        if contact is not None:
            assert getattr(contact, field) == sent and len(sent) <= limit


@fuzz(300)
@given(
    st.one_of(
        hostile_text(),
        st.emails(),
        st.from_regex(EMAIL_PATTERN, fullmatch=True),
        st.from_regex(EMAIL_PATTERN, fullmatch=True).map(lambda e: f" {e}\n"),
    )
)
@example("nom@exemple.cat")
@example("a" * (EMAIL_MAX - len("@exemple.cat")) + "@exemple.cat")
@example("a" * (EMAIL_MAX - len("@exemple.cat") + 1) + "@exemple.cat")
@example("nom@exemple.cat\n")
def test_email_is_accepted_exactly_when_the_contract_accepts_it(value: str) -> None:
    sent = value.strip()  # what the bústia and the instància send
    assert_agrees_with_the_contract("email", value, sent, validation.check_email(value), EMAIL_MAX)


@fuzz(300)
@given(
    st.one_of(
        hostile_text(),
        st.from_regex(PHONE_PATTERN, fullmatch=True),
        st.from_regex(r"\+?[0-9 ().-]{9,40}", fullmatch=True),
    )
)
@example("+34 600 11 22 33")
@example("(93) 741 29 00")
@example("1" * 15)
@example("1" * 16)
@example("٦٠٠١١٢٢٣٣")
def test_phone_is_accepted_exactly_when_the_contract_accepts_it(value: str) -> None:
    sent = validation.normalise_phone(value)
    assert_agrees_with_the_contract("phone", value, sent, validation.check_phone(value), PHONE_MAX)


# ------------------------------------------------------------------------------------------- identification
#: A weak identification the contract takes (the dnie3-valid test card's holder); a test puts its field in.
WEAK_IDENTITY = {"id_number": "12345678Z", "birth_date": date(1980, 4, 15), "postal_code": "08301"}


def assert_sent_as_the_contract_takes(field: str, sent: str, issues: list[Issue], form: str) -> None:
    """The kiosk's check of a weak identification field (its `issues`, translated) accepts a value only
    when what it sends (`sent`) is of the `form` given (a regular expression) and the contract's
    `WeakSessionIn` takes it unchanged."""
    assert_translated(issues)
    if not issues:
        assert re.fullmatch(form, sent), sent
        body = WeakSessionIn.model_validate({**WEAK_IDENTITY, field: sent})
        assert getattr(body, field) == sent


def dni(number: int) -> str:
    return f"{number:08d}{CHECK_LETTERS[number % 23]}"


def nie(prefix: str, number: int) -> str:
    return f"{prefix}{number:07d}{CHECK_LETTERS[int(str('XYZ'.index(prefix)) + f'{number:07d}') % 23]}"


ids = st.one_of(
    st.integers(0, 99_999_999).map(dni),
    st.tuples(st.sampled_from("XYZ"), st.integers(0, 9_999_999)).map(lambda p: nie(*p)),
)


@fuzz(200)
@given(ids, st.sampled_from(("", " ", ".", "-")), st.booleans())
def test_a_valid_dni_or_nie_is_accepted_as_typed_and_normalised(valid: str, sep: str, lower: bool) -> None:
    typed = f" {valid[:2]}{sep}{valid[2:5]}{sep}{valid[5:8]}{sep}{valid[8:]} "
    typed = typed.lower() if lower else typed
    assert validation.check_id_number(typed) == []
    assert validation.normalise_id_number(typed) == valid
    body = WeakSessionIn(
        id_number=validation.normalise_id_number(typed), birth_date=date(1980, 4, 15), postal_code="08301"
    )
    assert body.id_number == valid


@fuzz(300)
@given(st.one_of(hostile_text(), ids.map(lambda v: v.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))))
@example("١٢٣٤٥٦٧٨Z")
@example("12345678z\n")
def test_an_accepted_id_number_is_an_ascii_dni_or_nie(value: str) -> None:
    sent = validation.normalise_id_number(value)
    assert_sent_as_the_contract_takes(
        "id_number", sent, validation.check_id_number(value), r"(?:[XYZ][0-9]{7}|[0-9]{8})[A-Z]"
    )


#: The ways a birth date may be written.
DATE_FORMS = ("{d:02}/{m:02}/{y}", "{d}-{m}-{y}", "{d}.{m}.{y}", "{y}-{m:02}-{d:02}", " {d}/{m}/{y} ")


@fuzz(300)
@given(st.dates(TODAY - timedelta(days=365 * 129), TODAY), st.sampled_from(DATE_FORMS))
def test_a_birth_date_round_trips(born: date, form: str) -> None:
    typed = form.format(d=born.day, m=born.month, y=born.year)
    assert validation.parse_birth_date(typed, today=TODAY) == born
    assert validation.check_birth_date(typed, today=TODAY) == []
    assert WeakSessionIn(id_number="12345678Z", birth_date=born, postal_code="08301").birth_date == born


@fuzz(300)
@given(
    st.one_of(
        hostile_text(), st.from_regex(r"[0-9٠-٩]{1,2}[/.-][0-9٠-٩]{1,2}[/.-][0-9٠-٩]{4}", fullmatch=True)
    )
)
@example("15/04/1980")
@example("١٥/٠٤/١٩٨٠")
@example("31/02/1980")
@example("01/01/0001")
@example("2027-01-01")
def test_a_birth_date_is_a_past_date_or_an_issue(value: str) -> None:
    parsed = validation.parse_birth_date(value, today=TODAY)
    issues = validation.check_birth_date(value, today=TODAY)
    assert_translated(issues)
    assert (parsed is None) == bool(issues)
    if parsed is not None:
        assert TODAY - timedelta(days=366 * 131) <= parsed <= TODAY
        assert value.strip().isascii()  # the field takes digits and / . - only


@fuzz(300)
@given(st.one_of(hostile_text(), st.from_regex(r"[0-9٠-٩]{4,6}", fullmatch=True)))
@example("08301")
@example("08301\n")
@example("٠٨٣٠١")
@example("60000")
def test_an_accepted_postal_code_is_what_the_contract_takes(value: str) -> None:
    sent = value.strip()  # what the weak identification sends
    assert_sent_as_the_contract_takes(
        "postal_code", sent, validation.check_postal_code(value), r"[0-5][0-9]{4}"
    )


@fuzz(100)
@given(st.text(any_char, max_size=30))
def test_the_weak_fields_restrictions_let_through_only_what_they_name(value: str) -> None:
    for spec in (ID_NUMBER, BIRTH_DATE, POSTAL_CODE):
        assert spec.restrict is not None
        if re.fullmatch(spec.restrict, value):
            assert value.isascii()
