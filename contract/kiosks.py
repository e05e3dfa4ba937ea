"""The kiosks' own health on the wire: the heartbeat a kiosk sends every minute
(`POST /v1/kiosks/heartbeat`), what staff read back for the fleet (`GET /v1/kiosks/status`), and the
answer to a kiosk that (re)started (`POST /v1/kiosks/started`).

Nothing here may carry citizen data: a heartbeat is the kiosk's hardware and software state only (counts,
states, codes), and every string is a short code or version, not free text a citizen could have typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A short machine code: an IPP keyword (`media-empty-error`), an error code, a logger name.
Code = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$")]

#: The printer as CUPS reports it: IPP printer-state (idle 3, processing 4, stopped 5), or what the kiosk
#: could tell without it: `unreachable` (no cupsd), `unknown` (no such queue), `folder` (a demo kiosk
#: that writes PDFs to a folder).
PrinterStateName = Literal["idle", "processing", "stopped", "unreachable", "unknown", "folder"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PrinterHealth(_Strict):
    state: PrinterStateName
    #: IPP printer-state-reasons as CUPS gives them (`media-empty-error`, `media-jam-error`, `paused`...),
    #: `none` left out.
    reasons: Annotated[list[Code], Field(max_length=32)] = []
    accepting_jobs: bool | None = None


class HeartbeatIn(_Strict):
    """One kiosk's state now, sent every `[health] heartbeat_seconds`."""

    version: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.+-]+$")]
    mode: Literal["production", "training"]
    #: A card reader the kiosk watches is connected.
    reader_present: bool
    #: How many of the readers it watches PC/SC sees (names are left out).
    readers: Annotated[int, Field(ge=0, le=64)]
    #: pcscd answers and the PKCS#11 module is installed: a card put in could be read.
    card_stack_ok: bool
    #: Why not, as a code (`pcsc_unavailable`, `pkcs11_module_missing`), when `card_stack_ok` is false.
    card_stack_problem: Code | None = None
    printer: PrinterHealth
    #: Free bytes on the file system of the session temp folders.
    temp_free_bytes: Annotated[int, Field(ge=0)]
    #: The last error the kiosk logged (a code, never its message), and when.
    last_error_code: Code | None = None
    last_error_at: datetime | None = None
    uptime_seconds: Annotated[float, Field(ge=0)]
    #: The kiosk's clock when it sent this.
    sent_at: datetime


class KioskStatus(BaseModel):
    kiosk_id: str
    #: When the backend received the last heartbeat (None: never).
    last_heartbeat_at: datetime | None
    #: No heartbeat for longer than the backend's `stale_after_seconds` (or never one).
    stale: bool
    #: The last heartbeat as it came.
    state: HeartbeatIn | None


class KioskStatusOut(BaseModel):
    checked_at: datetime
    stale_after_seconds: int
    kiosks: list[KioskStatus]


class KioskStartedOut(BaseModel):
    #: Citizen sessions of this kiosk that were still open, now ended (those of a process that died).
    ended_sessions: int
