"""Cuaderno 60 Modalidad 2: the referencia's check digits, the identificación, the barcode's content, and
the collections file, from the norm's rules (`municipal.payments.cuaderno60`'s docstring)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, getcontext

import pytest

from municipal.payments import cuaderno60 as c60


def _by_the_norm(emisora: str, reference10: str, identification: str, cents: int) -> str:
    """The norm's words done literally, with a decimal quotient: the sum, divided by 97, the first two
    decimals subtracted from 99. The module does it with integers."""
    getcontext().prec = 40
    total = int(emisora) * 76 + int(reference10) * 9 + (int(identification) + cents - 1) * 55
    quotient = Decimal(total) / Decimal(97)
    decimals = int((quotient - int(quotient)) * 100)
    return f"{99 - decimals:02d}"


def test_check_digits_worked_by_hand() -> None:
    # 081210 × 76 = 6 171 960; 0000000123 × 9 = 1 107; (1100266365 + 35975 − 1) × 55 = 60 516 628 645;
    # the sum 60 522 801 712 / 97 = 623 946 409,402...: decimals 40, 99 − 40 = 59.
    assert c60.reference_check("081210", "0000000123", "1100266365", 35975) == "59"


@pytest.mark.parametrize(
    ("emisora", "number", "ident", "cents"),
    [
        ("081210", 0, "1100260001", 1),
        ("081210", 9_999_999_999, "1999261365", c60.MAX_CENTS),
        ("280796", 4_711, "1200251200", 6_000),
        ("081210", 2_026_000_017, "1300264110", 9_000),
        *[("081210", n * 7919, "1100266365", 1 + n * 3137) for n in range(200)],
    ],
)
def test_check_digits_agree_with_the_norm_done_literally(emisora: str, number: int, ident: str, cents: int
                                                         ) -> None:  # fmt: skip
    ref = f"{number:010d}"
    assert c60.reference_check(emisora, ref, ident, cents) == _by_the_norm(emisora, ref, ident, cents)


def test_check_digits_run_from_01_to_99() -> None:
    # A sum divisible by 97 has decimals 00: 99. A remainder of 96 has decimals 98 (9600 / 97): 01.
    found: dict[int, str] = {}
    for n in range(2_000):
        total = 81210 * 76 + n * 9 + (1100266365 + 100 - 1) * 55
        found.setdefault(total % 97, c60.reference_check("081210", f"{n:010d}", "1100266365", 100))
    assert (found[0], found[96]) == ("99", "01")
    assert {int(v) for v in found.values()} <= set(range(1, 100))


def test_identification_holds_concept_year_and_due_date() -> None:
    ident = c60.identification("100", 2026, date(2026, 12, 31))
    assert ident == "1100266365"  # "1", concept 100, fiscal year 26, due: year …6, day 365
    assert c60.due_date_of(ident, 2026) == date(2026, 12, 31)
    assert c60.identification("300", 2025, date(2026, 2, 1)) == "1300256032"
    assert c60.due_date_of("1300256032", 2025) == date(2026, 2, 1)
    assert c60.due_date_of(c60.identification("100", 2028, date(2028, 12, 31)), 2027) == date(2028, 12, 31)


def test_barcode_content() -> None:
    fields = c60.payment_fields("081210", 123, "100", 2026, date(2026, 12, 31), 35975)
    assert fields.reference == "000000012359"
    assert fields.barcode == "905210812100000000123591100266365000359750"
    assert len(fields.barcode) == c60.BARCODE_LENGTH
    assert c60.parse_barcode(fields.barcode) == fields


@pytest.mark.parametrize(
    "bad",
    [
        "905210812100000000123581100266365000359750",  # a check digit changed
        "905210812100000000123591100266365000359760",  # the amount changed
        "905020812100000000123591100266365000359750",  # another format code
        "90521081210000000012359110026636500035975",  # 41 digits
        "90521081210000000012359110026636500035975x",
    ],
)
def test_a_wrong_barcode_is_refused(bad: str) -> None:
    with pytest.raises(c60.Cuaderno60Error):
        c60.parse_barcode(bad)


@pytest.mark.parametrize(("args", "what"), [
    (("08121", "0000000001", "1100266365", 1), "emisora"),
    (("081210", "000000001", "1100266365", 1), "referencia"),
    (("081210", "0000000001", "110026636", 1), "identificación"),
    (("081210", "0000000001", "1100266365", 0), "importe"),
    (("081210", "0000000001", "1100266365", c60.MAX_CENTS + 1), "importe"),
    (("08121٣", "0000000001", "1100266365", 1), "emisora"),  # a non-ASCII digit
])  # fmt: skip
def test_fields_out_of_the_norm_are_refused(args: tuple[str, str, str, int], what: str) -> None:
    with pytest.raises(c60.Cuaderno60Error, match=what):
        c60.reference_check(*args)


# --- the collections file --------------------------------------------------------------------------


def _two() -> tuple[c60.PaymentFields, c60.PaymentFields]:
    a = c60.payment_fields("081210", 1, "100", 2026, date(2026, 12, 31), 35975)
    b = c60.payment_fields("081210", 2, "300", 2026, date(2026, 12, 20), 9000)
    return a, b


def test_a_written_file_reads_back() -> None:
    a, b = _two()
    text = c60.write_cobros("081210", "2100", date(2026, 12, 3),
                            [(a, date(2026, 12, 2), "0001"), (b, date(2026, 12, 3), "0420")])  # fmt: skip
    assert all(len(line) == c60.COBROS_WIDTH for line in text.split("\r\n")[:-1])
    parsed = c60.parse_cobros(text)
    assert (parsed.emisora, parsed.bank, parsed.created_on) == ("081210", "2100", date(2026, 12, 3))
    assert [(c.line, c.fields, c.collected_on, c.office) for c in parsed.collections] == [
        (2, a, date(2026, 12, 2), "0001"),
        (3, b, date(2026, 12, 3), "0420"),
    ]
    # Trailing blanks trimmed by a mail program, LF line ends: the same file.
    assert c60.parse_cobros("\n".join(line.rstrip() for line in text.split("\r\n"))) == parsed


def _lines() -> list[str]:
    a, b = _two()
    rows = [(a, date(2026, 12, 2), "0001"), (b, date(2026, 12, 3), "0420")]
    return c60.write_cobros("081210", "2100", date(2026, 12, 3), rows).split("\r\n")[:-1]


def _edit(n: int, at: int, text: str) -> str:
    lines = _lines()
    lines[n] = lines[n][:at] + text + lines[n][at + len(text) :]
    return "\r\n".join(lines)


@pytest.mark.parametrize(("text", "message"), [
    (_edit(0, 0, "02"), "line 1: not a header"),
    (_edit(1, 0, "03"), "line 2: not a collection record"),
    (_edit(1, 20, "8"), "line 2: referencia check digits"),  # the referencia's last digit
    (_edit(2, 40, "1"), "line 3: referencia check digits"),  # the amount
    (_edit(1, 9, "00000000000A"), "line 2: referencia must be 12 digits"),
    (_edit(1, 43, "20261302"), "line 2: not a date"),
    (_edit(1, 2, "081211"), "line 2: another emisora"),
    (_edit(2, 8, "1"), "line 3: not Modalidad 2"),
    (_edit(1, 70, "x"), "line 2: characters after position 59"),
    (_edit(3, 8, "00000003"), "line 4: the totals do not match"),
    (_edit(3, 29, "1"), "line 4: the totals do not match"),
    ("\r\n".join(_lines()[:-1]), "line 3: not the totals record"),
    ("\r\n".join(_lines()) + "X" * 81, "line 4: longer than 80"),
    ("", "no header"),
])  # fmt: skip
def test_a_malformed_file_is_refused_naming_its_line(text: str, message: str) -> None:
    with pytest.raises(c60.Cuaderno60Error, match=message):
        c60.parse_cobros(text)
