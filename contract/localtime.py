"""Times on the wire: an issued document's dates are Mataró's local time (Europe/Madrid) with its offset,
to the second (`2026-03-01T10:15:00+01:00`), as they are printed; the models serialise them so."""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

ZONE = "Europe/Madrid"


@functools.cache
def local_zone() -> tzinfo:
    # Looked up on first use, not on import: importing the contract reads nothing.
    return ZoneInfo(ZONE)


def local_iso(moment: datetime) -> str:
    """ISO 8601 with the local offset, to the second (`2026-03-01T10:15:00+01:00`)."""
    return moment.astimezone(local_zone()).replace(microsecond=0).isoformat()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset")
    return value


#: A moment that carries its offset, sent as Mataró's local time to the second.
LocalDateTime = Annotated[
    datetime,
    AfterValidator(_aware),
    PlainSerializer(local_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
