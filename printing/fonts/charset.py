"""The characters our shipped fonts carry (and so the only ones a document can print)."""

from __future__ import annotations

UNICODES: tuple[int, ...] = (
    *range(0x20, 0x7F),  # Basic Latin
    *range(0xA0, 0x180),  # Latin-1 Supplement and Latin Extended-A (à è ç ñ, l·l, ŀ, ł, ő, š ...)
    0x0218, 0x0219, 0x021A, 0x021B,  # Romanian Ș ș Ț ț
    0x02BC, 0x02C6, 0x02C7, 0x02D8, 0x02D9, 0x02DA, 0x02DB, 0x02DC, 0x02DD,  # modifier letters, accents
    *range(0x2010, 0x2028),  # hyphens, dashes, quotes, bullet, ellipsis
    0x2030, 0x2039, 0x203A,  # per mille, single guillemets
    0x20AC,  # euro sign
    0x2116, 0x2122,  # numero sign, trade mark
    0x2190, 0x2192,  # arrows
    0x2212,  # minus sign
    0x25A0, 0x25AA, 0x25CF,  # squares, black circle
    0x2713, 0x2717,  # check mark, ballot x
)  # fmt: skip
