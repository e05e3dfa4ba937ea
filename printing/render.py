"""Render the city's documents to PDF (fpdf2, PDF/A-2B, A4): `Renderer().render(document, training=...)`.

Every page carries the city's header, the document's title, the CSV, the verification URL with its QR
code, "Còpia en paper d'un document electrònic", the issue date and "page X of Y". In training mode
(the payload says so, or the kiosk is in training mode) every page also carries a diagonal
"DOCUMENT DE PROVA — SENSE VALIDESA" drawn over the content, and a banner under the title.

Output is deterministic: the PDF's dates come from the document's issue date, so the same document
renders to the same bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer

from contract.activities import euros
from contract.documents import (
    ActivityJustificant,
    BustiaReceipt,
    CitaJustificant,
    CitaTicket,
    DeixalleriaSummary,
    Document,
    Holder,
    Inhabitant,
    InstanciaReceipt,
    PadroDocument,
    PaymentDocument,
)
from contract.localtime import local_zone
from printing import cuaderno60
from printing.fonts import FAMILY, FontCache, add_fonts, printable
from printing.texts import (
    CITY,
    CITY_ADDRESS,
    DocLanguage,
    format_amount,
    format_date,
    format_datetime,
    format_size,
    keys,
    text,
)

# Page geometry (mm) and colours (RGB).
MARGIN = 18.0
HEADER_BOTTOM = 44.0
FOOTER_HEIGHT = 38.0
QR_SIZE = 26.0
INK = (25, 25, 25)
MUTED = (90, 90, 90)
CITY_RED = (160, 20, 40)
RULE = (170, 170, 170)
WATERMARK = (200, 0, 0)
BAND = (242, 242, 242)
_KEYS = frozenset(keys())


class _DocumentPDF(FPDF):
    """One document: the page furniture (header, footer, watermark) every page repeats."""

    def __init__(self, *, title: str, language: DocLanguage, csv: str, verify_url: str, issued: str,
                 training: bool) -> None:  # fmt: skip
        super().__init__(orientation="P", unit="mm", format="A4", enforce_compliance="PDF/A-2B")
        self.doc_title = title
        self.language: DocLanguage = language
        self.csv = csv
        self.verify_url = verify_url
        self.issued = issued
        self.training = training
        self.qr_rows = _qr_runs(verify_url)
        self._widths: dict[tuple[str, float, str], float] = {}
        self.set_margins(MARGIN, HEADER_BOTTOM + (7 if training else 0), MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)

    def t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    # fpdf2's multi_cell re-measures a whole line for every character it adds, which made text layout
    # the largest cost of a document; this greedy word wrap measures each word once.

    def width_of(self, value: str) -> float:
        """Width in mm of `value` in the current font (no kerning, as fpdf2 itself prints it)."""
        font = self.current_font
        assert isinstance(font, TTFFont)  # only our TrueType faces are ever set
        key = (font.fontkey, self.font_size_pt, value)
        width = self._widths.get(key)
        if width is None:
            cw = font.cw
            width = sum(cw[ord(ch)] for ch in value) * self.font_size_pt * 0.001 / self.k
            self._widths[key] = width
        return width

    def wrap(self, value: str, width: float) -> list[str]:
        """`value` broken into lines no wider than `width` mm (at spaces; inside a word only if it must)."""
        room = width - 2 * self.c_margin
        space = self.width_of(" ")
        lines: list[str] = []
        for paragraph in value.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split(" "):
                w = self.width_of(word)
                if line and used + space + w <= room:
                    line.append(word)
                    used += space + w
                    continue
                if line:
                    lines.append(" ".join(line))
                while w > room and len(word) > 1:  # a URL or a hash longer than the line
                    cut = len(word) - 1
                    while cut > 1 and self.width_of(word[:cut]) > room:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = self.width_of(word)
                line, used = [word], w
            lines.append(" ".join(line))
        return lines

    def write_lines(self, lines: list[str], x: float, width: float, height: float) -> None:
        """Lines one under the other at `x`, starting a new page whenever the page is full."""
        for line in lines:
            if self.will_page_break(height):
                self.add_page()
            self.set_x(x)
            self.cell(width, height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)

    def header(self) -> None:
        self.set_text_color(*CITY_RED)
        self.set_fill_color(*CITY_RED)
        self.rect(MARGIN, 12, 2.2, 17, style="F")
        self.set_xy(MARGIN + 5, 11.5)
        self.set_font(FAMILY, "B", 16)
        self.cell(0, 7, CITY, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_x(MARGIN + 5)
        self.set_font(FAMILY, "", 9.5)
        self.cell(0, 5, self.t("office"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_x(MARGIN + 5)
        self.set_text_color(*MUTED)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 4.5, CITY_ADDRESS)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, 31, self.w - MARGIN, 31)
        self.set_xy(MARGIN, 33)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "B", 14)
        title = self.doc_title if self.page_no() == 1 else f"{self.doc_title} {self.t('continued')}"
        self.cell(0, 8, printable(title))
        if self.training:
            self.set_xy(MARGIN, 42)
            self.set_fill_color(*WATERMARK)
            self.set_text_color(255, 255, 255)
            self.set_font(FAMILY, "B", 8.5)
            self.cell(0, 5.5, self.t("training_banner"), fill=True, align=Align.C)
        self.set_text_color(*INK)
        self.set_xy(MARGIN, self.t_margin)

    def footer(self) -> None:
        top = self.h - FOOTER_HEIGHT
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN, top, self.w - MARGIN, top)
        self._draw_qr(MARGIN, top + 4, QR_SIZE)
        x = MARGIN + QR_SIZE + 5
        width = self.w - MARGIN - x
        self.set_text_color(*INK)
        self.set_xy(x, top + 4)
        self.set_font(FAMILY, "B", 9)
        self.cell(width, 5, self.t("copy_note"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 8.5)
        self.cell(width, 4.6, f"{self.t('csv')}: ", new_x=XPos.END)
        self.set_font(FAMILY, "B", 8.5)
        self.cell(0, 4.6, printable(self.csv), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 8.5)
        for line in self.wrap(printable(f"{self.t('verify_at')}: {self.verify_url}"), width)[:2]:
            self.set_x(x)
            self.cell(width, 4.6, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(x)
        self.cell(width, 4.6, f"{self.t('issued')}: {self.issued}", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(x, self.h - 11)
        self.set_text_color(*MUTED)
        self.cell(
            width, 4.6, self.t("page", page=self.page_no(), pages=self.alias_nb_pages_str()), align=Align.R
        )
        self.set_text_color(*INK)
        if self.training:
            self._draw_watermark()

    def alias_nb_pages_str(self) -> str:
        return self.str_alias_nb_pages

    def _draw_qr(self, x: float, y: float, size: float) -> None:
        """The verification URL as a vector QR code: one filled path, a rectangle per run of dark modules."""
        modules = len(self.qr_rows)
        quiet = 2  # modules of white border; the white page gives the rest of the quiet zone
        unit = size / (modules + 2 * quiet) * self.k  # in points, PDF's own unit
        left, top = (x + 0) * self.k + quiet * unit, (self.h - y) * self.k - quiet * unit
        # One path instead of hundreds of rect() calls: the same marks, a fraction of the work.
        ops = [
            f"{left + start * unit:.2f} {top - (row + 1) * unit:.2f} {length * unit:.2f} {unit:.2f} re"
            for row, runs in enumerate(self.qr_rows)
            for start, length in runs
        ]
        self._out("q 0 g " + " ".join(ops) + " f Q")

    def _draw_watermark(self) -> None:
        # Drawn after the page's content, so nothing printed can hide it; translucent, so it hides nothing.
        cx, cy = self.w / 2, self.h / 2
        angle = math.degrees(math.atan2(self.h - 2 * MARGIN, self.w - 2 * MARGIN))
        with self.local_context(fill_opacity=0.22, text_color=WATERMARK):
            self.set_font(FAMILY, "B", 30)
            label = self.t("watermark")
            width = self.get_string_width(label)
            with self.rotation(angle, cx, cy):
                # text(), not cell(): the label is wider than the page, and set_x() reads a negative x
                # as "from the right edge".
                self.text(cx - width / 2, cy + 4, label)


class _DeterministicOutput(OutputProducer):
    """fpdf2's PDF writer, except that the XMP's modification dates are the document's issue date.

    fpdf2 stamps them with the wall clock, which made the same document differ from run to run; a
    document issued once and never modified has been modified when it was created.
    """

    def _build_xmp_from_info(self) -> str:
        xmp = super()._build_xmp_from_info()
        created = re.search(r'xmp:CreateDate="([^"]*)"', xmp)
        if created:
            xmp = re.sub(r'(xmp:(?:ModifyDate|MetadataDate))="[^"]*"', rf'\1="{created.group(1)}"', xmp)
        return xmp


def _qr_runs(url: str) -> list[list[tuple[int, int]]]:
    """Rows of (start, length) runs of dark modules of the URL's QR code (error level M)."""
    qr = segno.make(url, error="m", micro=False)
    rows = []
    for line in qr.matrix:
        runs: list[tuple[int, int]] = []
        start = -1
        for i, dark in enumerate(line):
            if dark and start < 0:
                start = i
            elif not dark and start >= 0:
                runs.append((start, i - start))
                start = -1
        if start >= 0:
            runs.append((start, len(line) - start))
        rows.append(runs)
    return rows


class Renderer:
    """Renders documents to PDF bytes. Create one per process and reuse it: it keeps the fonts parsed.

    `font_files` and `cache_fonts=False` exist for the benchmark's reference (fonts parsed and subset
    for every document, the plain fpdf2 way); the kiosk uses the defaults.
    """

    def __init__(self, font_files: Mapping[str, Path] | None = None, *, cache_fonts: bool = True) -> None:
        self._files = font_files
        self._cache: FontCache | None = None
        if cache_fonts:
            self._cache = FontCache(font_files) if font_files else FontCache()

    def render(self, document: Document, *, training: bool = False) -> bytes:
        """The PDF of `document`; watermarked if `training` or if the backend issued it in training mode."""
        pdf = _DocumentPDF(
            title=document_title(document),
            language=document.language,
            csv=document.csv,
            verify_url=document.verify_url,
            issued=format_datetime(document.issued_at),
            training=training or document.training,
        )
        if self._cache is not None:
            self._cache.install(pdf)
        else:
            from printing.fonts import SHIPPED

            add_fonts(pdf, self._files or SHIPPED)
        pdf.set_creation_date(document.issued_at)
        pdf.set_lang(document.language)
        pdf.set_title(printable(pdf.doc_title) + (" (PROVA)" if pdf.training else ""))
        pdf.set_author(CITY)
        pdf.set_subject(f"CSV {document.csv}")
        pdf.set_creator("OVAC kiosk")
        pdf.add_page()
        _Body(pdf).write(document)
        return bytes(pdf.output(output_producer_class=_DeterministicOutput))


def document_title(document: Document) -> str:
    title = document.kind if isinstance(document, PadroDocument) else _KINDS[type(document)][0]
    return text(title, document.language)


class _Body:
    """The content of each kind of document, flowing onto as many pages as it needs."""

    def __init__(self, pdf: _DocumentPDF) -> None:
        self.pdf = pdf
        self.t = pdf.t
        self.width = pdf.w - 2 * MARGIN

    def write(self, document: Document) -> None:
        _KINDS[type(document)][1](self, document)

    # --- building blocks -------------------------------------------------------------------------

    def paragraph(self, value: str, size: float = 10.5, style: str = "", gap: float = 2.5) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, style, size)
        pdf.set_text_color(*INK)
        pdf.write_lines(pdf.wrap(printable(value), self.width), MARGIN, self.width, size * 0.5)
        pdf.ln(gap)

    def heading(self, value: str) -> None:
        pdf = self.pdf
        if pdf.will_page_break(16):  # never a heading alone at the foot of a page
            pdf.add_page()
        pdf.ln(1.5)
        pdf.set_font(FAMILY, "B", 11.5)
        pdf.set_text_color(*CITY_RED)
        pdf.cell(0, 6.5, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*RULE)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.ln(2)
        pdf.set_text_color(*INK)

    def field(self, label: str, value: str, bold: bool = False) -> None:
        pdf = self.pdf
        label_width = 52.0
        value_width = self.width - label_width
        pdf.set_font(FAMILY, "", 9)
        label_lines = pdf.wrap(printable(label), label_width - 2)
        pdf.set_font(FAMILY, "B" if bold else "", 10.5)
        value_lines = pdf.wrap(printable(value), value_width)
        if len(value_lines) <= 6 and pdf.will_page_break(5.4 * max(len(label_lines), len(value_lines))):
            pdf.add_page()  # a short field is kept on one page; a long one flows
        y, page = pdf.get_y(), pdf.page
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.write_lines(label_lines, MARGIN, label_width - 2, 5.4)
        label_bottom = pdf.get_y()
        pdf.set_xy(MARGIN + label_width, y)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "B" if bold else "", 10.5)
        pdf.write_lines(value_lines, MARGIN + label_width, value_width, 5.4)
        bottom = max(pdf.get_y(), label_bottom) if pdf.page == page else pdf.get_y()
        pdf.set_xy(MARGIN, bottom + 0.8)

    def note(self, value: str) -> None:
        pdf = self.pdf
        pdf.ln(3)
        pdf.set_font(FAMILY, "", 9.5)
        lines = pdf.wrap(printable(value), self.width - 6)
        height = 5 * len(lines) + 4
        if pdf.will_page_break(height):
            pdf.add_page()
        pdf.set_fill_color(*BAND)
        pdf.rect(MARGIN, pdf.get_y(), self.width, height, style="F")
        pdf.set_y(pdf.get_y() + 2)
        pdf.write_lines(lines, MARGIN + 3, self.width - 6, 5)
        pdf.set_x(MARGIN)
        pdf.ln(4)

    def block(self, height: float, continued: str | None = None) -> None:
        """Keep the next `height` mm together, starting a page (with a continuation heading) if needed."""
        if self.pdf.will_page_break(height):
            self.pdf.add_page()
            if continued:
                self.heading(f"{continued} {self.t('continued')}")

    # --- padró ------------------------------------------------------------------------------------

    def padro(self, doc: PadroDocument) -> None:
        intro = {
            "volant_individual": "padro_intro_individual",
            "volant_collectiu": "padro_intro_collectiu",
            "certificat_convivencia": "padro_intro_convivencia",
        }[doc.kind]
        self.paragraph(self.t(intro))
        self.field(self.t("address"), _address_line(doc), bold=True)
        if doc.kind == "volant_individual":
            self.heading(self.t("people"))
            self.person(1, doc.holder, doc.registered_since)
        else:
            self.field(self.t("requested_by"), doc.holder.full_name)
            people = doc.inhabitants
            self.heading(self.t("people"))
            for number, person in enumerate(people, start=1):
                self.person(number, person, person.registered_since, continued=self.t("people"))
            self.pdf.ln(1)
            self.paragraph(self.t("people_count", n=len(people)), size=10, style="B")
        self.note(self.t("volant_note" if doc.is_volant else "certificat_note"))

    def person(
        self, number: int, person: Holder | Inhabitant, since: date | None, continued: str | None = None
    ) -> None:
        pdf = self.pdf
        self.block(13.5, continued)
        pdf.set_font(FAMILY, "B", 11)
        pdf.cell(9, 6, f"{number}.")
        pdf.cell(0, 6, printable(person.full_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        # Fixed columns, so that a long household reads as a table.
        details = (
            (44.0, f"{self.t('id_number')}: {person.id_number}" if person.id_number else ""),
            (50.0, f"{self.t('born')}: {format_date(person.birth_date)}" if person.birth_date else ""),
            (0.0, f"{self.t('registered_since')}: {format_date(since)}" if since else ""),
        )
        pdf.set_x(MARGIN + 9)
        pdf.set_font(FAMILY, "", 9.5)
        pdf.set_text_color(*MUTED)
        for width, value in details:
            pdf.cell(width, 5, printable(value))
        pdf.ln(5)
        pdf.set_text_color(*INK)
        pdf.ln(2.5)

    # --- instància --------------------------------------------------------------------------------

    def instancia(self, doc: InstanciaReceipt) -> None:
        self.paragraph(self.t("instancia_intro"))
        self.field(self.t("registry_number"), doc.registry_number, bold=True)
        self.field(self.t("registered_at"), format_datetime(doc.registered_at), bold=True)
        self.field(self.t("addressee"), f"{doc.department.name} ({doc.department.code})")
        applicant = doc.applicant.full_name
        if doc.applicant.id_number:
            applicant += f" · {doc.applicant.id_number}"
        self.field(self.t("applicant"), applicant)
        contact = _contact_line(doc.contact)
        self.field(self.t("contact"), contact or self.t("none"))
        channel = "notify_paper" if doc.notification_channel == "paper" else "notify_electronic"
        self.field(self.t("notification"), self.t(channel))
        self.field(self.t("subject"), doc.subject, bold=True)
        self.heading(self.t("exposo"))
        self.paragraph(doc.exposo)
        self.heading(self.t("solicito"))
        self.paragraph(doc.solicito)
        self.heading(self.t("attachments"))
        if not doc.attachments:
            self.paragraph(self.t("no_attachments"))
        pdf = self.pdf
        for number, item in enumerate(doc.attachments, start=1):
            self.block(17, self.t("attachments"))
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(9, 5.5, f"{number}.")
            pdf.write_lines(pdf.wrap(printable(item.name), self.width - 9), MARGIN + 9, self.width - 9, 5.5)
            pdf.set_x(MARGIN + 9)
            pdf.set_font(FAMILY, "", 9)
            pdf.cell(0, 4.8, f"{self.t('size')}: {format_size(item.size, doc.language)}",
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
            pdf.set_x(MARGIN + 9)
            pdf.set_font(FAMILY, "", 8.2)
            pdf.cell(0, 4.8, f"SHA-256: {item.sha256.lower()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)

    # --- deixalleria ------------------------------------------------------------------------------

    def deixalleria(self, doc: DeixalleriaSummary) -> None:
        if doc.card is None:
            self.field(self.t("card"), self.t("no_card"), bold=True)
        else:
            self.field(self.t("card"), doc.card.number, bold=True)
            status = f"status_{doc.card.status}"
            self.field(self.t("card_status"), self.t(status) if status in _KEYS else doc.card.status)
            if doc.card.holder_name:
                self.field(self.t("holder"), doc.card.holder_name)
        self.field(self.t("visits_year", year=doc.year), str(doc.visits_this_year), bold=True)
        self.field(self.t("visits_year", year=doc.year - 1), str(doc.visits_last_year))
        bonus = doc.bonus
        self.heading(self.t("bonus_title", year=bonus.tax_year))
        self.field(self.t("bonus_amount"), format_amount(bonus.amount), bold=True)
        if bonus.band is None:
            band = self.t("no_band")
        elif bonus.band.max_visits is None:
            band = f"{self.t('band_open', lo=bonus.band.min_visits)} · {format_amount(bonus.band.amount)}"
        else:
            band = self.t("band_range", lo=bonus.band.min_visits, hi=bonus.band.max_visits)
            band += f" · {format_amount(bonus.band.amount)}"
        self.field(self.t("band_reached"), band)
        if bonus.next_band is not None:
            nxt = bonus.next_band
            self.paragraph(
                self.t("next_band", n=nxt.visits_needed, lo=nxt.min_visits, amount=format_amount(nxt.amount))
            )
        elif bonus.band is not None:
            self.paragraph(self.t("top_band"))
        self.note(self.t("bonus_note"))
        self.heading(self.t("visits"))
        if not doc.visits:
            self.paragraph(self.t("no_visits"))
            return
        pdf = self.pdf
        columns = (26.0, 62.0, self.width - 88.0)

        def head_row() -> None:
            pdf.set_font(FAMILY, "B", 9)
            pdf.set_text_color(*MUTED)
            for width, label in zip(columns, ("date", "centre", "materials"), strict=True):
                pdf.cell(width, 5.5, self.t(label))
            pdf.ln(6)
            pdf.set_text_color(*INK)

        head_row()
        for visit in doc.visits:
            materials = printable(", ".join(visit.materials))
            pdf.set_font(FAMILY, "", 9.5)
            lines = pdf.wrap(materials, columns[2])
            if pdf.will_page_break(5 * len(lines) + 1):
                pdf.add_page()
                self.heading(f"{self.t('visits')} {self.t('continued')}")
                head_row()
            pdf.set_font(FAMILY, "", 9.5)
            pdf.cell(columns[0], 5, format_date(visit.date))
            pdf.cell(columns[1], 5, printable(visit.centre))
            pdf.write_lines(lines, MARGIN + columns[0] + columns[1], columns[2], 5)
            pdf.set_x(MARGIN)
            pdf.ln(1)

    # --- bústia -----------------------------------------------------------------------------------

    def bustia(self, doc: BustiaReceipt) -> None:
        self.field(self.t("reference"), doc.reference, bold=True)
        self.field(self.t("submitted_at"), format_datetime(doc.submitted_at))
        self.field(self.t("kind"), self.t(doc.kind))
        self.field(self.t("topic"), doc.topic)
        contact = _contact_line(doc.contact)
        self.field(self.t("contact"), contact or self.t("anonymous"))
        self.heading(self.t("message"))
        self.paragraph(doc.text)
        self.note(self.t("bustia_note"))

    # --- cita prèvia -----------------------------------------------------------------------------

    def cita(self, doc: CitaJustificant) -> None:
        self.paragraph(self.t("cita_intro"))
        at = doc.appointment_at.astimezone(local_zone())  # the office's clock, whatever the offset sent
        self.field(self.t("cita_day"), format_date(at.date()), bold=True)
        self.field(self.t("cita_time"), at.strftime("%H:%M"), bold=True)
        self.field(self.t("cita_service"), doc.service.name, bold=True)
        self.field(self.t("cita_office"), doc.service.office)
        self.field(self.t("reference"), doc.reference)
        applicant = doc.holder.full_name
        if doc.holder.id_number:
            applicant += f" · {doc.holder.id_number}"
        self.field(self.t("applicant"), applicant)
        self.field(self.t("contact"), _contact_line(doc.contact) or self.t("none"))
        self.field(self.t("cita_booked_at"), format_datetime(doc.booked_at))
        self.note(self.t("cita_note"))

    def ticket(self, doc: CitaTicket) -> None:
        """The turn number large, the service and the time: no name nor ID number (it is left on counters)."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "", 10.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, printable(self.t("cita_ticket_turn")), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "B", 54)
        pdf.set_text_color(*INK)
        pdf.cell(0, 26, printable(doc.turn), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        at = doc.appointment_at.astimezone(local_zone())
        self.field(self.t("cita_service"), doc.service.name, bold=True)
        self.field(self.t("cita_time"), at.strftime("%H:%M"), bold=True)
        self.field(self.t("cita_office"), doc.service.office)
        self.field(self.t("cita_checked_in_at"), format_datetime(doc.checked_in_at))
        self.note(self.t("cita_ticket_note"))

    # --- inscripcions a activitats -----------------------------------------------------------------

    def activitat(self, doc: ActivityJustificant) -> None:
        activity = doc.activity
        self.paragraph(self.t("activitat_intro"))
        self.field(self.t("activitat_number"), doc.application_number, bold=True)
        self.field(self.t("activitat_name"), activity.name, bold=True)
        self.field(self.t("activitat_centre"), activity.centre)
        self.field(self.t("activitat_schedule"), activity.schedule)
        self.field(self.t("activitat_places"), str(activity.places))
        fee = euros(activity.fee_cents) if activity.fee_cents else self.t("activitat_free")
        if activity.reduced_fee_cents is not None:
            fee += " · " + self.t("activitat_reduced", fee=euros(activity.reduced_fee_cents))
        self.field(self.t("activitat_fee"), fee)
        zone = local_zone()
        last_day = (activity.closes_at - timedelta(seconds=1)).astimezone(zone).date()  # closes at midnight
        self.field(self.t("activitat_closes"), format_date(last_day))
        self.field(self.t("activitat_draw"), format_date(activity.draw_at.astimezone(zone).date()))
        applicant = doc.applicant
        named = " · ".join(v for v in (applicant.full_name, applicant.id_number) if v)
        self.field(self.t("applicant"), named)
        self.field(self.t("contact"), _contact_line(doc.contact) or self.t("none"))
        self.field(self.t("activitat_applied_at"), format_datetime(doc.applied_at))
        self.note(self.t("activitat_note"))

    # --- pagament de rebuts i multes ---------------------------------------------------------------

    def pagament(self, doc: PaymentDocument) -> None:
        """A Cuaderno 60 carta de pago: the bill, the fields a bank's counter types in, the barcode."""
        bill, pay = doc.bill, doc.payment
        amount = format_amount(Decimal(pay.amount_cents) / 100)
        self.paragraph(self.t("pagament_intro"))
        self.field(self.t("pagament_concept"), bill.concept, bold=True)
        self.field(self.t("pagament_detail"), bill.detail)
        self.field(self.t("pagament_period"), bill.period)
        holder = " · ".join(v for v in (doc.holder.full_name, doc.holder.id_number) if v)
        self.field(self.t("pagament_holder"), holder)
        self.field(self.t("pagament_amount"), amount, bold=True)
        self.field(self.t("pagament_due"), format_date(bill.due_date), bold=True)
        self.heading(self.t("pagament_fields"))
        self.field(self.t("pagament_emisora"), pay.emisora, bold=True)
        self.field(self.t("pagament_reference"), pay.reference, bold=True)
        self.field(self.t("pagament_identification"), pay.identification, bold=True)
        self.field(self.t("pagament_amount"), amount, bold=True)
        pdf = self.pdf
        self.block(36)
        pdf.ln(3)
        top = pdf.get_y()
        cuaderno60.draw(pdf, pay.barcode, MARGIN, top, min(self.width, 120.0), 18)
        pdf.set_xy(MARGIN, top + 19.5)
        pdf.set_font(FAMILY, "", 8.5)
        pdf.cell(min(self.width, 120.0), 4.5, f"(90) {pay.barcode[2:]}", align=Align.C,
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.note(self.t("pagament_note", due=format_date(bill.due_date)))


#: Each kind of document (the type union is closed): the text of its title (a padró document's is the
#: text of its `kind`) and the `_Body` method that writes its content.
_KINDS: dict[type[Document], tuple[str, Callable[[_Body, Any], None]]] = {
    PadroDocument: ("", _Body.padro),
    InstanciaReceipt: ("instancia_title", _Body.instancia),
    DeixalleriaSummary: ("deixalleria_title", _Body.deixalleria),
    BustiaReceipt: ("bustia_title", _Body.bustia),
    CitaJustificant: ("cita_title", _Body.cita),
    ActivityJustificant: ("activitat_title", _Body.activitat),
    CitaTicket: ("cita_ticket_title", _Body.ticket),
    PaymentDocument: ("pagament_title", _Body.pagament),
}


def _address_line(doc: PadroDocument) -> str:
    a = doc.address
    street = ", ".join(part for part in (a.street, a.number) if part)
    flat = " ".join(part for part in (a.floor, a.door) if part)
    if flat:
        street = f"{street}, {flat}"
    town = "\u00a0".join(part for part in (a.postal_code, a.municipality) if part)  # kept on one line
    return f"{street} · {town}" if town else street


def _contact_line(contact: object) -> str:
    email = getattr(contact, "email", None)
    phone = getattr(contact, "phone", None)
    return " · ".join(part for part in (email, phone) if part)


_default: Renderer | None = None


def default_renderer() -> Renderer:
    """The process's shared renderer (fonts parsed on first use)."""
    global _default
    if _default is None:
        _default = Renderer()
    return _default


def render(document: Document, *, training: bool = False) -> bytes:
    """The PDF of `document`, with the shared renderer. See `Renderer.render`."""
    return default_renderer().render(document, training=training)
