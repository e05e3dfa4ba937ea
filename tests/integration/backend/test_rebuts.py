"""Pagament de rebuts i multes on SQLite and PostgreSQL: the citizen's pending bills (the paid ones not
listed, none said as an empty list), the payment document of one under a CSV (its Cuaderno 60 fields and
barcode, a retry with its key answered the same, another citizen's bill 404 and a paid one 409), the
bank's collections file imported by `python -m municipal import-cobros` (the bill paid, a second import
changing nothing, a malformed file refused whole), and the bills table made and dropped by its revision."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from municipal import database
from municipal.payments import cuaderno60 as c60
from tests.integration.backend.conftest import Api, initial_revision_round_trip


@pytest.fixture(autouse=True)
def bills_as_seeded(api: Api) -> Iterator[None]:
    """An import is the only thing that changes a bill: undo the imports of the test."""
    yield
    api.execute("UPDATE bills SET paid_on = NULL, paid_bank = NULL, paid_office = NULL, "
                "paid_imported_at = NULL WHERE paid_imported_at IS NOT NULL")  # fmt: skip


def _bills(api: Api, token: str, language: str = "ca") -> list[dict[str, Any]]:
    r = api.get("/v1/rebuts", token, params={"language": language})
    assert r.status_code == 200, r.text
    bills: list[dict[str, Any]] = r.json()["bills"]
    return bills


def _document(
    api: Api, token: str, bill: int, key: str | None = None, language: str = "ca"
) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/v1/rebuts/{bill}/document", token, json={"language": language}, headers=headers)


def test_the_citizens_pending_bills(api: Api, tokens: dict[str, str]) -> None:
    bills = _bills(api, tokens["carmen"])
    assert [(b["concept"], b["amount_cents"]) for b in bills] == [
        ("Taxa de recollida de residus", 9000),
        ("Impost sobre béns immobles (IBI) urbana", 35975),
    ]  # the soonest due first; the IBI's first instalment, paid, not listed
    assert all(isinstance(b["amount_cents"], int) for b in bills)
    assert [b["due_date"] for b in bills] == sorted(b["due_date"] for b in bills)
    es = _bills(api, tokens["carmen"], "es")
    assert es[0]["concept"] == "Tasa de recogida de residuos" and es[0]["period"].startswith("2.º semestre")
    assert _bills(api, tokens["amina"]) == []  # none: an empty list
    fine = [b for b in _bills(api, tokens["jordi"]) if b["kind"] == "multa"]
    assert fine and "[b]KLM[/b]" in fine[0]["detail"]  # the tax office's text, as it is


def test_needs_a_session(api: Api) -> None:
    r = api.get("/v1/rebuts")
    assert r.status_code == 401 and r.json()["code"] == "session_required"


def test_a_payment_document_with_its_cuaderno_60_fields(api: Api, tokens: dict[str, str]) -> None:
    bill = _bills(api, tokens["carmen"])[1]
    r = _document(api, tokens["carmen"], bill["id"], key="rebut-doc-1")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["bill"] == bill and doc["holder"]["id_number"] == "12345678Z"
    payment = doc["payment"]
    fields = c60.parse_barcode(payment["barcode"])  # its check digits verified
    assert (fields.emisora, fields.reference, fields.identification, fields.cents) == (
        payment["emisora"],
        payment["reference"],
        payment["identification"],
        payment["amount_cents"],
    )
    assert fields.cents == bill["amount_cents"] and fields.emisora == c60.MATARO_EMISORA
    assert c60.due_date_of(fields.identification, date.today().year) == date.fromisoformat(bill["due_date"])
    again = _document(api, tokens["carmen"], bill["id"], key="rebut-doc-1")
    assert again.status_code == 201 and again.json() == doc
    verified = requests.get(f"{api.info.url}/v1/verify/{doc['csv']}", timeout=10).json()
    assert verified["kind"] == "pagament" and verified["holder"]["id_number"] == "***4567**"


def test_another_citizens_or_a_paid_bill_gets_no_document(api: Api, tokens: dict[str, str]) -> None:
    carmens = _bills(api, tokens["carmen"])[0]
    foreign = _document(api, tokens["jordi"], carmens["id"])
    assert foreign.status_code == 404 and foreign.json()["code"] == "bill_unknown", foreign.text
    paid = api.scalar("SELECT id FROM bills WHERE paid_on IS NOT NULL AND id_number = '12345678Z'")
    refused = api.post(f"/v1/rebuts/{paid}/document", tokens["carmen"], json={"language": "es"},
                       headers={"Accept-Language": "es"})  # fmt: skip
    assert refused.status_code == 409 and refused.json()["code"] == "bill_paid", refused.text
    assert refused.json()["message"].startswith("Este recibo ya está pagado")
    assert _document(api, tokens["carmen"], 2**31 - 1).json()["code"] == "bill_unknown"


def _import(api: Api, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "municipal", "import-cobros", str(path), "--database", api.info.database_url],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _collections_file(api: Api, token: str, tmp_path: Path, *, bills: int = 1) -> tuple[Path, list[int]]:
    """A bank's file of the collection of the citizen's first `bills` bills, by their documents."""
    chosen = _bills(api, token)[:bills]
    rows = []
    for bill in chosen:
        payment = _document(api, token, bill["id"]).json()["payment"]
        rows.append((c60.parse_barcode(payment["barcode"]), date.today(), "0420"))
    path = tmp_path / "cobros.txt"
    path.write_text(c60.write_cobros(c60.MATARO_EMISORA, "2100", date.today(), rows), encoding="ascii")
    return path, [b["id"] for b in chosen]


def test_a_collections_file_marks_the_bill_paid_once(
    api: Api, tokens: dict[str, str], tmp_path: Path
) -> None:
    path, [paid] = _collections_file(api, tokens["jordi"], tmp_path)
    first = _import(api, path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "1 paid, 0 already paid, 0 unmatched"
    assert paid not in [b["id"] for b in _bills(api, tokens["jordi"])]
    refused = _document(api, tokens["jordi"], paid)
    assert refused.status_code == 409 and refused.json()["code"] == "bill_paid"
    stamp = api.scalar("SELECT paid_imported_at FROM bills WHERE id = :id", id=paid)
    again = _import(api, path)
    assert again.returncode == 0 and again.stdout.strip() == "0 paid, 1 already paid, 0 unmatched"
    assert api.scalar("SELECT paid_imported_at FROM bills WHERE id = :id", id=paid) == stamp
    assert api.scalar("SELECT paid_office FROM bills WHERE id = :id", id=paid) == "0420"


def test_a_collection_of_no_bill_of_the_city_is_reported(api: Api, tmp_path: Path) -> None:
    stranger = c60.payment_fields(c60.MATARO_EMISORA, 9_999_999_999, "100", 2026, date(2026, 12, 31), 100)
    path = tmp_path / "cobros.txt"
    path.write_text(
        c60.write_cobros(c60.MATARO_EMISORA, "2100", date.today(), [(stranger, date.today(), "0001")])
    )
    done = _import(api, path)
    assert done.returncode == 0 and done.stdout.strip() == "0 paid, 0 already paid, 1 unmatched (lines 2)"


def test_a_malformed_file_is_refused_whole(api: Api, tokens: dict[str, str], tmp_path: Path) -> None:
    path, ids = _collections_file(api, tokens["carmen"], tmp_path, bills=2)
    lines = path.read_bytes().decode("ascii").split("\r\n")
    lines[2] = lines[2][:40] + ("1" if lines[2][40] != "1" else "2") + lines[2][41:]  # the 2nd amount changed
    path.write_bytes("\r\n".join(lines).encode("ascii"))
    refused = _import(api, path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "refused, nothing imported: line 3: referencia check digits do not match" in refused.stderr
    assert [b["id"] for b in _bills(api, tokens["carmen"])] == ids  # the first line's bill not paid either
    missing = _import(api, tmp_path / "none.txt")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_the_initial_revision_makes_and_drops_the_bills(empty_database: str) -> None:
    initial_revision_round_trip(empty_database, {"bills"})


def test_the_training_reset_gives_the_demo_bills_back(tmp_path: Path) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from municipal import seed, timeutil, training
    from municipal.models import Bill
    from municipal.payments import bills

    engine = database.make_engine(f"sqlite:///{tmp_path / 't.sqlite3'}")
    database.migrate(engine)
    seed.seed_demo(engine)
    with Session(engine) as session, session.begin():
        rows = session.execute(select(Bill).where(Bill.paid_on.is_(None)).order_by(Bill.id)).scalars().all()
        cobros = c60.write_cobros(c60.MATARO_EMISORA, "2100", date.today(),
                                  [(bills.fields_of(rows[0]), date.today(), "0001")])  # fmt: skip
        assert bills.import_cobros(session, cobros, timeutil.now()).paid == 1
        session.add(Bill(number=1, id_number="00000000T", kind="rebut", concept="300", detail="x",
                         fiscal_year=2026, period_ca="", period_es="", period_en="", amount_cents=1,
                         due_date=date.today()))  # fmt: skip
    with Session(engine) as session, session.begin():
        training.reset(session)
    with Session(engine) as session:
        after = session.execute(select(Bill.number, Bill.paid_on).order_by(Bill.number)).all()
    assert [n for n, _ in after] == [bills.DEMO_FIRST_NUMBER + n for n in range(len(bills.DEMO_BILLS))]
    assert sum(paid is not None for _, paid in after) == sum(row[-1] is not None for row in bills.DEMO_BILLS)
    engine.dispose()
