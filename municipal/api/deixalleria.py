"""Deixalleria: the card (request, status), the visits by year and the waste-tax bonus, computed from
the bands stored as data (the previous year's visits decide this year's bonus)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Annotated, cast

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contract.documents import (
    Band,
    Bonus,
    Card,
    CardStatus,
    DeixalleriaSummary,
    DocumentLanguage,
    NextBand,
    Visit,
)
from contract.errors import ErrorCode
from contract.v1 import CardRequestIn, CardRequestOut
from municipal import timeutil
from municipal.api.auth import require_identification
from municipal.api.common import (
    CITIZEN_REFUSALS,
    KIOSK,
    Citizen,
    CitizenAny,
    Ctx,
    KioskId,
    citizen_refusals,
    touch_session,
)
from municipal.api.writes import Write, document_head, next_number, record_document
from municipal.errors import ApiError
from municipal.models import BonusBand, DeixalleriaCard, DeixalleriaVisit

router = APIRouter(prefix="/v1/deixalleria", tags=["deixalleria"], dependencies=[KIOSK])
_STATUS_ORDER = {"active": 0, "requested": 1, "lost": 2, "cancelled": 3}


def bonus(bands: list[BonusBand], visits_last_year: int, visits_this_year: int, tax_year: int) -> Bonus:
    """The bonus for `tax_year` from last year's visits, and what this year's visits are worth next year."""
    ordered = sorted(bands, key=lambda b: b.min_visits)
    band = next(
        (
            b
            for b in ordered
            if b.min_visits <= visits_last_year and (b.max_visits is None or visits_last_year <= b.max_visits)
        ),
        None,
    )
    upper = next((b for b in ordered if b.min_visits > visits_this_year), None)
    return Bonus(
        amount=Decimal(band.amount).quantize(Decimal("0.01")) if band else Decimal("0.00"),
        band=Band(min_visits=band.min_visits, max_visits=band.max_visits, amount=Decimal(band.amount))
        if band
        else None,
        next_band=NextBand(
            min_visits=upper.min_visits,
            amount=Decimal(upper.amount),
            visits_needed=upper.min_visits - visits_this_year,
        )
        if upper
        else None,
        tax_year=tax_year,
    )


def _cards(session: Session, id_number: str) -> list[DeixalleriaCard]:
    cards = session.execute(select(DeixalleriaCard).where(DeixalleriaCard.id_number == id_number)).scalars()
    return sorted(cards, key=lambda c: (_STATUS_ORDER[c.status], -c.requested_at.timestamp()))


def _card(card: DeixalleriaCard, citizen: Citizen) -> Card:
    status = cast(CardStatus, card.status)  # checked by the model all the same
    return Card(number=card.number, status=status, holder_name=f"{citizen.given_name} {citizen.surnames}")


@router.get("/summary", response_model=DeixalleriaSummary, responses=CITIZEN_REFUSALS)
def summary(
    request: Request,
    ctx: Ctx,
    kiosk_id: KioskId,
    citizen: CitizenAny,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: the current year")] = None,
    language: Annotated[DocumentLanguage, Query()] = "ca",
) -> DeixalleriaSummary:
    """The card, the visits of `year`, and the bonus on `year`'s waste tax (from last year's visits).
    Printable: it is recorded under a CSV like every issued document."""
    require_identification(citizen, "deixalleria_consulta")
    now = timeutil.now()
    year = year or timeutil.local_year(now)
    with ctx.transaction() as session:
        touch_session(session, citizen)
        cards = _cards(session, citizen.id_number)
        numbers = [c.number for c in cards]
        visits = (
            list(
                session.execute(
                    select(DeixalleriaVisit)
                    .where(
                        DeixalleriaVisit.card_number.in_(numbers),
                        DeixalleriaVisit.visited_on >= date(year - 1, 1, 1),
                        DeixalleriaVisit.visited_on <= date(year, 12, 31),
                    )
                    .order_by(DeixalleriaVisit.visited_on)
                ).scalars()
            )
            if numbers
            else []
        )
        this_year = [v for v in visits if v.visited_on.year == year]
        last_year = len(visits) - len(this_year)
        bands = list(session.execute(select(BonusBand)).scalars())
        document = DeixalleriaSummary(
            **document_head(ctx, request, language, now),
            card=_card(cards[0], citizen) if cards else None,
            year=year,
            visits_this_year=len(this_year),
            visits_last_year=last_year,
            visits=tuple(
                Visit(date=v.visited_on, centre=v.centre, materials=json.loads(v.materials))
                for v in this_year
            ),
            bonus=bonus(bands, last_year, len(this_year), year),
        )
        record_document(session, "deixalleria_summary", document, citizen.id_number, kiosk_id)
    return document


@router.post(
    "/cards",
    status_code=201,
    response_model=CardRequestOut,
    responses=citizen_refusals("A card is already active or requested; or key reused"),
)
def request_card(body: CardRequestIn, citizen: CitizenAny, write: Write) -> CardRequestOut:
    """Request a deixalleria card, posted to the padró address (`delivery`) or collected (`pickup`)."""
    require_identification(citizen, "deixalleria_targeta")
    with write.transaction(body, citizen) as tx:
        session = tx.session
        current = [c for c in _cards(session, citizen.id_number) if c.status in ("active", "requested")]
        if current and not (body.replace_lost and all(c.status == "active" for c in current)):
            raise ApiError(409, ErrorCode.CARD_EXISTS)
        for card in current:
            card.status = "lost"
        now = timeutil.now()
        card = DeixalleriaCard(
            number=f"MAT-{next_number(session, 'DX', 0):06d}",
            id_number=citizen.id_number,
            status="requested",
            delivery=body.delivery,
            requested_at=now,
        )
        try:
            # The check above and this insert race with the same citizen's other requests: the unique
            # index on requested cards lets one win; the others get the answer the check would give.
            with session.begin_nested():
                session.add(card)
        except IntegrityError:
            raise ApiError(409, ErrorCode.CARD_EXISTS) from None
        return tx.answer(CardRequestOut(card=_card(card, citizen), delivery=body.delivery, requested_at=now))
