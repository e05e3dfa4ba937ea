"""Public reads (no kiosk credentials): health, the catalogue, the departments, document verification."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import select

from municipal import __version__
from municipal.api.common import Ctx, language_param
from municipal.errors import ApiError
from municipal.models import Department, IssuedDocument, Procedure, ProcedureText, Topic
from municipal.schemas import (
    CatalogueOut,
    DepartmentOut,
    DepartmentsOut,
    ErrorOut,
    HealthOut,
    ProcedureOut,
    TopicOut,
    VerifyOut,
)

router = APIRouter(prefix="/v1", tags=["public"])
LanguageQuery = Annotated[
    Literal["ca", "es", "en"] | None, Query(description="ca, es or en; default: Accept-Language, then ca")
]


@router.get("/health", response_model=HealthOut)
def health(ctx: Ctx) -> HealthOut:
    return HealthOut(status="ok", version=__version__, training=ctx.settings.training)


def _name(row: Topic | Department, language: str) -> str:
    name: str = getattr(row, f"name_{language}")
    return name


@router.get("/catalogue", response_model=CatalogueOut)
def catalogue(request: Request, ctx: Ctx, language: LanguageQuery = None) -> CatalogueOut:
    """Every procedure of the city: whether it needs a certificate, whether the kiosk completes it,
    and for the others what to bring, where to go and when."""
    lang = language_param(request, language)
    with ctx.read() as session:
        topics = {t.code: t for t in session.execute(select(Topic)).scalars()}
        rows = session.execute(
            select(Procedure, ProcedureText)
            .join(ProcedureText, ProcedureText.code == Procedure.code)
            .where(ProcedureText.language == lang)
            .order_by(Procedure.position)
        ).all()
    ordered = sorted(rows, key=lambda r: (topics[r[0].topic].position, r[0].position))
    return CatalogueOut(
        language=lang,
        procedures=[
            ProcedureOut(
                code=p.code,
                title=t.title,
                summary=t.summary,
                topic=TopicOut(code=p.topic, name=_name(topics[p.topic], lang)),
                needs_certificate=p.needs_certificate,
                completable_here=p.completable_here,
                kiosk_flow=p.kiosk_flow,
                what_to_bring=json.loads(t.what_to_bring),
                where_to_go=t.where_to_go,
                hours=t.hours,
                url=p.url,
            )
            for p, t in ordered
        ],
    )


@router.get("/departments", response_model=DepartmentsOut)
def departments(request: Request, ctx: Ctx, language: LanguageQuery = None) -> DepartmentsOut:
    """The departments an instància can be addressed to."""
    lang = language_param(request, language)
    with ctx.read() as session:
        rows = session.execute(select(Department).order_by(Department.position)).scalars().all()
    return DepartmentsOut(
        language=lang, departments=[DepartmentOut(code=d.code, name=_name(d, lang)) for d in rows]
    )


@router.get(
    "/verify/{csv}",
    response_model=VerifyOut,
    responses={404: {"model": ErrorOut, "description": "No document has this CSV"}},
)
def verify(ctx: Ctx, csv: Annotated[str, Path(max_length=40)]) -> VerifyOut:
    """What was issued under this codi segur de verificació (CSV), exactly as it was issued."""
    with ctx.read() as session:
        row = session.get(IssuedDocument, csv.strip().upper())
    if row is None:
        raise ApiError(404, "document_not_found")
    document = json.loads(row.payload)
    return VerifyOut(
        csv=row.csv,
        kind=row.kind,
        issued_at=row.issued_at,
        training=bool(document.get("training", False)),
        document=document,
    )
