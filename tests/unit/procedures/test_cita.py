"""Cita prèvia without a server: the office's slots made in Mataró's local time across both daylight-saving
changes, the window of "the next N days" ending at local midnight, the kiosk's label of a slot in each
language, and the printed justificant (the office's clock, whatever offset the moment came with)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest

from contract.documents import CitaJustificant, document_from_payload
from contract.localtime import local_zone
from kiosk.i18n import set_language
from kiosk.procedures.cita import slot_label
from municipal.api.cites import opening_slots, slot_times, window
from municipal.catalogue_data import CITA_HOURS
from printing.render import document_title, render
from tests.unit.printing import pdftools

LOCAL = local_zone()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (date(2026, 3, 27), date(2026, 3, 30)),  # summer time from Sunday 29 March
        (date(2026, 10, 23), date(2026, 10, 26)),  # winter time from Sunday 25 October
    ],
)
def test_slots_keep_the_office_clock_across_a_dst_change(before: date, after: date) -> None:
    first, second = (slot_times(day, CITA_HOURS[day.weekday()], 15) for day in (before, after))
    for slots in (first, second):
        assert len(slots) == 24  # 8.30 to 14.30, every 15 minutes
        assert slots[0].timetz().replace(tzinfo=None) == time(8, 30)
        assert slots[-1].time() == time(14, 15)
        assert all(b - a == timedelta(minutes=15) for a, b in zip(slots, slots[1:], strict=False))
    # The same 8.30 on the office's clock is another hour in UTC on either side of the change.
    assert {_utc(first[0]), _utc(second[0])} == {"06:30", "07:30"}
    assert first[0].utcoffset() != second[0].utcoffset()


def test_working_days_only_and_thursday_afternoons() -> None:
    slots = opening_slots(date(2026, 3, 26), 5, CITA_HOURS, 15)  # Thursday to Monday
    by_day: dict[date, int] = {}
    for slot in slots:
        by_day[slot.date()] = by_day.get(slot.date(), 0) + 1
    assert by_day == {date(2026, 3, 26): 34, date(2026, 3, 27): 24, date(2026, 3, 30): 24}
    assert max(s.time() for s in slots if s.weekday() == 3) == time(18, 45)  # ends by 19.00


def test_the_next_days_end_at_local_midnight_across_a_dst_change() -> None:
    now = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)  # Saturday noon in Mataró, winter time
    start, end = window(now, 2)
    assert start == now
    # Monday 00:00 in Mataró is 22:00 UTC on Sunday: summer time began in between (not 23:00).
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert window(datetime(2026, 10, 24, 11, 0, tzinfo=UTC), 2)[1] == datetime(
        2026, 10, 25, 23, 0, tzinfo=UTC
    )


@pytest.fixture
def catalan() -> Iterator[None]:
    set_language("ca")
    yield
    set_language("ca")


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("ca", "dimarts 08/12/2026 10:15"),
        ("es", "martes 08/12/2026 10:15"),
        ("en", "Tuesday 08/12/2026 10:15"),
        ("fr", "mardi 08/12/2026 10:15"),
        ("ro", "marți 08/12/2026 10:15"),
    ],
)
def test_a_slot_is_labelled_with_its_weekday(catalan: None, language: str, label: str) -> None:
    set_language(language)
    assert slot_label(datetime(2026, 12, 8, 10, 15, tzinfo=LOCAL)) == label


def _justificant(appointment_at: datetime) -> CitaJustificant:
    payload = {
        "csv": "CITA2B3C4D5E6F7G8H9J",
        "verify_url": "https://seu.example/v1/verify/CITA2B3C4D5E6F7G8H9J",
        "issued_at": "2026-12-02T10:00:00+01:00",
        "language": "ca",
        "training": True,
        "reference": "CP/2026/000007",
        "service": {"code": "padro", "name": "Padró d'habitants", "office": "OAC Centre, la Riera, 48",
                    "slot_minutes": 15},
        "appointment_at": appointment_at.isoformat(),
        "booked_at": "2026-12-02T10:00:00+01:00",
        "holder": {"id_number": "12345678Z", "given_name": "CARMEN", "surnames": "ESPAÑOLA ESPAÑOLA"},
        "contact": {"email": "carmen@example.org", "phone": None},
    }  # fmt: skip
    document = document_from_payload(payload)
    assert isinstance(document, CitaJustificant)
    return document


def test_the_justificant_prints_the_office_clock() -> None:
    # Sent in UTC (09:15Z): printed as the office's 10:15.
    document = _justificant(datetime(2026, 12, 9, 9, 15, tzinfo=UTC))
    assert document_title(document) == "Justificant de cita prèvia"
    page = " ".join(pdftools.text(render(document)).split())
    assert "Justificant de cita prèvia" in page and "CP/2026/000007" in page
    assert "09/12/2026" in page and "10:15" in page and "09:15" not in page
    assert "Padró d'habitants" in page and "OAC Centre, la Riera, 48" in page
    assert "CARMEN ESPAÑOLA ESPAÑOLA · 12345678Z" in page and "DOCUMENT DE PROVA" in page
