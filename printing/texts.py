"""The printed documents' words in Catalan and Spanish, and how dates and amounts are written.

Documents are printed in the language the backend issued them in (Catalan by default, Spanish on
request), whatever language the kiosk's screens speak; so the words are a table of their own
(texts.toml, beside this module), not gettext.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Literal

DocLanguage = Literal["ca", "es"]

CITY = "Ajuntament de Mataró"
CITY_ADDRESS = "La Riera, 48 · 08301 Mataró · Tel. 93 741 29 00"

#: The phrases: one table each, in both languages (how to write one: the file's first lines).
PHRASES = Path(__file__).with_name("texts.toml")
LANGUAGES: tuple[DocLanguage, ...] = ("ca", "es")


def load_phrases(path: Path) -> dict[str, dict[DocLanguage, str]]:
    """The phrase table in `path`, refused whole if a phrase lacks a language or a placeholder."""
    with path.open("rb") as file:
        table = tomllib.load(file)
    for key, phrase in table.items():
        if not isinstance(phrase, dict) or sorted(phrase) != sorted(LANGUAGES):
            raise ValueError(f"{path.name}: [{key}] needs a ca and an es phrase, and nothing else")
        if not all(isinstance(words, str) and words.strip() for words in phrase.values()):
            raise ValueError(f"{path.name}: [{key}] has an empty phrase")
        if len({_placeholders(words) for words in phrase.values()}) > 1:
            raise ValueError(f"{path.name}: [{key}] has other {{placeholders}} in ca than in es")
    return table


def _placeholders(phrase: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(phrase) if name is not None)


@cache
def _texts() -> dict[str, dict[DocLanguage, str]]:
    return load_phrases(PHRASES)


def text(key: str, language: DocLanguage, **values: object) -> str:
    """The document phrase `key` in `language`, with `{placeholders}` filled in."""
    phrase = _texts()[key][language]
    return phrase.format(**values) if values else phrase


def keys() -> list[str]:
    return sorted(_texts())


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime) -> str:
    """Local time as issued (the backend sends the city's offset), to the minute."""
    return value.strftime("%d/%m/%Y %H:%M")


def format_amount(value: Decimal) -> str:
    """`17.5` -> `17,50 €` (Catalan and Spanish both use a decimal comma and a thousands point)."""
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(cents):.2f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sign = "-" if cents < 0 else ""
    return f"{sign}{'.'.join(groups)},{frac} €"


def format_size(size: int, language: DocLanguage) -> str:
    """Sizes as a citizen reads them, plus the exact byte count the hash refers to."""
    exact = f"{size:,}".replace(",", ".")
    if size < 1024:
        return f"{exact} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB ({exact} B)".replace(".", ",", 1)
    return f"{size / (1024 * 1024):.1f} MB ({exact} B)".replace(".", ",", 1)
