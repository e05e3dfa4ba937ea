"""Rendered documents read back as a person and a scanner would: text, pages, QR, watermark, bytes."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from contract.documents import document_from_payload
from printing import samples
from printing.fonts import SHIPPED
from printing.render import Renderer, render
from tests.unit.printing import pdftools

EVERY = [
    "volant_individual",
    "volant_collectiu",
    "certificat_convivencia",
    "instancia",
    "deixalleria",
    "bustia",
]


def _pdf(payload: dict[str, Any], training: bool = False) -> bytes:
    return render(document_from_payload(payload), training=training)


@pytest.mark.parametrize("name", EVERY)
def test_every_page_carries_the_verification_furniture(name: str) -> None:
    payload = samples.all_samples()[name]
    pdf = _pdf(payload)
    pages = pdftools.pages_text(pdf)
    for number, page in enumerate(pages, start=1):
        assert "Ajuntament de Mataró" in page
        assert "Còpia en paper d'un document electrònic" in page
        assert payload["csv"] in page
        assert payload["verify_url"] in page
        assert "Data d'emissió: 02/03/2026 10:15" in page
        assert f"Pàgina {number} de {len(pages)}" in page
        assert pdftools.qr_codes(pdf, number) == [payload["verify_url"]]


def test_volant_individual_text() -> None:
    page = pdftools.text(_pdf(samples.padro("volant_individual", 1)))
    assert "Volant d'empadronament individual" in page
    assert "Núria Pérez i Castellà" in page
    assert "Carrer de Sant Josep de Calassanç, 27, 3r 2a · 08302 Mataró" in page
    assert "DNI/NIE: 40000000X" in page and "Naixement: 15/04/1980" in page
    assert "durant tres mesos des de la data d'emissió" in page
    assert "Marcel·lí" not in page  # only the holder


def test_volant_collectiu_lists_every_inhabitant_with_accents() -> None:
    payload = samples.padro("volant_collectiu", 6)
    page = pdftools.text(_pdf(payload))
    for person in payload["inhabitants"]:
        assert f"{person['given_name']} {person['surnames']}" in page
    for name in ("Marcel·lí Ollé Güell", "Begoña Muñoz Ibáñez", "Àlex Ollé Pérez", "Ștefan Popescu",
                 "Françoise Lefèvre Çelik"):  # fmt: skip
        assert name in page
    assert "Total de persones inscrites: 6" in page
    assert "l'accepten habitualment durant tres mesos" in page


def test_a_14_person_household_flows_over_pages() -> None:
    payload = samples.padro("volant_collectiu", 14)
    pdf = _pdf(payload)
    pages = pdftools.pages_text(pdf)
    assert len(pages) >= 2
    names = [f"{p['given_name']} {p['surnames']}" for p in payload["inhabitants"]]
    for number, name in enumerate(names, start=1):
        # Each person exactly once in the list, in order, numbered (the holder also as the applicant).
        assert sum(page.count(f"{number}. {name}") for page in pages) == 1, name
        assert sum(page.count(name) for page in pages) == (2 if number == 1 else 1), name
    assert names[0] in pages[0] and names[-1] in pages[-1]
    assert "(continuació)" in pages[1]
    assert "Total de persones inscrites: 14" in pages[-1]
    assert "Pàgina 1 de 2" in pages[0] and "Pàgina 2 de 2" in pages[1]


def test_certificat_de_convivencia() -> None:
    page = pdftools.text(_pdf(samples.padro("certificat_convivencia", 4)))
    assert "Certificat de convivència" in page and "CERTIFICA" in page
    assert "no és un certificat" not in page
    assert "tres mesos" in page


def test_instancia_receipt_lists_attachments_with_size_and_hash() -> None:
    payload = samples.instancia()
    page = pdftools.text(_pdf(payload))
    assert "Justificant de registre d'entrada" in page
    assert "E/2026/000123" in page and "02/03/2026 10:14" in page
    assert "Servei de Via Pública i Enllumenat (VIA)" in page
    assert payload["subject"] in page
    assert "Que es revisi i es repari l'enllumenat" in page
    for item in payload["attachments"]:
        assert item["name"] in page
        assert f"SHA-256: {item['sha256']}" in page
    assert "2,3 MB (2.457.611 B)" in page and "178,9 KB (183.220 B)" in page


def test_long_texts_flow_onto_more_pages() -> None:
    pdf = _pdf(samples.instancia(long_text=True))
    pages = pdftools.pages_text(pdf)
    assert len(pages) >= 2
    whole = " ".join(pages)
    for n in range(1, 13):
        assert f"{n}. Que sóc veïna" in whole
    assert "SHA-256: 0a1b2c3d" in pages[-1]
    assert all(f"Pàgina {i} de {len(pages)}" in page for i, page in enumerate(pages, start=1))


def test_deixalleria_summary() -> None:
    page = pdftools.text(_pdf(samples.deixalleria()))
    assert "Resum de la targeta de la deixalleria" in page
    assert "DX-000482" in page and "activa" in page
    assert "Visites de l'any 2026 5" in page and "Visites de l'any 2025 9" in page
    assert "Bonificació de la taxa d'escombraries 2026" in page
    assert "17,50 €" in page and "de 7 a 12 visites" in page
    assert "Amb 4 visites més (a partir de 13) la bonificació passaria a 23,00 €." in page
    assert "Deixalleria mòbil · Plaça de Cuba" in page and "Oli de cuina, Piles" in page
    no_card = pdftools.text(_pdf({**samples.deixalleria(), "card": None}))
    assert "sense targeta" in no_card


def test_bustia_receipt_with_and_without_contact() -> None:
    page = pdftools.text(_pdf(samples.bustia()))
    assert "QS/2026/000045" in page and "Suggeriment" in page and "«Gràcies»" in page and "0 €" in page
    anonymous = pdftools.text(_pdf(samples.bustia(anonymous=True)))
    assert "Sense dades de contacte" in anonymous


@pytest.mark.parametrize("name", EVERY)
def test_spanish_on_request(name: str) -> None:
    page = pdftools.text(_pdf(samples.all_samples("es")[name]))
    assert "Copia en papel de un documento electrónico" in page
    assert "Código seguro de verificación" in page and "Página 1 de 1" in page
    assert "Còpia en paper" not in page


def test_same_document_same_bytes_even_in_another_process(tmp_path: Path) -> None:
    payload = samples.padro("volant_collectiu", 6)
    first = _pdf(payload)
    assert _pdf(payload) == first
    assert Renderer().render(document_from_payload(payload)) == first  # a fresh font cache
    script = (
        "import sys; from printing import samples; from contract.documents import document_from_payload;"
        "from printing.render import render;"
        "sys.stdout.buffer.write(render(document_from_payload(samples.padro('volant_collectiu', 6))))"
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    assert other == first
    assert _pdf(samples.padro("volant_collectiu", 6, csv="ANOTHERCSV0000000000")) != first


def test_cached_and_plain_fpdf2_fonts_print_the_same_text() -> None:
    document = document_from_payload(samples.padro("volant_collectiu", 14))
    cached = Renderer().render(document)
    plain = Renderer(SHIPPED, cache_fonts=False).render(document)
    assert pdftools.pages_text(cached) == pdftools.pages_text(plain)


@pytest.mark.parametrize("name", ["volant_collectiu_14", "instancia", "bustia"])
def test_training_documents_are_watermarked_on_every_page(name: str) -> None:
    payload = samples.all_samples()[name]
    clean = _pdf(payload)
    marked = _pdf(payload, training=True)
    pages = pdftools.pages_text(marked)
    for number, page in enumerate(pages, start=1):
        assert "DOCUMENT DE PROVA — SENSE VALIDESA" in page  # the banner under the title
        assert pdftools.watermark_pixels(marked, number) > 500  # the diagonal over the page
        assert pdftools.watermark_pixels(clean, number) < 100
    assert "PROVA" not in pdftools.text(clean)


def test_a_payload_issued_in_training_is_watermarked_even_by_a_production_kiosk() -> None:
    pdf = _pdf(samples.padro(training=True), training=False)
    assert "DOCUMENT DE PROVA" in pdftools.text(pdf)
    assert pdftools.watermark_pixels(pdf, 1) > 500
    spanish = _pdf(samples.padro(language="es", training=True))
    assert "DOCUMENTO DE PRUEBA — SIN VALIDEZ" in pdftools.text(spanish)


def test_pdfa_2b_metadata_and_embedded_fonts() -> None:
    pdf = _pdf(samples.padro())
    reader = PdfReader(BytesIO(pdf))
    root: Any = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "/OutputIntents" in root
    resources: Any = reader.pages[0]["/Resources"]
    fonts = resources["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]
    # Dates from the document (issued 10:15 at +01:00), never the clock; no citizen data in the metadata.
    assert 'xmp:CreateDate="2026-03-02T09:15:00+00:00"' in xmp
    assert 'xmp:ModifyDate="2026-03-02T09:15:00+00:00"' in xmp
    assert "empadronament col·lectiu</rdf:li>" in xmp and "Núria" not in xmp


def test_names_in_scripts_we_do_not_ship_still_print_legibly() -> None:
    payload = samples.padro("volant_individual", 1)
    payload["holder"]["given_name"] = "Nguyễn"
    page = pdftools.text(_pdf(payload))
    assert "Nguyen Pérez i Castellà" in page
