"""The instància's attachment rules: which names can be registered and printed on the receipt, and which
contents are accepted (`sniff`). Pure functions: the kiosk checks them before sending, the backend again
on receipt."""

from __future__ import annotations

import re

from contract.limits import ATTACHMENT_NAME_MAX
from contract.text import refused_character

#: What an attachment may be, by content (never by name).
MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")
_PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)\s")
#: Where a PDF's end-of-file marker must be: PDF readers look for it in the last 1024 bytes.
PDF_EOF_WINDOW = 1024
#: Enough of a file's start for `sniff(head, whole=False)`.
HEAD_BYTES = 16


def attachment_name_problem(name: str) -> str | None:
    """Why an attachment's file name cannot be registered and printed on the receipt (None = it can):
    1 to 80 characters, no control or invisible character (not even a tab or a line break), no path
    (`/`, `\\`, `..`), not only dots and spaces."""
    if not name or len(name) > ATTACHMENT_NAME_MAX:
        return "length"
    if refused_character(name) is not None:
        return "control or invisible character"
    if "/" in name or "\\" in name or ".." in name:
        return "path"
    if not name.strip(". "):
        return "no name"
    return None


def sniff(content: bytes, *, whole: bool = True) -> str | None:
    """The media type by content, never by name: PDF, JPEG or PNG; None for anything else. A PDF starts
    with a header with its version (`%PDF-1.0` to `%PDF-2.0`, then white space) and, when `content` is
    the `whole` file, has its `%%EOF` in its last 1024 bytes (a truncated or forged one is refused); a
    PNG and a JPEG start with their signatures. `whole=False` checks only the start of a file (its first
    `HEAD_BYTES`), as a file picker does before reading it."""
    if _PDF_HEADER.match(content):
        return "application/pdf" if not whole or b"%%EOF" in content[-PDF_EOF_WINDOW:] else None
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None
