"""Public reads (no kiosk credentials): health, the catalogue, the departments, document verification."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from contract import documents
from contract.documents import DocumentError, document_from_payload
from contract.errors import ErrorCode, ErrorOut
from contract.v1 import (
    CatalogueOut,
    DepartmentsOut,
    HealthOut,
    ProcedureOut,
    TopicOut,
    VerificationOut,
    VerifiedHolder,
    Withholding,
)
from municipal import __version__, catalogue_data
from municipal.api.common import Ctx, language_param
from municipal.api.writes import verify_url
from municipal.context import Context
from municipal.errors import ApiError
from municipal.models import Department, IssuedDocument, Procedure, ProcedureText, Topic
from printing.render import default_renderer

router = APIRouter(prefix="/v1", tags=["public"])
LanguageQuery = Annotated[
    Literal["ca", "es", "en"] | None, Query(description="ca, es or en; default: Accept-Language, then ca")
]


@router.get("/health", response_model=HealthOut)
def health(ctx: Ctx) -> HealthOut:
    return HealthOut(status="ok", version=__version__, training=ctx.settings.training)


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
                topic=TopicOut(code=p.topic, name=topics[p.topic].name(lang)),
                needs_certificate=p.needs_certificate,
                accepts=list(catalogue_data.accepts(p.code)),
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
        language=lang, departments=[documents.Department(code=d.code, name=d.name(lang)) for d in rows]
    )


# --- verification ------------------------------------------------------------------------------------
#
# A CSV is printed on the paper, so whoever holds one may hold a photo of it, a forwarded link or a QR
# scanner's history instead: the answer tells a verifier what was issued, and to whom, but never the
# data a weak identification asks (ID number, birth date, postal code) nor the citizen's contact.


def mask_id(value: str) -> str:
    """An ID number as the Spanish data protection authority (AEPD) has it published: four digits in
    the middle, the rest starred. DNI 12345678Z -> ***4567**, NIE X1234567L -> ****4567*; any other
    identifier entirely starred."""
    text = value.strip().upper()
    if re.fullmatch(r"\d{8}[A-Z]", text):
        return f"***{text[3:7]}**"
    if re.fullmatch(r"[XYZ]\d{7}[A-Z]", text):
        return f"****{text[4:8]}*"
    return "*" * min(len(text), 9)


#: What the verification answer does to each field of an issued document, wherever it appears
#: (holder, inhabitants, applicant...): "mask" keeps the AEPD's four digits, "omit" leaves it out.
WITHHELD: dict[str, Withholding] = {
    "id_number": "mask",
    "birth_date": "omit",  # even the year: it narrows the one secret of the weak identification
    "postal_code": "omit",
    "contact": "omit",  # email and phone of an instància or a bústia message
}


def withheld(value: Any) -> Any:
    """`value` (an issued document's JSON) with the fields of `WITHHELD` masked or left out."""
    if isinstance(value, list):
        return [withheld(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        rule = WITHHELD.get(key)
        if rule == "omit":
            continue
        if rule == "mask" and isinstance(item, str):
            out[key] = mask_id(item)
        else:
            out[key] = withheld(item)
    return out


def holder_of(document: dict[str, Any]) -> VerifiedHolder | None:
    """Whom the document was issued to, by name, with the ID number masked (None: an anonymous bústia
    message, or a deixalleria summary without a card)."""
    person = document.get("holder") or document.get("applicant")
    if isinstance(person, dict):
        name = f"{person.get('given_name', '')} {person.get('surnames', '')}".strip()
        number = person.get("id_number")
        return VerifiedHolder(name=name, id_number=mask_id(number) if isinstance(number, str) else None)
    card = document.get("card")
    if isinstance(card, dict) and card.get("holder_name"):
        return VerifiedHolder(name=str(card["holder_name"]), id_number=None)
    return None


class _Renders:
    """PDFs of stored payloads: as the kiosk printed them (the same renderer, the issue date as creation
    date: the same bytes for the same printing code), or with `WITHHELD` applied. The digests of many
    and the PDFs of a few are kept, by CSV (a CSV's payload never changes); one render at a time, so a
    burst of verifications cannot take every thread of the pool."""

    def __init__(self, digests: int = 4096, pdfs: int = 16):
        self._sizes = {False: digests, True: pdfs}
        self._kept: dict[bool, OrderedDict[str, Any]] = {False: OrderedDict(), True: OrderedDict()}
        self._lock = threading.Lock()

    def _get(self, csv: str, payload: str, masked: bool) -> Any:
        kept = self._kept[masked]
        with self._lock:
            if csv in kept:
                kept.move_to_end(csv)
                return kept[csv]
            document = json.loads(payload)
            try:
                typed = document_from_payload(withheld(document) if masked else document)
                pdf: bytes | None = default_renderer().render(typed)
            except DocumentError:
                pdf = None
            value = pdf if masked or pdf is None else hashlib.sha256(pdf).hexdigest()
            kept[csv] = value
            while len(kept) > self._sizes[masked]:
                kept.popitem(last=False)
            return value

    def digest(self, csv: str, payload: str) -> str | None:
        """SHA-256 (hex) of the PDF as issued; None when the payload is not a printable document."""
        value: str | None = self._get(csv, payload, False)
        return value

    def masked_pdf(self, csv: str, payload: str) -> bytes | None:
        value: bytes | None = self._get(csv, payload, True)
        return value


_renders = _Renders()


def _issued(ctx: Context, csv: str) -> IssuedDocument:
    with ctx.read() as session:
        row = session.get(IssuedDocument, csv.strip().upper())
    if row is None:
        raise ApiError(404, ErrorCode.DOCUMENT_NOT_FOUND)
    return row


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No document has this CSV"}
}


@router.get("/verify/{csv}", response_model=VerificationOut, responses=_NOT_FOUND)
def verify(
    request: Request, response: Response, ctx: Ctx, csv: Annotated[str, Path(max_length=40)]
) -> VerificationOut:
    """What was issued under this codi segur de verificació (CSV): kind, date, holder, the digest of the
    PDF as issued and the document itself, with ID numbers masked and birth dates, postal codes and
    contact details left out."""
    # A browser asking for HTML gets the verification page at this URL instead (municipal.web.verify).
    response.headers["Vary"] = "Accept, Accept-Language"
    row = _issued(ctx, csv)
    document = json.loads(row.payload)
    return VerificationOut(
        csv=row.csv,
        kind=row.kind,
        issued_at=row.issued_at,
        language=str(document.get("language", "ca")),
        training=bool(document.get("training", False)),
        holder=holder_of(document),
        pdf_sha256=_renders.digest(row.csv, row.payload),
        pdf_url=verify_url(ctx, request, row.csv) + "/pdf",
        withheld=WITHHELD,
        document=withheld(document),
    )


@router.get(
    "/verify/{csv}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}, **_NOT_FOUND},
)
def verify_pdf(ctx: Ctx, csv: Annotated[str, Path(max_length=40)]) -> Response:
    """The document issued under this CSV as a PDF, laid out as printed, with ID numbers masked and birth
    dates, postal codes and contact details left out (its digest is not `pdf_sha256`, which is the one
    of the unmasked PDF)."""
    row = _issued(ctx, csv)
    pdf = _renders.masked_pdf(row.csv, row.payload)
    if pdf is None:
        raise ApiError(404, ErrorCode.DOCUMENT_NOT_FOUND)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.csv}.pdf"'},
    )
