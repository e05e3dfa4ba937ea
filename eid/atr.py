"""ATR classification: which kind of card is in the reader, from its Answer To Reset alone.

The table is data: each row is an ATR pattern with a mask (as OpenSC's `card-dnie.c` matches cards) and
the source it comes from. `classify()` is pure and fast; it runs on every card insertion before any
PKCS#11 call, so that a finalised DNIe or a contactless read can be explained without touching the card.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CardKind(enum.Enum):
    DNIE_2 = "dnie2"
    """DNIe 1.0/2.0 (contact). Supported."""
    DNIE_3 = "dnie3"
    """DNIe 3.0 or 4.0 (contact; the contact ATR cannot tell them apart). Supported."""
    DNIE_FINALISED = "dnie-finalised"
    """A DNIe whose life cycle is over (ATR ends 0F 65 81): it must be renewed at a Punto de Actualización."""
    FNMT_CERES = "fnmt-ceres"
    """FNMT-CERES card (Fábrica Nacional de Moneda y Timbre). Read through PKCS#11 like any other card."""
    CONTACTLESS = "contactless"
    """A DNIe 3.0/4.0 or residence permit read over its antenna: not supported, use the contact chip."""
    UNKNOWN = "unknown"
    """Any other chip: identified by its certificate's issuer if PKCS#11 can read it (e.g. AOC/T-CAT)."""

    @property
    def supported(self) -> bool:
        """Whether the kiosk should try to read a certificate from this card at all."""
        return self not in (CardKind.DNIE_FINALISED, CardKind.CONTACTLESS)


@dataclass(frozen=True)
class AtrPattern:
    """An ATR pattern written as pcsc-tools does: hex bytes, `..` for any byte, `x` for any nibble."""

    pattern: str
    kind: CardKind
    source: str
    #: Only for DNIe rows: the version byte (index 15) at or above which the card is a DNIe 3.0/4.0.
    min_version: int | None = None
    max_version: int | None = None

    def _bytes(self) -> tuple[bytes, bytes]:
        value, mask = bytearray(), bytearray()
        for token in self.pattern.split():
            v = m = 0
            for nibble in token:
                v, m = v << 4, m << 4
                if nibble not in ".x":
                    v |= int(nibble, 16)
                    m |= 0xF
            value.append(v)
            mask.append(m)
        return bytes(value), bytes(mask)

    def matches(self, atr: bytes) -> bool:
        value, mask = self._bytes()
        if len(atr) != len(value):
            return False
        if any((a & m) != (v & m) for a, v, m in zip(atr, value, mask, strict=True)):
            return False
        if self.min_version is not None and atr[DNIE_VERSION_BYTE] < self.min_version:
            return False
        return not (self.max_version is not None and atr[DNIE_VERSION_BYTE] > self.max_version)


#: OpenSC card-dnie.c: `DNIE_30_VERSION 0x04`, compared with ATR byte 15 (0-based).
DNIE_VERSION_BYTE = 15
DNIE_30_VERSION = 0x04

_OPENSC = "OpenSC src/libopensc/card-dnie.c (dnie_atrs, DNIE_30_VERSION)"
_PCSC_TOOLS = "pcsc-tools smartcard_list.txt"
_DESIGN = "OVAC DESIGN.md section 3"

#: First match wins: the finalised row comes before the generic DNIe rows.
ATR_TABLE: tuple[AtrPattern, ...] = (
    AtrPattern(
        "3B 7F .. 00 00 00 6A 44 4E 49 65 .. .. .. .. .. .. 0F 65 81",
        CardKind.DNIE_FINALISED,
        f"{_OPENSC}: second dnie_atrs entry, '0F 65 81' = card finalised; {_PCSC_TOOLS} "
        "'3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 01 55 04 21 0F 65 81 DNIe'",
    ),
    AtrPattern(
        "3B 7F .. 00 00 00 6A 44 4E 49 65 .. .. .. .. .. .. 03 90 00",
        CardKind.DNIE_3,
        f"{_OPENSC}: first dnie_atrs entry and DNIE_30_VERSION (byte 15 >= 0x04); {_PCSC_TOOLS} "
        "'... 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00 DNI electronico'",
        min_version=DNIE_30_VERSION,
    ),
    AtrPattern(
        "3B 7F .. 00 00 00 6A 44 4E 49 65 .. .. .. .. .. .. 03 90 00",
        CardKind.DNIE_2,
        f"{_OPENSC}: first dnie_atrs entry, byte 15 < DNIE_30_VERSION; {_PCSC_TOOLS} "
        "'... 6A 44 4E 49 65 20 01 77 98 03 11 03 90 00 Spanish ID card (DNIe)'",
        max_version=DNIE_30_VERSION - 1,
    ),
    AtrPattern(
        "3B 7F .. 00 00 00 6A 43 45 52 45 53 .. .. .. .. .. .. .. ..",
        CardKind.FNMT_CERES,
        f"{_PCSC_TOOLS} 'Ceres ST v2/v3' and 'FNMT-CERES ST (Fábrica Nacional de Moneda y Timbre)'; "
        f"{_DESIGN}",
    ),
    AtrPattern(
        "3B 7F .. 00 00 00 6A 46 4E 4D 54 .. .. .. .. .. .. .. .. ..",
        CardKind.FNMT_CERES,
        f"{_PCSC_TOOLS} '3B 7F 96 00 00 00 6A 46 4E 4D 54 03 04 11 43 04 30 03 90 00 CERES Spanish "
        f"SmartCard (FNMT)'; {_DESIGN}",
    ),
    AtrPattern(
        "3B EF .. 00 40 14 80 25 43 45 52 45 53 57 .. .. 01 0x 03 90 00",
        CardKind.FNMT_CERES,
        f"{_PCSC_TOOLS} 'FNMT-Ceres Siemens Infineon SLE 19/SLE 20'",
    ),
    AtrPattern(
        "3B 88 80 01 E1 F3 5E 11 77 8x .. .. ..",
        CardKind.CONTACTLESS,
        f"{_PCSC_TOOLS} '3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03 Spanish ID know as DNIe', "
        f"'... 77 81 E1 00 43 DNIE Spain Contactless', '... 77 83 00 00 A0 Residence permit'; {_DESIGN}",
    ),
    AtrPattern(
        "3B 8C 80 01 50 .. .. .. .. E1 F3 5E 11 77 8x .. ..",
        CardKind.CONTACTLESS,
        f"{_PCSC_TOOLS} '3B 8C 80 01 50 .. .. .. .. E1 F3 5E 11 77 81 E1 .. Spanish eID (DNIe)' "
        "(type B answer with the DNIe's contactless historical bytes)",
    ),
)


def parse_atr(text: str) -> bytes:
    """`'3B 7F 96 ...'` (spaces or colons optional) as bytes."""
    return bytes.fromhex(text.replace(":", " "))


def format_atr(atr: bytes) -> str:
    return " ".join(f"{b:02X}" for b in atr)


def match(atr: bytes) -> AtrPattern | None:
    """The table row that recognises `atr`, if any."""
    for row in ATR_TABLE:
        if row.matches(atr):
            return row
    return None


def classify(atr: bytes) -> CardKind:
    """The kind of card that answered with `atr`; `UNKNOWN` for every chip the table does not list."""
    row = match(atr)
    return row.kind if row is not None else CardKind.UNKNOWN
