"""The staff view of the notification outbox (`GET /v1/outbox`, a staff key): every message the backend
owes a citizen, with its state. The reference server's own route, like the fleet status."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

#: pending: not tried yet; failed: tried, to be tried again at `next_attempt_at`; sent: accepted by the
#: mail server or the SMS gateway; dead: given up (a permanent refusal, or every attempt failed).
OutboxState = Literal["pending", "sent", "failed", "dead"]
OutboxChannel = Literal["email", "sms"]
OUTBOX_STATES: tuple[OutboxState, ...] = ("pending", "sent", "failed", "dead")


class OutboxMessageOut(BaseModel):
    id: int
    #: What it tells: instancia_received, bustia_received.
    kind: str
    channel: OutboxChannel
    #: The address or number, masked (a***@example.org, ******678).
    recipient: str
    language: str
    state: OutboxState
    attempts: int
    #: The Message-ID of the email, or the client reference sent to the SMS gateway: the same at every try.
    idempotency_key: str
    #: What the citizen agreed to, recorded with the contact (e.g. "instancia:electronic").
    consent: str
    #: SMS only: the GSM-7 segments the text takes.
    segments: int | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    #: The last failure, for staff (no message text, no address).
    last_error: str


class OutboxOut(BaseModel):
    counts: dict[OutboxState, int]
    messages: list[OutboxMessageOut]
