"""The contract's limits, in one place: the request models use them, the reference server enforces the
sizes while the body streams in, and the kiosk checks them before sending (kiosk/procedures/validation.py).

Lengths are in characters (code points), as pydantic counts them; sizes in bytes."""

from __future__ import annotations

MB = 1024 * 1024

# --- text fields ----------------------------------------------------------------------------------
#: An instància's subject and a bústia message's topic.
SUBJECT_MAX = 200
TOPIC_MAX = 200
#: An instància's exposo and solicito, a bústia message's text.
LONG_TEXT_MAX = 5000
EMAIL_MAX = 200
PHONE_MAX = 30
DEPARTMENT_CODE_MAX = 40
#: The ID number of a weak identification, as typed (normalised by the server).
ID_NUMBER_MAX = 20
CHALLENGE_ID_MAX = 64
#: Base64 of the DER certificate and of the signature.
CERTIFICATE_MAX = 16384
SIGNATURE_MAX = 2048
IDEMPOTENCY_KEY_MAX = 200
#: The JSON of the instància's `fields` part.
INSTANCIA_FIELDS_MAX = 20000
#: A CSV in a verification path.
CSV_PATH_MAX = 40

# --- attachments ----------------------------------------------------------------------------------
MAX_FILES = 10
MAX_FILE_BYTES = 10 * MB
#: Longest attachment name, in characters.
ATTACHMENT_NAME_MAX = 80

# --- request bodies -------------------------------------------------------------------------------
#: The instància: 10 files of 10 MB, their multipart headers, and the fields.
INSTANCIA_BODY_MAX = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
#: Every other request.
BODY_MAX = 64 * 1024
