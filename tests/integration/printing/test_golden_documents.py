"""Golden documents: every kind of printed document, in Catalan and Spanish, with and without the training
watermark, compared with a reference that a person has looked at (tests/golden/documents/).

For each document the test compares:
- the page count;
- every page as a grayscale image at 60 dpi (`pdftoppm`), pixel by pixel with a small tolerance, so that
  a moved block, a changed font size or a missing watermark fails, and a slightly different anti-aliasing
  does not;
- the text, exactly: `pdftotext -raw` (in the order the renderer writes it) plus what the QR code of the
  first page reads (`zbarimg`), so that a changed word fails even when it changes few pixels.
Every font of the PDF must be embedded (the shipped DejaVu subsets), so that poppler never draws a page
with a font of the machine it runs on.

The fields a real document takes from the clock or from a counter (issue date, CSV, verification URL and
so the QR code, registry number and time, bústia reference and time, the deixalleria's year) are pinned
here, on top of the payloads of `printing.samples`.

When a comparison fails, tests/golden/_failed/ (not committed) gets, for that document: the new PDF, the
new page images `<name>.pN.png`, a `<name>.pN.diff.png` for each page that differs (the reference in
light grey, the differing pixels in red) and the new `<name>.txt`; the assertion message names them.

Regenerating the references is done on purpose only:

    .venv/bin/pytest tests/integration/printing/test_golden_documents.py --regen-golden
    (or OVAC_REGEN_GOLDEN=1 in the environment)

rewrites the references that no longer match (the others are left as they are, byte for byte) and
removes those of pages or documents that no longer exist. Then review before committing:
`git status tests/golden` lists what changed; open every changed `.png` (any image viewer, or the file
view of an editor) and look at it whole: header, title, training banner and diagonal watermark where
expected, body, footer with QR, CSV, date and "page X of Y"; read `git diff tests/golden` for the text
files. Commit the references together with the change that explains them.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from contract.documents import document_from_payload
from printing import samples
from printing.render import Renderer

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
REFERENCES = GOLDEN / "documents"
FAILED = GOLDEN / "_failed"

DPI = 60
#: A pixel differs when its grey level (0-255) moves by more than this. The same poppler renders the same
#: PDF to the same pixels (measured: not one grey level apart), so the margin is only for slight
#: anti-aliasing changes; it is kept under the 13 levels by which the notes' light band (242) stands out.
PIXEL_TOLERANCE = 10
#: A page matches while at most this many of its ~350,000 pixels differ. Measured on the instància at
#: this tolerance: one letter changed moved ~20 pixels (the text check catches it), the accent of "Còpia"
#: 4; the margin 0.3 mm wider ~26,000; the QR code 0.5 mm bigger ~5,000; the rules left out ~2,000; the
#: city's red printed black ~1,800; the bústia's note without its band ~7,600.
MAX_DIFFERENT_PIXELS = 40

ISSUED_AT = "2026-03-02T10:15:00+01:00"

#: What the backend fills in from its clock or its counters, pinned for every document...
PINNED_ALL: dict[str, Any] = {"issued_at": ISSUED_AT}
#: ... and per kind of document.
PINNED: dict[str, dict[str, Any]] = {
    "instancia": {"registry_number": "E/2026/000123", "registered_at": "2026-03-02T10:14:37+01:00"},
    "bustia": {"reference": "QS/2026/000045", "submitted_at": "2026-03-02T10:12:05+01:00"},
    "activitat": {"application_number": "IA-2026-000031", "applied_at": "2026-03-02T10:13:40+01:00"},
    "deixalleria": {"year": 2026},
}
CSV = {
    "volant_individual": "PADRV1NDV2K7Q9M3X5ZT",
    "volant_collectiu": "PADR7KQ2M9XA4TPRZ3WD",
    "certificat_convivencia": "PADRC0NV4H6J8L2N4P6R",
    "instancia": "INST4H8K2P6R9T3V5X7Z",
    "deixalleria": "DEIX2B4D6F8H1J3L5N7P",
    "bustia": "BUST9C8B7A6Z5Y4X3W2V",
    "activitat": "ACTV3D5F7H9K2M4P6R8T",
    "pagament": "PAGM6E8G2J4L6N8Q1S3U",
    "cita": "CITA5G7J9L2N4Q6S8U1W",
    "cita_ticket": "TORN8W6U4S2Q9N7L5J3G",
}

_PAYLOADS: dict[str, Callable[[str], dict[str, Any]]] = {
    "volant_individual": lambda lang: samples.padro("volant_individual", 1, language=lang),
    "volant_collectiu": lambda lang: samples.padro("volant_collectiu", 6, language=lang),
    "certificat_convivencia": lambda lang: samples.padro("certificat_convivencia", 4, language=lang),
    "instancia": lambda lang: samples.instancia(language=lang),
    "deixalleria": lambda lang: samples.deixalleria(language=lang),
    "bustia": lambda lang: samples.bustia(language=lang),
    "activitat": lambda lang: samples.activitat(language=lang),
    "pagament": lambda lang: samples.pagament(language=lang),
    "cita": lambda lang: samples.cita(language=lang),
    "cita_ticket": lambda lang: samples.cita_ticket(language=lang),
}


@dataclass(frozen=True)
class Case:
    kind: str
    language: str
    training: bool
    people: int | None = None  # a longer household than the sample's, for a document of several pages

    @property
    def name(self) -> str:
        people = f"_{self.people}" if self.people else ""
        return f"{self.kind}{people}.{self.language}{'.training' if self.training else ''}"

    def payload(self) -> dict[str, Any]:
        if self.people:
            base = samples.padro(self.kind, self.people, language=self.language)
        else:
            base = _PAYLOADS[self.kind](self.language)
        csv = CSV[self.kind]
        return {
            **base,
            **PINNED_ALL,
            **PINNED.get(self.kind, {}),
            "csv": csv,
            "verify_url": samples.VERIFY_BASE + csv,
            "language": self.language,
            "training": False,  # the watermark comes from the kiosk's training mode: `render(training=)`
        }


CASES = [
    Case(kind, language, training)
    for kind in _PAYLOADS
    for language in ("ca", "es")
    for training in (False, True)
] + [Case("volant_collectiu", language, False, people=14) for language in ("ca", "es")]


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: list[Image.Image]  # grayscale
    page_pngs: list[bytes]
    text: str


def _render(case: Case, renderer: Renderer) -> Rendered:
    pdf = renderer.render(document_from_payload(case.payload()), training=case.training)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "doc.pdf").write_bytes(pdf)
        _run("pdftoppm", "-gray", "-r", str(DPI), "-png", folder / "doc.pdf", folder / "page")
        # pdftoppm pads the page number to the width of the page count: page-1.png or page-01.png
        files = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        page_pngs = [f.read_bytes() for f in files]
        pages = []
        for f in files:
            with Image.open(f) as image:
                pages.append(image.convert("L"))
        _assert_fonts_embedded(folder / "doc.pdf")
        raw = _run("pdftotext", "-raw", "-enc", "UTF-8", folder / "doc.pdf", "-")
        qr = _qr_of_first_page(folder / "doc.pdf", folder)
    return Rendered(pdf, pages, page_pngs, _text_of(raw, qr))


def _qr_of_first_page(pdf: Path, folder: Path) -> list[str]:
    """What zbarimg reads in the lower quarter of page 1 (the footer, where the QR code is), at 150 dpi:
    a fraction of the time of the whole page."""
    width, height = round(210 / 25.4 * 150), round(297 / 25.4 * 150)
    crop = ["-x", "0", "-y", str(height * 3 // 4), "-W", str(width), "-H", str(height - height * 3 // 4)]
    _run("pdftoppm", "-gray", "-r", "150", "-f", "1", "-l", "1", *crop, "-png", "-singlefile", pdf,
         folder / "footer")  # fmt: skip
    # zbarimg exits with 4 when it finds no code: that is an answer, "(none read)" in the text
    out = subprocess.run(["zbarimg", "--nodbus", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          folder / "footer.png"], capture_output=True, text=True)  # fmt: skip
    return [line for line in out.stdout.splitlines() if line]


def _run(*args: str | Path) -> str:
    return subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")


def _assert_fonts_embedded(pdf: Path) -> None:
    rows = _run("pdffonts", pdf).splitlines()[2:]
    assert rows, "no font in the document"
    for row in rows:
        # name, type (may hold spaces), encoding, then emb sub uni (yes/no) and the object id
        emb = row.split()[-5]
        assert emb == "yes", f"font not embedded, the page would depend on this machine's fonts: {row}"


def _text_of(raw: str, qr: list[str]) -> str:
    """The reference text: each page's lines (trailing blanks and empty lines dropped), then the QR."""
    parts: list[str] = []
    for number, page in enumerate(raw.split("\f")[:-1], start=1):  # pdftotext ends every page with \f
        parts.append(f"=== page {number} ===")
        parts += [line.rstrip() for line in page.splitlines() if line.strip()]
    parts.append("=== QR code of page 1 ===")
    parts += qr or ["(none read)"]
    return "\n".join(parts) + "\n"


def _different_pixels(reference: Image.Image, new: Image.Image) -> tuple[int, Image.Image]:
    """How many pixels differ beyond the tolerance, and the mask of them (255 where they differ)."""
    mask = ImageChops.difference(reference, new).point(lambda v: 255 if v > PIXEL_TOLERANCE else 0)
    return mask.histogram()[255], mask


def _diff_image(reference: Image.Image, new: Image.Image, mask: Image.Image) -> Image.Image:
    faded = Image.blend(reference, Image.new("L", reference.size, 255), 0.7).convert("RGB")
    return Image.composite(Image.new("RGB", reference.size, (230, 0, 0)), faded, mask)


def _reference_pages(case: Case) -> list[Path]:
    pattern = re.compile(rf"^{re.escape(case.name)}\.p(\d+)\.png$")
    found = [
        (int(m.group(1)), p) for p in REFERENCES.glob(f"{case.name}.p*.png") if (m := pattern.match(p.name))
    ]
    return [p for _, p in sorted(found)]


def _compare(case: Case, new: Rendered) -> list[str]:
    """What differs from the reference, in words; writes the evidence to FAILED. Empty when it matches."""
    problems: list[str] = []
    written: list[Path] = []
    ref_pages = _reference_pages(case)
    ref_text_file = REFERENCES / f"{case.name}.txt"
    if not ref_pages or not ref_text_file.exists():
        problems.append(f"no reference for {case.name} in {REFERENCES} (make one with --regen-golden)")
    elif len(ref_pages) != len(new.pages):
        problems.append(f"{len(new.pages)} pages, the reference has {len(ref_pages)}")
    diffs: list[tuple[int, Image.Image]] = []
    for number, image in enumerate(new.pages[: len(ref_pages)], start=1):
        with Image.open(ref_pages[number - 1]) as opened:
            reference = opened.convert("L")
        if reference.size != image.size:
            problems.append(f"page {number} is {image.size} pixels, the reference {reference.size}")
            continue
        count, mask = _different_pixels(reference, image)
        if count > MAX_DIFFERENT_PIXELS:
            problems.append(f"page {number}: {count} pixels differ (at most {MAX_DIFFERENT_PIXELS} may)")
        diffs.append((number, _diff_image(reference, image, mask)))
    if ref_text_file.exists():
        reference_text = ref_text_file.read_text(encoding="utf-8")
        if reference_text != new.text:
            delta = difflib.unified_diff(reference_text.splitlines(), new.text.splitlines(),
                                         "reference", "new", lineterm="", n=1)  # fmt: skip
            problems.append("text differs:\n" + "\n".join(list(delta)[:40]))
    if problems:
        # A diff image of every page, also of those within the tolerance: a changed word shows there.
        for number, image in diffs:
            diff = FAILED / f"{case.name}.p{number}.diff.png"
            image.save(diff)
            written.append(diff)
        _write_new(case, new, FAILED)
        written += [FAILED / f"{case.name}.pdf", FAILED / f"{case.name}.txt"]
        written += [FAILED / f"{case.name}.p{n}.png" for n in range(1, len(new.pages) + 1)]
        problems.append("written: " + ", ".join(str(p.relative_to(GOLDEN.parent.parent)) for p in written))
    return problems


def _write_new(case: Case, new: Rendered, folder: Path, *, pdf: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if pdf:
        (folder / f"{case.name}.pdf").write_bytes(new.pdf)
    (folder / f"{case.name}.txt").write_text(new.text, encoding="utf-8")
    for number, png in enumerate(new.page_pngs, start=1):
        (folder / f"{case.name}.p{number}.png").write_bytes(png)


def _clear_failed(case: Case) -> None:
    for path in FAILED.glob(f"{case.name}.*"):
        if _case_name_of(path) == case.name:
            path.unlink()


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def regen(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden")) or os.environ.get("OVAC_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_document_matches_its_reference(case: Case, renderer: Renderer, regen: bool) -> None:
    new = _render(case, renderer)
    _clear_failed(case)
    problems = _compare(case, new)
    if problems and regen:
        for stale in _reference_pages(case):
            stale.unlink()
        _write_new(case, new, REFERENCES, pdf=False)
        _clear_failed(case)
        return
    assert not problems, f"{case.name} does not match its reference:\n" + "\n".join(problems)


def test_no_reference_without_a_document(regen: bool) -> None:
    """A reference whose document is gone would never be compared again: it must go too."""
    names = {case.name for case in CASES}
    stray = [p for p in REFERENCES.glob("*") if _case_name_of(p) not in names]
    if regen:
        for path in stray:
            path.unlink()
        return
    assert not stray, f"references of no document (remove them, or run with --regen-golden): {stray}"


def _case_name_of(path: Path) -> str:
    """`volant_individual.ca.training` for its .pdf, .txt, .p1.png or .p1.diff.png."""
    match = re.match(r"^(.*?)(?:\.p\d+(?:\.diff)?)?\.(?:png|txt|pdf)$", path.name)
    return match.group(1) if match else path.name


def test_failed_folder_is_not_committed() -> None:
    if shutil.which("git") is None:
        pytest.skip("no git")
    ignored = subprocess.run(["git", "check-ignore", "-q", FAILED / "x.png"], cwd=GOLDEN.parent)
    if ignored.returncode == 128:
        pytest.skip("not in a git work tree")
    assert ignored.returncode == 0, f"{FAILED} must be in .gitignore"
