"""Instància genèrica: the registry entry with its attachments, numbered E/<year>/<6 digits> in order of
receipt, with no gaps or duplicates however many kiosks submit at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contract.attachments import attachment_name_problem, sniff
from contract.documents import Applicant, Attachment, Contact, Department, InstanciaReceipt
from contract.errors import ErrorCode
from contract.limits import INSTANCIA_FIELDS_MAX, MAX_FILE_BYTES, MAX_FILES
from contract.v1 import InstanciaFields
from municipal import models, outbox, timeutil
from municipal.api.auth import require_identification
from municipal.api.common import (
    KIOSK,
    Citizen,
    CitizenByCertificate,
    citizen_before_body,
    citizen_refusals,
)
from municipal.api.writes import IdempotentWrite, Write, next_number
from municipal.errors import ApiError

router = APIRouter(prefix="/v1", tags=["instància"], dependencies=[KIOSK])


@dataclass(frozen=True)
class Upload:
    name: str
    media_type: str
    content: bytes
    sha256: str


async def _read_attachment(upload: UploadFile) -> Upload:
    name = (upload.filename or "").strip()
    if attachment_name_problem(name) is not None:
        raise ApiError(422, ErrorCode.ATTACHMENT_NAME, {"name": name[:100]})
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ApiError(422, ErrorCode.ATTACHMENT_TOO_LARGE, {"name": name})
        digest.update(chunk)
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        raise ApiError(422, ErrorCode.ATTACHMENT_EMPTY, {"name": name})
    media_type = sniff(content)
    if media_type is None:
        raise ApiError(422, ErrorCode.ATTACHMENT_TYPE, {"name": name})
    return Upload(name=name, media_type=media_type, content=content, sha256=digest.hexdigest())


@router.post(
    "/instancies",
    status_code=201,
    response_model=InstanciaReceipt,
    responses=citizen_refusals(
        "Idempotency key reused with another body", too_large="Request larger than 10 files of 10 MB"
    ),
)
@citizen_before_body
async def submit_instancia(
    citizen: CitizenByCertificate,
    write: Write,
    fields: Annotated[
        str, Form(description="JSON object: see the InstanciaFields schema", max_length=INSTANCIA_FIELDS_MAX)
    ],
    files: Annotated[
        list[UploadFile] | None, File(description="Up to 10 PDF/JPEG/PNG files, 10 MB each")
    ] = None,
) -> InstanciaReceipt:
    """Register an instància genèrica (Llei 39/2015 art. 16): the receipt lists every attachment's name,
    size and SHA-256."""
    require_identification(citizen, "instancia_generica")
    try:
        data = InstanciaFields.model_validate_json(fields)
    except ValidationError as exc:
        detail = [{"loc": ["fields", *map(str, e["loc"])], "msg": e["msg"]} for e in exc.errors()]
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, detail) from None
    uploads = files or []
    if len(uploads) > MAX_FILES:
        raise ApiError(422, ErrorCode.ATTACHMENT_TOO_MANY)
    attachments = [await _read_attachment(u) for u in uploads]
    # The database work blocks: run it off the event loop.
    return await run_in_threadpool(_register, citizen, write, data, attachments)


def _register(
    citizen: Citizen, write: IdempotentWrite, data: InstanciaFields, attachments: list[Upload]
) -> InstanciaReceipt:
    with write.transaction(data, citizen, [(a.name, a.sha256) for a in attachments]) as tx:
        session = tx.session
        department = session.get(models.Department, data.department)
        if department is None:
            raise ApiError(422, ErrorCode.DEPARTMENT_UNKNOWN)
        now = timeutil.now()
        year = timeutil.local_year(now)
        sequence = next_number(session, "E", year)
        registry_number = f"E/{year}/{sequence:06d}"
        receipt = InstanciaReceipt(
            **write.document_head(data.language, now),
            registry_number=registry_number,
            registered_at=now,
            department=Department(code=department.code, name=department.name(data.language)),
            subject=data.subject,
            exposo=data.exposo,
            solicito=data.solicito,
            applicant=Applicant(
                id_number=citizen.id_number, given_name=citizen.given_name, surnames=citizen.surnames
            ),
            contact=Contact(email=data.contact.email, phone=data.contact.phone),
            notification_channel=data.notification_channel,
            attachments=tuple(
                Attachment(name=a.name, size=len(a.content), sha256=a.sha256) for a in attachments
            ),
        )
        text = tx.record_document("instancia", receipt, citizen.id_number)
        row = models.Instancia(
            registry_number=registry_number,
            year=year,
            sequence=sequence,
            registered_at=now,
            department_code=department.code,
            id_number=citizen.id_number,
            kiosk_id=write.kiosk_id,
            csv=receipt.csv,
            receipt=text,
        )
        session.add(row)
        session.flush()
        for position, a in enumerate(attachments):
            session.add(
                models.InstanciaAttachment(
                    instancia_id=row.id,
                    position=position,
                    name=a.name,
                    media_type=a.media_type,
                    size=len(a.content),
                    sha256=a.sha256,
                    content=a.content,
                )
            )
        # The confirmation, in the same transaction: by email for electronic notification, else by SMS
        # to the phone given (if any).
        electronic = data.notification_channel == "electronic"
        outbox.enqueue(
            session,
            kind="instancia_received",
            language=data.language,
            values={
                "registry_number": registry_number,
                "department": receipt.department.name,
                "subject": data.subject,
                "csv": receipt.csv,
                "verify_url": receipt.verify_url,
            },
            consent=f"instancia:{data.notification_channel}",
            email=data.contact.email if electronic else None,
            phone=data.contact.phone,
        )
        return tx.answer(receipt, text)
