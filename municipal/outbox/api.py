"""`GET /v1/outbox` for staff (`X-Staff-Id` / `X-Staff-Key`, as the fleet status): the messages owed to
citizens with their state, newest first, and how many are in each state. Recipients are masked."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from contract.notifications import OUTBOX_STATES, OutboxMessageOut, OutboxOut, OutboxState
from municipal.api.common import Ctx
from municipal.api.kiosks import StaffId
from municipal.models import OutboxMessage
from municipal.outbox import gsm7
from municipal.outbox.templates import render

router = APIRouter(prefix="/v1/outbox", tags=["outbox"], include_in_schema=False)


def mask(channel: str, recipient: str) -> str:
    if channel == "email":
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return "*" * max(0, len(recipient) - 3) + recipient[-3:]


def _out(row: OutboxMessage) -> OutboxMessageOut:
    segments = None
    if row.channel == "sms":
        segments = gsm7.prepare(render(row.kind, row.language, json.loads(row.payload)).sms).segments
    state: OutboxState = row.state  # type: ignore[assignment]  # the column holds only these four
    return OutboxMessageOut(
        id=row.id,
        kind=row.kind,
        channel="sms" if row.channel == "sms" else "email",
        recipient=mask(row.channel, row.recipient),
        language=row.language,
        state=state,
        attempts=row.attempts,
        idempotency_key=row.idempotency_key,
        consent=row.consent,
        segments=segments,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


@router.get("", response_model=OutboxOut)
def outbox(
    ctx: Ctx,
    staff_id: StaffId,
    state: Annotated[OutboxState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OutboxOut:
    """The last `limit` messages (of one `state`, if given), and the count of each state."""
    with ctx.read() as session:
        counts = dict(
            session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
        )
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if state is not None:
            query = query.where(OutboxMessage.state == state)
        rows = session.scalars(query).all()
        messages = [_out(row) for row in rows]
    return OutboxOut(counts={s: int(counts.get(s, 0)) for s in OUTBOX_STATES}, messages=messages)
