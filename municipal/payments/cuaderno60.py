"""AEB/CSB Cuaderno 60 ("Recaudación de tributos y otros ingresos municipales", serie normas y
procedimientos bancarios 60, AEB, Madrid, November 2015): the fields of a payment document
(carta de pago) that banks and ATMs read, their check digits, the GS1-128 barcode content, and the
collections file (fichero de cobros) a bank sends back. Pure functions over strings of digits.

What is implemented is Modalidad 2 (liquidaciones with a due date: the rebuts and multes the city
issues); Modalidad 1 (no due date) and Modalidad 3 (autoliquidaciones) are not issued here.

The fields of Modalidad 2, as read from the norm (Anexo 1 "Modalidades 1 y 2", Anexo común I "Módulos
de cálculo dígitos de control", Anexo común IV "Formatos de códigos de barras"):

- Entidad emisora: 6 digits, the issuing body's code (`MATARO_EMISORA`).
- Referencia: 12 digits, 10 of the emisora's own numbering and 2 check digits (`reference_check`).
- Identificación: 10 digits: "1", the tribute's concept code (3, Anexo común II), the fiscal year's last
  two digits (2), and the last day to pay as the year's last digit and the day of the year (4).
- Importe: the amount in cents, 8 digits in the barcode.

Barcode (GS1-128, Application Identifier 90): "90521" + emisora + referencia + identificación +
importe (8) + "0": 42 digits.

The check digits: emisora × 76 + referencia (its 10 digits) × 9 + (identificación + importe − 1) × 55,
divided by 97; the first two decimals of the quotient subtracted from 99 (so 01 to 99).

The collections file's records are this module's fixed-width layout of what a bank reports for each
collection (`parse_cobros`); each line is `COBROS_WIDTH` characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The GS1 Application Identifier (90) and the Cuaderno 60 Modalidad 2 format code of the barcode.
BARCODE_PREFIX = "90521"
BARCODE_LENGTH = 42
#: The largest amount the barcode's 8 digits hold (999 999,99 euro).
MAX_CENTS = 99_999_999


class Cuaderno60Error(ValueError):
    """A field or a line that does not follow the norm (the message says which, for staff)."""


def _digits(name: str, value: str, length: int) -> str:
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise Cuaderno60Error(f"{name} must be {length} digits")
    return value


#: The demo city's entidad emisora: Mataró's INE code (08 121) and a 0. A city's real code is the one
#: its Entidad Gestora assigns; it is data, not a rule of this module.
MATARO_EMISORA = "081210"


def reference_check(emisora: str, reference10: str, identification: str, cents: int) -> str:
    """The referencia's two check digits (Modalidad 2)."""
    _digits("emisora", emisora, 6)
    _digits("referencia", reference10, 10)
    _digits("identificación", identification, 10)
    if not 0 < cents <= MAX_CENTS:
        raise Cuaderno60Error("importe out of range")
    total = int(emisora) * 76 + int(reference10) * 9 + (int(identification) + cents - 1) * 55
    decimals = (total % 97) * 100 // 97  # the first two decimals of total / 97
    return f"{99 - decimals:02d}"


def identification(concept: str, fiscal_year: int, due: date) -> str:
    """The 10-digit identificación: "1", the concept code, the fiscal year (2), the due date (4)."""
    _digits("concept", concept, 3)
    return f"1{concept}{fiscal_year % 100:02d}{due.year % 10}{due.timetuple().tm_yday:03d}"


def due_date_of(identification_: str, around: int) -> date:
    """The due date an identificación holds, in the decade of the year `around`."""
    _digits("identificación", identification_, 10)
    year_digit, yday = int(identification_[6]), int(identification_[7:])
    year = around - around % 10 + year_digit
    if year > around + 5:
        year -= 10
    elif year < around - 5:
        year += 10
    if not 1 <= yday <= (366 if _leap(year) else 365):
        raise Cuaderno60Error("identificación: no such day of the year")
    return date.fromordinal(date(year, 1, 1).toordinal() + yday - 1)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class PaymentFields:
    """The Cuaderno 60 fields printed on a payment document, and the barcode's content."""

    emisora: str
    #: The 12-digit referencia, its check digits included.
    reference: str
    identification: str
    cents: int

    @property
    def barcode(self) -> str:
        return f"{BARCODE_PREFIX}{self.emisora}{self.reference}{self.identification}{self.cents:08d}0"


def payment_fields(emisora: str, number: int, concept: str, fiscal_year: int, due: date, cents: int
                   ) -> PaymentFields:  # fmt: skip
    """The fields of the bill numbered `number` (the emisora's own 10 digits)."""
    if not 0 <= number < 10**10:
        raise Cuaderno60Error("referencia number out of range")
    ident = identification(concept, fiscal_year, due)
    base = f"{number:010d}"
    return PaymentFields(emisora, base + reference_check(emisora, base, ident, cents), ident, cents)


def parse_barcode(content: str) -> PaymentFields:
    """The fields of a barcode's 42 digits; its referencia's check digits verified."""
    _digits("barcode", content, BARCODE_LENGTH)
    if not content.startswith(BARCODE_PREFIX):
        raise Cuaderno60Error("barcode is not Cuaderno 60 Modalidad 2")
    fields = PaymentFields(content[5:11], content[11:23], content[23:33], int(content[33:41]))
    check(fields)
    return fields


def check(fields: PaymentFields) -> None:
    """Raise Cuaderno60Error unless the referencia's check digits fit the other fields."""
    expected = reference_check(fields.emisora, fields.reference[:10], fields.identification, fields.cents)
    if fields.reference[10:] != expected:
        raise Cuaderno60Error("referencia check digits do not match")


# --- the collections file (fichero de cobros) ------------------------------------------------------

COBROS_WIDTH = 80
#: Record codes: the file's header, one collection, the file's totals.
HEADER, DETAIL, TOTALS = "01", "02", "09"


@dataclass(frozen=True)
class Collection:
    """One bill collected at a bank: where, when, and the document's fields as the bank read them."""

    line: int
    fields: PaymentFields
    collected_on: date
    bank: str
    office: str


@dataclass(frozen=True)
class CobrosFile:
    emisora: str
    bank: str
    created_on: date
    collections: tuple[Collection, ...]


def _date(value: str, line: int) -> date:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise Cuaderno60Error(f"line {line}: not a date (AAAAMMDD)") from None


def header_line(emisora: str, bank: str, created_on: date) -> str:
    """01 | emisora (6) | bank (4) | date AAAAMMDD (8) | blanks."""
    return f"{HEADER}{emisora}{bank}{created_on:%Y%m%d}".ljust(COBROS_WIDTH)


def detail_line(fields: PaymentFields, collected_on: date, bank: str, office: str) -> str:
    """02 | emisora (6) | modalidad "2" | referencia (12) | identificación (10) | importe (12, cents) |
    date collected AAAAMMDD (8) | bank (4) | office (4) | blanks."""
    return (
        f"{DETAIL}{fields.emisora}2{fields.reference}{fields.identification}{fields.cents:012d}"
        f"{collected_on:%Y%m%d}{bank}{office}"
    ).ljust(COBROS_WIDTH)


def totals_line(emisora: str, count: int, cents: int) -> str:
    """09 | emisora (6) | number of collections (8) | their sum (14, cents) | blanks."""
    return f"{TOTALS}{emisora}{count:08d}{cents:014d}".ljust(COBROS_WIDTH)


def write_cobros(emisora: str, bank: str, created_on: date, rows: list[tuple[PaymentFields, date, str]]
                 ) -> str:  # fmt: skip
    """A whole file: header, one line per (fields, collected on, office), totals; CRLF line ends."""
    lines = [header_line(emisora, bank, created_on)]
    lines += [detail_line(f, on, bank, office) for f, on, office in rows]
    lines.append(totals_line(emisora, len(rows), sum(f.cents for f, _, _ in rows)))
    return "\r\n".join(lines) + "\r\n"


def parse_cobros(text: str) -> CobrosFile:
    """The collections of a file; any line out of the layout refuses the whole file (Cuaderno60Error
    naming the line), so that a file is imported whole or not at all."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) < 2:
        raise Cuaderno60Error("the file has no header and totals")
    for n, raw in enumerate(lines, 1):
        if len(raw.rstrip(" ")) > COBROS_WIDTH or not raw.isascii():
            raise Cuaderno60Error(f"line {n}: longer than {COBROS_WIDTH} characters or not ASCII")
    head = lines[0].ljust(COBROS_WIDTH)
    if head[:2] != HEADER:
        raise Cuaderno60Error("line 1: not a header record (01)")
    emisora = _digits("line 1: emisora", head[2:8], 6)
    bank = _digits("line 1: bank", head[8:12], 4)
    created_on = _date(_digits("line 1: date", head[12:20], 8), 1)
    collections: list[Collection] = []
    for n, raw in enumerate(lines[1:-1], 2):
        line = raw.ljust(COBROS_WIDTH)
        if line[:2] != DETAIL:
            raise Cuaderno60Error(f"line {n}: not a collection record (02)")
        if line[59:].strip():
            raise Cuaderno60Error(f"line {n}: characters after position 59")
        try:
            if line[2:8] != emisora:
                raise Cuaderno60Error("another emisora than the header's")
            if line[8] != "2":
                raise Cuaderno60Error("not Modalidad 2")
            cents = int(_digits("importe", line[31:43], 12))
            fields = PaymentFields(
                line[2:8], _digits("referencia", line[9:21], 12), _digits("identificación", line[21:31], 10),
                cents,
            )  # fmt: skip
            check(fields)
            on = _date(_digits("date", line[43:51], 8), n)
            collections.append(Collection(n, fields, on, _digits("bank", line[51:55], 4),
                                          _digits("office", line[55:59], 4)))  # fmt: skip
        except Cuaderno60Error as exc:
            message = str(exc)
            raise Cuaderno60Error(
                message if message.startswith("line ") else f"line {n}: {message}"
            ) from None
    n = len(lines)
    tail = lines[-1].ljust(COBROS_WIDTH)
    if tail[:2] != TOTALS or tail[2:8] != emisora:
        raise Cuaderno60Error(f"line {n}: not the totals record (09) of emisora {emisora}")
    count = int(_digits(f"line {n}: count", tail[8:16], 8))
    total = int(_digits(f"line {n}: total", tail[16:30], 14))
    if count != len(collections) or total != sum(c.fields.cents for c in collections):
        raise Cuaderno60Error(f"line {n}: the totals do not match the collections")
    return CobrosFile(emisora, bank, created_on, tuple(collections))
