"""Clock and time zone: stored in UTC, shown in Mataró's local time (Europe/Madrid) with its offset (on
the wire the contract's models serialise it: `contract.localtime`)."""

from __future__ import annotations

from datetime import UTC, datetime

from contract.localtime import local_zone

LOCAL = local_zone()


def now() -> datetime:
    return datetime.now(UTC)


def local_year(moment: datetime) -> int:
    return moment.astimezone(LOCAL).year
