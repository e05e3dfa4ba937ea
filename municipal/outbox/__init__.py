"""The notification outbox: messages owed to citizens (a confirmation by email or SMS), written by
`enqueue` in the same transaction as the change that causes them, so that a write and its message commit
together or not at all, and sent later by the dispatcher (`municipal.outbox.dispatcher`), which retries
with exponential back-off and gives up (dead) after `max_attempts`. Every message has an idempotency key
fixed when it is written (its email's Message-ID, its SMS's client reference), so that a message sent
again after a dispatcher died between sending and recording it is recognisable as the same message.

The channel is the one the citizen chose with the contact they gave, and what they agreed to is recorded
with it (`consent`): an instància with electronic notification gets its confirmation by email; one on
paper, by SMS when they gave a phone number; a bústia message, to the email (else the phone) they left
for the answer. No contact, no message.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from municipal import timeutil
from municipal.models import OutboxMessage
from municipal.outbox.templates import TEMPLATES


def enqueue(
    session: Session,
    *,
    kind: str,
    language: str,
    values: dict[str, Any],
    consent: str,
    email: str | None = None,
    phone: str | None = None,
) -> OutboxMessage | None:
    """Add the message `kind` for the contact (email first, else phone) to the caller's transaction."""
    if kind not in TEMPLATES:
        raise KeyError(kind)
    if email:
        channel, recipient = "email", email
    elif phone:
        channel, recipient = "sms", phone
    else:
        return None
    now = timeutil.now()
    row = OutboxMessage(
        kind=kind,
        channel=channel,
        recipient=recipient,
        consent=consent,
        language=language,
        payload=json.dumps(values, ensure_ascii=False, default=str),
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    return row
