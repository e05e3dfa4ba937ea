"""ATR classification against real ATRs from public lists, each with the entry it comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from eid.atr import ATR_TABLE, CardKind, classify, format_atr, match, parse_atr

SMARTCARD_LIST = Path("/usr/share/pcsc/smartcard_list.txt")
SRC = "pcsc-tools smartcard_list.txt"

#: (ATR as listed, expected kind, the list's description of it)
CASES: list[tuple[str, CardKind, str]] = [
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00", CardKind.DNIE_3,
     f"{SRC}: 'DNI electronico (Spanish electronic ID card) (eID)'"),
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 10 03 90 00", CardKind.DNIE_3,
     f"{SRC}: 'Spanish DNI (3.0 version) (eID)'"),
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 77 98 03 11 03 90 00", CardKind.DNIE_2,
     f"{SRC}: 'Spanish ID card (DNIe) (eID)'"),
    ("3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C 34 01 13 03 90 00", CardKind.DNIE_2,
     f"{SRC}: '3B 7F 38 ... 6A 44 4E 49 65 [12]0 02 4C 34 01 13 03 90 00 DNI electronico'"),
    ("3B 7F 38 00 00 00 6A 44 4E 49 65 20 02 4C 34 01 13 03 90 00", CardKind.DNIE_2,
     f"{SRC}: same entry, the [12]0 alternative 20; RECIPES.md's vpcd ATR family"),
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 10 01 01 55 04 33 03 90 00", CardKind.DNIE_3,
     f"{SRC}: '3B 7F 96 ... 6A 44 4E 49 65 10 01 01 55 04 .. 03 90 00 DNIE Spain (eID)'"),
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 01 55 04 21 0F 65 81", CardKind.DNIE_FINALISED,
     f"{SRC}: 'DNIe (eID)' (ends 0F 65 81)"),
    ("3B 7F 96 00 00 00 6A 44 4E 49 65 00 01 77 98 03 11 0F 65 81", CardKind.DNIE_FINALISED,
     f"{SRC}: 'Electronic Spanish National ID card (eID)' (ends 0F 65 81)"),
    ("3B 7F 38 00 00 00 6A 44 4E 49 65 00 02 4C 34 01 13 0F 65 81", CardKind.DNIE_FINALISED,
     f"{SRC}: 'DNI (Documento Nacional de Identidad), Spanish ID Card'"),
    ("3B 7F 11 00 00 00 6A 43 45 52 45 53 02 2C 34 02 00 03 90 00", CardKind.FNMT_CERES,
     f"{SRC}: 'FNMT-CERES ST (Fábrica Nacional de Moneda y Timbre)'"),
    ("3B 7F 96 00 00 00 6A 46 4E 4D 54 03 04 11 43 04 30 03 90 00", CardKind.FNMT_CERES,
     f"{SRC}: 'CERES Spanish SmartCard from the Fabrica Nacional de Moneda y Timbre (FNMT) (eID)'"),
    ("3B EF 00 00 40 14 80 25 43 45 52 45 53 57 05 60 01 02 03 90 00", CardKind.FNMT_CERES,
     f"{SRC}: '3B EF .. 00 40 14 80 25 43 45 52 45 53 57 .. .. 01 02 03 90 00 FNMT-Ceres SLE 20'"),
    ("3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03", CardKind.CONTACTLESS,
     f"{SRC}: 'Spanish ID know as DNIe (eID)' (contactless)"),
    ("3B 88 80 01 E1 F3 5E 11 77 81 E1 00 43", CardKind.CONTACTLESS,
     f"{SRC}: 'DNIE Spain (eID) Contactless (eID)'"),
    ("3B 88 80 01 E1 F3 5E 11 77 83 00 00 A0", CardKind.CONTACTLESS,
     f"{SRC}: 'Residence permit (eID)' (collides with the contactless DNIe)"),
    ("3B 8C 80 01 50 3A 88 EC 29 E1 F3 5E 11 77 81 E1 60", CardKind.CONTACTLESS,
     f"{SRC}: 'DNI electronico (Spanish electronic ID card) (eID)' (type B, contactless)"),
    ("3B BB 18 00 C0 10 31 FE 45 80 67 04 12 B0 03 03 00 00 81 05 3C", CardKind.UNKNOWN,
     f"{SRC}: 'Philips Smart MX ... CATCert catalan government workers identity card'"),
    ("3B FF 18 00 FF 81 31 FE 55 00 6B 42 49 54 34 49 44 20 32 2E 30 00 90 00 92", CardKind.UNKNOWN,
     f"{SRC}: 'Izenpe Green Card (Citizen Certificate) (eID)'"),
    ("3B 88 80 01 E1 F3 5E 11 77 83 D7 00 77", CardKind.CONTACTLESS,
     f"{SRC}: 'Spanish Electronic Passport 2.0 (passport)' (same contactless chip family)"),
    ("3B 7F 96 00 00 80 31 80 65 B0 85 03 00 EF 12 0F FF 82 90 00", CardKind.UNKNOWN,
     "a Gemalto IAS chip (MultiApp family, pcsc-tools '3B 7F .. 00 00 80 31 .. 65 B0 ...'): not a DNIe"),
    ("3B BB 18 00 C0 3E 31 FE 65 47 26 44 20 54 53 4D 20 31 2E 30 B7", CardKind.UNKNOWN,
     f"{SRC}: 'Italian Tachograph Driver Card'"),
]  # fmt: skip


@pytest.mark.parametrize(("atr", "kind", "source"), CASES, ids=[c[2][:60] for c in CASES])
def test_classify_public_atrs(atr: str, kind: CardKind, source: str) -> None:
    assert classify(parse_atr(atr)) is kind, source


def test_at_least_fifteen_sourced_cases() -> None:
    assert len(CASES) >= 15
    assert all(source for _, _, source in CASES)


@pytest.mark.skipif(not SMARTCARD_LIST.exists(), reason="pcsc-tools is not installed")
def test_cases_quoted_from_the_list_are_in_it() -> None:
    """The ATRs said to come from smartcard_list.txt are there, verbatim or as a listed pattern."""
    listed = [line.strip() for line in SMARTCARD_LIST.read_text(errors="replace").splitlines()]
    patterns = [line for line in listed if line.startswith("3B")]
    for atr, _, source in CASES:
        if not source.startswith(SRC) or "alternative" in source:
            continue
        hit = any(_listed_matches(p, atr) for p in patterns)
        assert hit, f"{atr} ({source}) not found in {SMARTCARD_LIST}"


def _listed_matches(pattern: str, atr: str) -> bool:
    ptoks, atoks = pattern.split(), atr.split()
    if len(ptoks) != len(atoks):
        return False
    for p, a in zip(ptoks, atoks, strict=True):
        if p.startswith("["):  # "[12]0": one of the listed nibbles
            if a[0] not in p[1 : p.index("]")] or a[1] != p[-1]:
                return False
            continue
        if any(pc not in ".x" and pc != ac for pc, ac in zip(p, a, strict=True)):
            return False
    return True


def test_every_row_has_a_source_and_a_kind() -> None:
    for row in ATR_TABLE:
        assert row.source.strip()
        assert isinstance(row.kind, CardKind)


def test_version_byte_boundary() -> None:
    base = bytearray(parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00"))
    base[15] = 0x03
    assert classify(bytes(base)) is CardKind.DNIE_2
    base[15] = 0x04
    assert classify(bytes(base)) is CardKind.DNIE_3
    base[15] = 0x05  # a future DNIe version stays on the supported side
    assert classify(bytes(base)) is CardKind.DNIE_3


def test_wrong_length_and_empty_atrs_are_unknown() -> None:
    assert classify(b"") is CardKind.UNKNOWN
    dnie = parse_atr("3B 7F 96 00 00 00 6A 44 4E 49 65 20 01 01 55 04 21 03 90 00")
    assert classify(dnie[:-1]) is CardKind.UNKNOWN
    assert classify(dnie + b"\x00") is CardKind.UNKNOWN


def test_format_round_trip_and_match_row() -> None:
    atr = parse_atr("3b:88:80:01:e1:f3:5e:11:77:81:a1:00:03")
    assert format_atr(atr) == "3B 88 80 01 E1 F3 5E 11 77 81 A1 00 03"
    row = match(atr)
    assert row is not None and row.kind is CardKind.CONTACTLESS
    assert not CardKind.CONTACTLESS.supported and not CardKind.DNIE_FINALISED.supported
    assert CardKind.UNKNOWN.supported and CardKind.DNIE_3.supported
