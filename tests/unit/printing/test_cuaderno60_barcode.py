"""The Cuaderno 60 barcode as a bank's scanner reads it: drawn with fpdf2, the page rendered by poppler
(pdftoppm) and read by zbar (zbarimg, Code 128)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF

from municipal.payments import cuaderno60 as c60
from printing import cuaderno60 as barcode
from tests.unit.printing.pdftools import page_png


def _read(pdf: bytes, folder: Path, dpi: int) -> list[str]:
    png = page_png(pdf, 1, folder, dpi=dpi)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Scode128.enable", png],
                         capture_output=True, text=True)  # fmt: skip
    return [line for line in out.stdout.splitlines() if line]


def _pdf(digits: str, width: float) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    barcode.draw(pdf, digits, 20, 40, width, 15)
    return bytes(pdf.output())


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_payment_documents_barcode_decodes_to_its_content(tmp_path: Path, dpi: int) -> None:
    fields = c60.payment_fields(c60.MATARO_EMISORA, 2_026_000_017, "100", 2026, date(2026, 12, 31), 35975)
    assert _read(_pdf(fields.barcode, 105), tmp_path, dpi) == [fields.barcode]


def test_every_pair_of_digits_decodes(tmp_path: Path) -> None:
    # The 100 code set C symbols 00-99, in two barcodes of 50 pairs each.
    pairs = [f"{n:02d}" for n in range(100)]
    for half in (pairs[:50], pairs[50:]):
        digits = "".join(half)
        assert _read(_pdf(digits, 180), tmp_path, 300) == [digits]


def test_symbols_start_with_fnc1_and_end_with_the_check_and_stop() -> None:
    # "12345678": Start C 105, FNC1 102, 12 34 56 78; check (105 + 102 + 2·12 + 3·34 + 4·56 + 5·78) % 103
    assert barcode.gs1_128_symbols("12345678") == [105, 102, 12, 34, 56, 78, (105 + 102 + 24 + 102 + 224
                                                                               + 390) % 103, 106]  # fmt: skip
    assert barcode.module_count("12345678") == 11 * 7 + 13 + 2 * barcode.QUIET


@pytest.mark.parametrize("bad", ["", "123", "12a4", "١٢"])
def test_only_an_even_number_of_digits_is_drawn(bad: str) -> None:
    with pytest.raises(ValueError):
        barcode.gs1_128_symbols(bad)
