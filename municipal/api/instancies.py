"""Instància genèrica: the registry entry with its attachments, numbered E/<year>/<6 digits> in order of
receipt, with no gaps or duplicates however many kiosks submit at once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from municipal import timeutil
from municipal.api.common import (
    Citizen,
    Ctx,
    IdempotencyKey,
    KioskId,
    Token,
    citizen_before_body,
    document_head,
    idempotent_write,
    next_number,
    record_document,
    request_hash,
    require_citizen,
)
from municipal.api.padro import CITIZEN_REFUSALS
from municipal.errors import ApiError
from municipal.models import Department, Instancia, InstanciaAttachment
from municipal.schemas import (
    ErrorOut,
    InstanciaFields,
    InstanciaReceiptOut,
    attachment_name_problem,
    sniff_attachment,
)

router = APIRouter(prefix="/v1", tags=["instància"])
MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    name: str
    media_type: str
    content: bytes
    sha256: str


async def _read_attachment(upload: UploadFile) -> Attachment:
    name = (upload.filename or "").strip()
    if attachment_name_problem(name) is not None:
        raise ApiError(422, "attachment_name", {"name": name[:100]})
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ApiError(422, "attachment_too_large", {"name": name})
        digest.update(chunk)
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        raise ApiError(422, "attachment_empty", {"name": name})
    media_type = sniff_attachment(content)
    if media_type is None:
        raise ApiError(422, "attachment_type", {"name": name})
    return Attachment(name=name, media_type=media_type, content=content, sha256=digest.hexdigest())


@router.post(
    "/instancies",
    status_code=201,
    response_model=InstanciaReceiptOut,
    responses={
        **CITIZEN_REFUSALS,
        409: {"model": ErrorOut, "description": "Idempotency key reused with another body"},
        413: {"model": ErrorOut, "description": "Request larger than 10 files of 10 MB"},
    },
)
@citizen_before_body
async def submit_instancia(
    request: Request,
    ctx: Ctx,
    kiosk_id: KioskId,
    token: Token,
    fields: Annotated[str, Form(description="JSON object: see the InstanciaFields schema", max_length=20000)],
    files: Annotated[
        list[UploadFile] | None, File(description="Up to 10 PDF/JPEG/PNG files, 10 MB each")
    ] = None,
    key: IdempotencyKey = None,
) -> Response:
    """Register an instància genèrica (Llei 39/2015 art. 16): the receipt lists every attachment's name,
    size and SHA-256."""
    try:
        data = InstanciaFields.model_validate_json(fields)
    except ValidationError as exc:
        detail = [{"loc": ["fields", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
        raise ApiError(422, "validation_error", detail) from None
    uploads = files or []
    if len(uploads) > MAX_FILES:
        raise ApiError(422, "attachment_too_many")
    attachments = [await _read_attachment(u) for u in uploads]
    fingerprint = request_hash(
        request.url.path, [data.model_dump(mode="json"), [(a.name, a.sha256) for a in attachments]]
    )

    def authenticate(session: Session) -> Citizen:
        return require_citizen(session, ctx, kiosk_id, token, touch=False)

    def work(session: Session, citizen: Citizen | None, prepared: Any) -> tuple[int, dict[str, Any]]:
        assert citizen is not None
        department = session.get(Department, data.department)
        if department is None:
            raise ApiError(422, "department_unknown")
        now = timeutil.now()
        year = timeutil.local_year(now)
        sequence = next_number(session, "E", year)
        registry_number = f"E/{year}/{sequence:06d}"
        name = getattr(department, f"name_{data.language}")
        receipt = InstanciaReceiptOut.model_validate(
            {
                **document_head(ctx, request, data.language, now),
                "registry_number": registry_number,
                "registered_at": timeutil.local_iso(now),
                "department": {"code": department.code, "name": name},
                "subject": data.subject,
                "exposo": data.exposo,
                "solicito": data.solicito,
                "applicant": {
                    "id_number": citizen.id_number,
                    "given_name": citizen.given_name,
                    "surnames": citizen.surnames,
                },
                "contact": {"email": data.contact.email, "phone": data.contact.phone},
                "notification_channel": data.notification_channel,
                "attachments": [
                    {"name": a.name, "size": len(a.content), "sha256": a.sha256} for a in attachments
                ],
            }
        )
        payload = receipt.model_dump(mode="json")
        payload["issued_at"] = payload["registered_at"] = timeutil.local_iso(now)
        row = Instancia(
            registry_number=registry_number,
            year=year,
            sequence=sequence,
            registered_at=now,
            department_code=department.code,
            id_number=citizen.id_number,
            kiosk_id=kiosk_id,
            csv=payload["csv"],
            receipt=json.dumps(payload, ensure_ascii=False),
        )
        session.add(row)
        session.flush()
        for position, a in enumerate(attachments):
            session.add(
                InstanciaAttachment(
                    instancia_id=row.id,
                    position=position,
                    name=a.name,
                    media_type=a.media_type,
                    size=len(a.content),
                    sha256=a.sha256,
                    content=a.content,
                )
            )
        record_document(session, "instancia", payload, citizen.id_number, kiosk_id, now)
        return 201, payload

    # The database work blocks: run it off the event loop.
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(
        idempotent_write, ctx, kiosk_id, key, fingerprint, authenticate, work, None, token
    )
