"""Spanish identity numbers: DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter), check letters."""

from __future__ import annotations

import hashlib
import re

LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_DNI = re.compile(r"^(\d{8})([A-Z])$")
_NIE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")


def normalise(raw: str) -> str:
    """Upper case, without spaces, dots or dashes (`x-1234567-l` -> `X1234567L`)."""
    return re.sub(r"[\s.\-]", "", raw).upper()


def check_letter(digits: int) -> str:
    return LETTERS[digits % 23]


def is_valid(id_number: str) -> bool:
    """True for a DNI or NIE (already normalised) whose check letter is right."""
    if m := _DNI.match(id_number):
        return check_letter(int(m.group(1))) == m.group(2)
    if m := _NIE.match(id_number):
        digits = int(f"{'XYZ'.index(m.group(1))}{m.group(2)}")
        return check_letter(digits) == m.group(3)
    return False


def is_nie(id_number: str) -> bool:
    return bool(_NIE.match(id_number))


def log_hash(id_number: str) -> str:
    """A short, stable token for logs: never log the number itself."""
    return hashlib.sha256(b"ovac-log:" + id_number.encode()).hexdigest()[:12]
