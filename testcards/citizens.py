"""The named test cards and their holders, from `citizens.toml` (shared with the backend's demo padró)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from eid.atr import parse_atr

CITIZENS_FILE = Path(__file__).with_name("citizens.toml")

#: The ATR each kind of test card answers with, copied from real cards' entries in pcsc-tools'
#: smartcard_list.txt so that the classification runs on what a real reader would report.
ATR_BY_KIND: dict[str, str] = {
    # "Spanish DNI (3.0 version)"
    "dnie3": "3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00",
    # "Spanish ID card (DNIe)", version byte 0x03
    "dnie2": "3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 77 98 03 11 03 90 00",
    # "CATCert (Agència Catalana de Certificació) ... identity card" (a Philips Smart MX, generic ATR)
    "aoc": "3B BB 18 00 C0 10 31 FE 45 80 67 04 12 B0 03 03 00 00 81 05 3C",
    # "DNIe (eID)" ending 0F 65 81: finalised
    "finalised": "3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 01 55 04 21 0F 65 81",
    # "Spanish ID know as DNIe" read over the antenna
    "contactless": "3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03",
    # "Italian Tachograph Driver Card": a real chip the kiosk has no use for
    "unsupported": "3B BB 18 00 C0 3E 31 FE 65 47 26 44 20 54 53 4D 20 31 2E 30 B7",
}


@dataclass(frozen=True)
class TestCitizen:
    id_number: str
    given_name: str
    surname1: str
    surname2: str
    birth_date: date
    postal_code: str
    issuer: str  # "dnie" | "aoc"
    cert: str  # "valid" | "expired" | "revoked" | "untrusted"
    pin: str
    pin_state: str  # "ok" | "last-try" | "locked"
    padro: str
    household: str

    @property
    def surnames(self) -> str:
        return f"{self.surname1} {self.surname2}".strip()


@dataclass(frozen=True)
class TestCard:
    name: str
    kind: str
    citizen: TestCitizen | None

    @property
    def atr(self) -> bytes:
        return parse_atr(ATR_BY_KIND[self.kind])

    @property
    def token_label(self) -> str | None:
        """The SoftHSM2 token that plays this card's chip (None: the card has no certificate)."""
        return f"OVAC {self.name}"[:32] if self.citizen is not None else None

    def describe(self) -> str:
        if self.citizen is None:
            return f"{self.kind} card without a certificate"
        c = self.citizen
        return f"{self.kind}, cert {c.cert}, PIN {c.pin_state}, padró {c.padro}"


def load_cards(path: Path = CITIZENS_FILE) -> dict[str, TestCard]:
    """Every test card by name, in the file's order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cards: dict[str, TestCard] = {}
    for row in data.get("citizen", []):
        citizen = TestCitizen(
            id_number=row["id_number"],
            given_name=row["given_name"],
            surname1=row["surname1"],
            surname2=row.get("surname2", ""),
            birth_date=date.fromisoformat(row["birth_date"]),
            postal_code=row.get("postal_code", ""),
            issuer=row["issuer"],
            cert=row["cert"],
            pin=row["pin"],
            pin_state=row.get("pin_state", "ok"),
            padro=row.get("padro", "registered"),
            household=row.get("household", ""),
        )
        cards[row["card"]] = TestCard(name=row["card"], kind=row["kind"], citizen=citizen)
    for row in data.get("card", []):
        cards[row["card"]] = TestCard(name=row["card"], kind=row["kind"], citizen=None)
    return cards
