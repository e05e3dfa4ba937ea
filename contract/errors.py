"""Every refusal's body, `{"code", "message", "detail"}`, and the codes it can carry.

A client decides by `code` (never by `message`, which is written for a citizen in the request's
Accept-Language, nor by the HTTP status alone)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class ErrorCode(StrEnum):
    # the kiosk
    KIOSK_UNAUTHORISED = "kiosk_unauthorised"
    # the citizen's session
    SESSION_REQUIRED = "session_required"
    SESSION_EXPIRED = "session_expired"
    SCOPE_FORBIDDEN = "scope_forbidden"
    # certificate login
    CHALLENGE_UNKNOWN = "challenge_unknown"
    CHALLENGE_USED = "challenge_used"
    CHALLENGE_EXPIRED = "challenge_expired"
    CERTIFICATE_INVALID = "certificate_invalid"
    CERTIFICATE_UNTRUSTED = "certificate_untrusted"
    CERTIFICATE_EXPIRED = "certificate_expired"
    CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_WRONG_USAGE = "certificate_wrong_usage"
    IDENTITY_INVALID = "identity_invalid"
    SIGNATURE_INVALID = "signature_invalid"
    # weak identification
    WEAK_LOGIN_FAILED = "weak_login_failed"
    ID_NUMBER_INVALID = "id_number_invalid"
    RATE_LIMITED = "rate_limited"
    # procedures
    NOT_REGISTERED = "not_registered"
    NOT_FOUND = "not_found"
    DOCUMENT_NOT_FOUND = "document_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    VALIDATION_ERROR = "validation_error"
    REQUEST_TOO_LARGE = "request_too_large"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    DEPARTMENT_UNKNOWN = "department_unknown"
    ATTACHMENT_TOO_MANY = "attachment_too_many"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_NAME = "attachment_name"
    ATTACHMENT_TYPE = "attachment_type"
    CARD_EXISTS = "card_exists"
    SERVICE_UNKNOWN = "service_unknown"
    SLOT_TAKEN = "slot_taken"
    APPOINTMENT_EXISTS = "appointment_exists"
    APPOINTMENT_UNKNOWN = "appointment_unknown"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_PAST = "appointment_past"
    APPOINTMENT_CHECKED_IN = "appointment_checked_in"
    CHECKIN_NONE_TODAY = "checkin_none_today"
    CHECKIN_TOO_EARLY = "checkin_too_early"
    CHECKIN_TOO_LATE = "checkin_too_late"
    ACTIVITY_UNKNOWN = "activity_unknown"
    ACTIVITY_CLOSED = "activity_closed"
    APPLICATION_EXISTS = "application_exists"
    APPLICATION_UNKNOWN = "application_unknown"
    APPLICATION_WITHDRAWN = "application_withdrawn"
    ACTIVITY_NOT_DRAWN = "activity_not_drawn"
    BILL_UNKNOWN = "bill_unknown"
    BILL_PAID = "bill_paid"
    # the server
    INTERNAL_ERROR = "internal_error"


class ErrorOut(BaseModel):
    code: ErrorCode
    #: For the citizen, in the request's language (ca, es, en).
    message: str
    #: For staff: which field, which file; never citizen data beyond what the request itself sent.
    detail: Any = None
