"""The check-in window of the cita prèvia on Mataró's clock: from 30 minutes before an appointment to 10
minutes after its start, counted in elapsed time (the DST nights included); "today" is Mataró's day; the
appointment a check-in is for when the citizen has several today; the turn ticket's label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from municipal import timeutil
from municipal.api.cites import Arrival, arrival, checkin_choice, day_bounds, local_day, turn_label


def local(*parts: int) -> datetime:
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=timeutil.LOCAL)


@pytest.mark.parametrize(
    ("minutes_before", "expected"),
    [(31, Arrival.EARLY), (30, Arrival.ON_TIME), (1, Arrival.ON_TIME), (0, Arrival.ON_TIME),
     (-10, Arrival.ON_TIME), (-11, Arrival.LATE)],
)  # fmt: skip
def test_the_window_from_30_minutes_before_to_10_after(minutes_before: int, expected: Arrival) -> None:
    at = local(2026, 12, 9, 10, 15)
    assert arrival(at - timedelta(minutes=minutes_before), at) is expected


def test_the_spring_forward_night_counts_elapsed_time() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST. 01:45 CET is 25 real minutes before 03:10 CEST.
    now, at = local(2026, 3, 29, 1, 45), local(2026, 3, 29, 3, 10)
    assert at - now == timedelta(minutes=85)  # what the wall clocks say, if subtracted naively
    assert at.astimezone(UTC) - now.astimezone(UTC) == timedelta(minutes=25)
    assert arrival(now, at) is Arrival.ON_TIME


def test_the_fall_back_night_counts_elapsed_time() -> None:
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET. 02:50 CEST is 70 real minutes before 03:00 CET.
    now = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)  # 02:50 CEST
    at = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET
    assert now.astimezone(timeutil.LOCAL).hour == 2 and at.astimezone(timeutil.LOCAL).hour == 3
    assert arrival(now, at) is Arrival.EARLY
    assert arrival(at - timedelta(minutes=30), at) is Arrival.ON_TIME


def test_today_is_mataros_day() -> None:
    late_evening = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Mataró
    assert local_day(late_evening).isoformat() == "2026-07-01"
    start, end = day_bounds(local_day(late_evening))
    assert start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC) and end - start == timedelta(hours=24)
    spring = day_bounds(local(2026, 3, 29, 12, 0).date())
    assert spring[1] - spring[0] == timedelta(hours=23)
    autumn = day_bounds(local(2026, 10, 25, 12, 0).date())
    assert autumn[1] - autumn[0] == timedelta(hours=25)
    # An appointment of 1 July at 08:30 is today's at 00:30 local (too early); one of 30 June is not.
    assert checkin_choice(late_evening, [local(2026, 7, 1, 8, 30)]) == (0, Arrival.EARLY)
    assert checkin_choice(late_evening, [local(2026, 6, 30, 18, 0)]) is None


def test_which_of_todays_appointments() -> None:
    now = local(2026, 12, 9, 10, 0)
    gone, soon, later = local(2026, 12, 9, 9, 0), local(2026, 12, 9, 10, 15), local(2026, 12, 9, 12, 0)
    tomorrow = local(2026, 12, 10, 10, 5)
    assert checkin_choice(now, [later, soon, gone]) == (1, Arrival.ON_TIME)
    assert checkin_choice(now, [gone, later, tomorrow]) == (1, Arrival.EARLY)
    assert checkin_choice(now, [gone, tomorrow]) == (0, Arrival.LATE)
    assert checkin_choice(now, [tomorrow]) is None
    assert checkin_choice(now, []) is None


def test_the_turn_label() -> None:
    assert turn_label("padro", 12) == "P-012"
    assert turn_label("registre", 1) == "R-001"
