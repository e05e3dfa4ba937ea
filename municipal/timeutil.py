"""Clock and time zone: stored in UTC, shown in Mataró's local time (Europe/Madrid) with its offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Madrid")


def now() -> datetime:
    return datetime.now(UTC)


def local_iso(moment: datetime) -> str:
    """ISO 8601 with the local offset, to the second (`2026-03-01T10:15:00+01:00`)."""
    return moment.astimezone(LOCAL).replace(microsecond=0).isoformat()


def local_year(moment: datetime) -> int:
    return moment.astimezone(LOCAL).year
