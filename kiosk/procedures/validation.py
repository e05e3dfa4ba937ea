"""Checks of what a citizen types into a procedure: pure functions, no Textual, unit-tested.

Text fields accept only what the registry can keep and the printed receipt can show:
- control characters (and invisible format characters such as bidi overrides) are refused;
- emoji are refused, with a message that names them, rather than silently stripped: what the citizen
  sees on the screen must be exactly what is registered and printed;
- any other character outside the fonts the receipts are printed with is refused and named;
- the length is counted in characters, as the backend counts it, and shown while typing;
- the limits, the refused character categories and the email and phone patterns are the contract's
  (`contract.limits`, `contract.text`): what passes here is what the backend accepts.

Every problem is an `Issue`: a message id (English, translated when shown) and its values. Nothing here
translates, so the functions can be tested in any language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from contract.limits import EMAIL_MAX, PHONE_MAX
from contract.text import EMAIL_PATTERN, PHONE_PATTERN, REFUSED_CATEGORIES
from eid.identity import is_valid_id
from kiosk.i18n import N_, _
from printing.fonts.charset import UNICODES

#: Characters the printed receipts can show (the shipped fonts), plus the line break of long texts.
PRINTABLE = frozenset(UNICODES)

_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)
_POSTAL_CODE = re.compile(r"^[0-5][0-9]{4}$")


@dataclass(frozen=True)
class Issue:
    """One problem with a value: an English message id with `{name}` placeholders, and the values."""

    message: str
    values: dict[str, str | int] = field(default_factory=dict)


def is_emoji(char: str) -> bool:
    """Pictographs, emoji modifiers and the joiners that build emoji sequences."""
    cp = ord(char)
    return (
        0x1F000 <= cp <= 0x1FAFF  # pictographs, emoticons, transport, flags, skin tones
        or 0x2600 <= cp <= 0x27BF  # miscellaneous symbols and dingbats
        or 0x2B00 <= cp <= 0x2BFF  # arrows and stars used as emoji
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors (emoji presentation)
        or cp == 0x200D  # zero-width joiner
        or 0xE0020 <= cp <= 0xE007F  # tag characters (subdivision flags)
        or 0x1F1E6 <= cp <= 0x1F1FF  # regional indicators
    ) and cp not in PRINTABLE


def is_control(char: str, *, multiline: bool = False) -> bool:
    """Control and invisible format characters (bidi overrides, zero-width spaces, BOM, ...)."""
    if multiline and char == "\n":
        return False
    return unicodedata.category(char) in REFUSED_CATEGORIES


def normalise_text(text: str, *, multiline: bool = False) -> str:
    """NFC (so that `a` + combining grave counts and prints as `à`), line breaks as `\\n`, trimmed."""
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text.strip()
    return text.strip()


def check_text(text: str, *, max_length: int, required: bool = True, multiline: bool = False) -> list[Issue]:
    """Every problem with a text field's value (after `normalise_text`); empty = it can be sent."""
    value = normalise_text(text, multiline=multiline)
    issues: list[Issue] = []
    if required and not value:
        issues.append(Issue(N_("This field is required: please fill it in.")))
    if len(value) > max_length:
        issues.append(
            Issue(
                N_("Too long: {length} characters, at most {limit}. Please shorten it."),
                {"length": len(value), "limit": max_length},
            )
        )
    controls = [c for c in value if is_control(c, multiline=multiline) and not is_emoji(c)]
    if controls:
        issues.append(Issue(N_("Contains control or invisible characters; please type the text again.")))
    emoji = [c for c in value if is_emoji(c)]
    if emoji:
        issues.append(Issue(N_("Emoji cannot be registered; please remove them.")))
    others = _unprintable(value, multiline=multiline, skip=set(controls) | set(emoji))
    if others:
        issues.append(
            Issue(
                N_("These characters cannot be printed; please write them another way: {chars}"),
                {"chars": " ".join(f"«{c}»" for c in others)},
            )
        )
    return issues


def _unprintable(value: str, *, multiline: bool, skip: set[str]) -> list[str]:
    seen: list[str] = []
    for char in value:
        if char in skip or (multiline and char == "\n") or ord(char) in PRINTABLE or char in seen:
            continue
        seen.append(char)
    return seen[:5]


def _matching(value: str, pattern: re.Pattern[str], most: int, wrong: str, *, required: bool) -> list[Issue]:
    """Empty (refused when `required`), or at most `most` characters that `pattern` matches (else the
    `wrong` message)."""
    if not value:
        return [Issue(N_("This field is required: please fill it in."))] if required else []
    if len(value) > most or not pattern.match(value):
        return [Issue(wrong)]
    return []


def check_email(value: str, *, required: bool = False) -> list[Issue]:
    wrong = N_("This is not a valid email address: check it (for example: name@example.cat).")
    return _matching(value.strip(), _EMAIL, EMAIL_MAX, wrong, required=required)


def normalise_phone(value: str) -> str:
    """`+34 600 11 22 33`, `600-112-233`, `(93) 741 29 00` → `+34600112233`, `600112233`, `937412900`."""
    return re.sub(r"[\s().-]", "", value.strip())


def check_phone(value: str, *, required: bool = False) -> list[Issue]:
    wrong = N_("This is not a valid phone number: check it (9 digits, or + and the country code).")
    return _matching(normalise_phone(value), _PHONE, PHONE_MAX, wrong, required=required)


def normalise_id_number(value: str) -> str:
    return re.sub(r"[\s.-]", "", value).upper()


def check_id_number(value: str) -> list[Issue]:
    value = normalise_id_number(value)
    if not value:
        return [Issue(N_("This field is required: please fill it in."))]
    # ASCII only: `\d` in the ID pattern also takes other scripts' digits (١٢٣٤٥٦٧٨Z), which no padró holds.
    if not value.isascii() or not is_valid_id(value):
        return [Issue(N_("This is not a valid DNI or NIE: check the digits and the letter."))]
    return []


def parse_birth_date(value: str, *, today: date | None = None) -> date | None:
    """`15/04/1980`, `15-4-1980`, `1980-04-15` → a date in the past; None if it is not one."""
    value = value.strip()
    # [0-9], not \d: the date is read as the citizen sees it, in the digits the field takes.
    found = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})", value)
    try:
        if found:
            day, month, year = (int(g) for g in found.groups())
            parsed = date(year, month, day)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            parsed = date.fromisoformat(value)
        else:
            return None
    except ValueError:
        return None
    today = today or date.today()
    if parsed > today or parsed.year < today.year - 130:
        return None
    return parsed


def check_birth_date(value: str, *, today: date | None = None) -> list[Issue]:
    if not value.strip():
        return [Issue(N_("This field is required: please fill it in."))]
    if parse_birth_date(value, today=today) is None:
        return [Issue(N_("Write the date as day/month/year, for example 15/04/1980."))]
    return []


def check_postal_code(value: str) -> list[Issue]:
    value = value.strip()
    if not value:
        return [Issue(N_("This field is required: please fill it in."))]
    if not _POSTAL_CODE.match(value):
        return [Issue(N_("This is not a valid postal code: type its 5 digits, for example 08301."))]
    return []


def describe(issue: Issue) -> str:
    """The issue in the citizen's language."""
    return _(issue.message).format(**issue.values)
