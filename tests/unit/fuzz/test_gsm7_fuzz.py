"""Property tests of the SMS folding (municipal/outbox/gsm7.py) over any text: the folded text is all
GSM-7, folding is idempotent and keeps GSM-7 text as it is, and the parts are what the gateway bills."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from municipal.outbox.gsm7 import BASIC, EXTENSION, PART, SINGLE_SEGMENT, fold, prepare, septets
from tests.unit.fuzz.hostile import field_text, fuzz

GSM7 = BASIC | EXTENSION


@fuzz(300)
@given(field_text(SINGLE_SEGMENT, max_pieces=30))
@example("Instància rebuda: sol·licitud núm. E/2026/000001 — «urgent» 😀 \x1b[2J")
@example("€" * 81)
@example("a" * 152 + "€")
def test_any_text_folds_into_gsm7_parts(text: str) -> None:
    sms = prepare(text)
    assert all(c in GSM7 for c in sms.text)
    assert fold(sms.text) == sms.text
    assert "".join(sms.parts) == sms.text
    assert sms.septets == sum(septets(c) for c in sms.text)
    if sms.septets <= SINGLE_SEGMENT:
        assert sms.segments == (1 if sms.text else 0)
    else:
        assert all(0 < sum(septets(c) for c in part) <= PART for part in sms.parts)
        # Every part but the last is full but for an escaped character that did not fit.
        assert all(sum(septets(c) for c in part) >= PART - 1 for part in sms.parts[:-1])


@fuzz(200)
@given(st.text(st.sampled_from(sorted(GSM7)), max_size=400))
def test_gsm7_text_is_sent_as_it_is(text: str) -> None:
    assert fold(text) == text
    assert prepare(text).text == text
