"""Spanish identity numbers: DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter), check letters,
and the keyed hash that stands for a number in logs and tables."""

from __future__ import annotations

import hashlib
import hmac
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


_key: bytes | None = None


def use_key(key: bytes) -> None:
    """Set the server's secret key of `log_hash` (from `ServerSettings.id_hash_key`, at start-up)."""
    global _key
    if len(key) < 32:
        raise ValueError("the ID-hash key must have at least 32 bytes")
    _key = key


def log_hash(id_number: str, key: bytes | None = None) -> str:
    """The token that stands for an ID number in logs and tables: HMAC-SHA256 under the server's secret
    key (`use_key`), 64 hex digits. Without the key it cannot be reversed by hashing every DNI and NIE
    (a few hundred million numbers: minutes for a plain hash). Never log the number itself."""
    key = key if key is not None else _key
    if key is None:
        raise RuntimeError("no ID-hash key: call ids.use_key() at start-up")
    return hmac.new(key, id_number.encode(), hashlib.sha256).hexdigest()
