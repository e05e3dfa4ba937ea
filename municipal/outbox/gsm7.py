"""SMS text in the GSM 03.38 default alphabet (GSM-7): characters outside it folded to their nearest
letter (accents dropped where the alphabet has no accented form), and the text split into the segments
the gateway will bill: 160 septets in one message, 153 per part of a concatenated one (the user data
header takes 7). A character of the extension table (€, [, ], {, }, ...) takes two septets, and a part
never ends between the escape and its character.

A text that kept a character outside GSM-7 would be sent as UCS-2 (70 / 67 characters a segment): the
folding is what keeps a Catalan confirmation in one or two segments."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# 3GPP TS 23.038, 6.2.1: the default alphabet, and its extension table (reached through ESC).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = frozenset("\f^{}\\[~]|€")
SINGLE_SEGMENT = 160
PART = 153

# Folded by hand: what stripping the accent does not give (or gives wrong).
_FOLD = {
    "ç": "c",  # 0x09 is the capital Ç; phones show it as either, so the plain letter is the honest one
    "·": ".",  # the Catalan punt volat: col·legi -> col.legi, as Catalan SMS are usually written
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "\t": " ",
    "ª": "a",
    "º": "o",
    "Œ": "OE",
    "œ": "oe",
}


def fold(text: str) -> str:
    """`text` with every character GSM-7 cannot carry replaced: accents dropped (á -> a, Ò -> O, ï -> i),
    the few characters of `_FOLD`, and anything else as '?'."""
    out: list[str] = []
    for char in text:
        if char in BASIC or char in EXTENSION:
            out.append(char)
        elif char in _FOLD:
            out.append(_FOLD[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
            out.append(base if base and all(c in BASIC for c in base) else "?")
    return "".join(out)


def septets(char: str) -> int:
    return 2 if char in EXTENSION else 1


@dataclass(frozen=True)
class SmsText:
    """A text ready for the gateway: folded, its length in septets and the parts it is sent in."""

    text: str
    septets: int
    parts: tuple[str, ...]

    @property
    def segments(self) -> int:
        return len(self.parts)


def prepare(text: str) -> SmsText:
    """Fold `text` and split it as a concatenated SMS would be."""
    folded = fold(text)
    total = sum(septets(c) for c in folded)
    if total <= SINGLE_SEGMENT:
        return SmsText(folded, total, (folded,) if folded else ())
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in folded:
        size = septets(char)
        if used + size > PART:  # an escaped character moves whole to the next part
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return SmsText(folded, total, tuple(parts))
