"""The city's bills: their concepts, the demo citizens' bills, a bill's Cuaderno 60 fields, and the
import of a bank's collections file (`python -m municipal import-cobros FILE`), which is how the city
learns that a bill was paid: the kiosk only prints the payment document, the citizen pays at a bank.

An import is all or nothing: a malformed line refuses the whole file (nothing is marked paid). A
collection of a bill already paid changes nothing, so importing a file twice is harmless; a collection
whose referencia is not one of the city's bills, or whose amount or identificación differ from the
bill's, is reported and leaves the bill as it was."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from contract import payments as wire
from municipal import timeutil
from municipal.models import Bill
from municipal.payments import cuaderno60 as c60

#: The concepts the city bills (its own 3-digit codes): kind and names (ca, es, en).
CONCEPTS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "100": ("rebut", ("Impost sobre béns immobles (IBI) urbana", "Impuesto sobre bienes inmuebles (IBI) "
                      "urbana", "Property tax (IBI), urban")),
    "200": ("rebut", ("Impost sobre vehicles de tracció mecànica", "Impuesto sobre vehículos de tracción "
                      "mecánica", "Vehicle tax")),
    "300": ("rebut", ("Taxa de recollida de residus", "Tasa de recogida de residuos",
                      "Waste collection fee")),
    "500": ("multa", ("Multa de trànsit (estacionament)", "Multa de tráfico (estacionamiento)",
                      "Traffic fine (parking)")),
}  # fmt: skip

#: The demo's bills: ID number, concept, detail, period (ca, es, en), cents, due (days from today), and
#: paid (days ago) or None. Fiscal year: today's.
DEMO_BILLS: list[tuple[str, str, str, tuple[str, str, str], int, int, int | None]] = [
    ("12345678Z", "100", "C/ de la Riera, 48, 2n 1a", ("Any {year}", "Año {year}", "Year {year}"), 35975, 30,
     None),
    ("12345678Z", "300", "C/ de la Riera, 48, 2n 1a", ("2n semestre {year}", "2.º semestre {year}",
                                                       "2nd half {year}"), 9000, 20, None),
    ("12345678Z", "100", "C/ de la Riera, 48, 2n 1a (1r termini)", ("Any {year}", "Año {year}",
                                                                    "Year {year}"), 35975, -60, 70),
    ("87654321X", "500", "Matrícula 1234 [b]KLM[/b] — Pl. de Santa Anna\u202e, zona blava",
     ("Denúncia de {year}", "Denuncia de {year}", "Fine of {year}"), 9000, 10, None),
    ("87654321X", "200", "Matrícula 1234 KLM", ("Any {year}", "Año {year}", "Year {year}"), 14436, 45, None),
    ("11111111H", "300", "Camí Ral, 300, baixos", ("2n semestre {year}", "2.º semestre {year}",
                                                   "2nd half {year}"), 9000, 20, None),
]  # fmt: skip
#: The numbering of the demo's bills starts here (the emisora's own 10-digit numbers).
DEMO_FIRST_NUMBER = 2_026_000_001


def demo_bills(today: date) -> list[Bill]:
    out = []
    for n, (id_number, concept, detail, period, cents, due, paid) in enumerate(DEMO_BILLS):
        texts = [p.format(year=today.year) for p in period]
        out.append(
            Bill(
                number=DEMO_FIRST_NUMBER + n,
                id_number=id_number,
                kind=CONCEPTS[concept][0],
                concept=concept,
                detail=detail,
                fiscal_year=today.year,
                period_ca=texts[0],
                period_es=texts[1],
                period_en=texts[2],
                amount_cents=cents,
                due_date=today + timedelta(days=due),
                paid_on=None if paid is None else today - timedelta(days=paid),
                paid_bank=None if paid is None else "2100",
                paid_office=None if paid is None else "0001",
            )
        )
    return out


def concept_name(code: str, language: str) -> str:
    names = CONCEPTS.get(code, ("rebut", (code, code, code)))[1]
    return names[{"ca": 0, "es": 1}.get(language, 2)]


def fields_of(bill: Bill) -> c60.PaymentFields:
    return c60.payment_fields(c60.MATARO_EMISORA, bill.number, bill.concept, bill.fiscal_year, bill.due_date,
                              bill.amount_cents)  # fmt: skip


def bill_out(bill: Bill, language: str) -> wire.Bill:
    return wire.Bill(
        id=bill.id,
        kind="multa" if bill.kind == "multa" else "rebut",
        concept=concept_name(bill.concept, language),
        detail=bill.detail,
        period=bill.period(language),
        amount_cents=bill.amount_cents,
        due_date=bill.due_date,
    )


def payment_out(bill: Bill) -> wire.PaymentFields:
    f = fields_of(bill)
    return wire.PaymentFields(emisora=f.emisora, reference=f.reference, identification=f.identification,
                              amount_cents=f.cents, barcode=f.barcode)  # fmt: skip


# --- the collections file ----------------------------------------------------------------------------


@dataclass
class Imported:
    """What an import did: bills marked paid now, collections of bills paid already, and the lines that
    matched no bill of the city (or not its amount or identificación), by line number."""

    paid: int = 0
    already_paid: int = 0
    unmatched: list[int] = field(default_factory=list)


def import_cobros(session: Session, text: str, now: datetime) -> Imported:
    """Mark paid the bills a collections file reports, in the caller's transaction (Cuaderno60Error,
    nothing done, for a file out of the layout)."""
    parsed = c60.parse_cobros(text)
    result = Imported()
    for collection in parsed.collections:
        f = collection.fields
        bill = None
        if f.emisora == c60.MATARO_EMISORA:
            bill = session.execute(
                select(Bill).where(Bill.number == int(f.reference[:10])).with_for_update()
            ).scalar_one_or_none()
        if bill is None or fields_of(bill) != f:
            result.unmatched.append(collection.line)
        elif bill.paid_on is not None:
            result.already_paid += 1
        else:
            bill.paid_on, bill.paid_bank = collection.collected_on, collection.bank
            bill.paid_office = collection.office
            bill.paid_imported_at = now
            result.paid += 1
    return result


def command(engine: Engine, path: Path) -> int:
    """`import-cobros FILE`: 0 imported (what it did on stdout), 2 refused (why on stderr)."""
    try:
        text = path.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"import-cobros: cannot read {path}: {exc.__class__.__name__}", file=sys.stderr)
        return 2
    try:
        with Session(engine) as session, session.begin():
            result = import_cobros(session, text, timeutil.now())
    except c60.Cuaderno60Error as exc:
        print(f"import-cobros: {path.name} refused, nothing imported: {exc}", file=sys.stderr)
        return 2
    print(f"{result.paid} paid, {result.already_paid} already paid, {len(result.unmatched)} unmatched"
          + (f" (lines {', '.join(map(str, result.unmatched))})" if result.unmatched else ""))  # fmt: skip
    return 0
