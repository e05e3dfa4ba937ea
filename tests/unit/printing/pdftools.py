"""Reading our PDFs back the way a person or a scanner would: text with poppler's pdftotext, pages as
images with pdftoppm, QR codes with zbarimg (Debian's zbar-tools)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _pdf_file(pdf: bytes | Path, folder: Path) -> Path:
    if isinstance(pdf, Path):
        return pdf
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    return path


def page_count(pdf: bytes | Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["pdfinfo", _pdf_file(pdf, Path(tmp))], capture_output=True, text=True, check=True
        )
    match = re.search(r"^Pages:\s+(\d+)", out.stdout, re.M)
    assert match, out.stdout
    return int(match.group(1))


def text(pdf: bytes | Path, page: int | None = None) -> str:
    """The text of the document (or of one page), whitespace runs collapsed to one space."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["pdftotext", "-layout"]
        if page is not None:
            args += ["-f", str(page), "-l", str(page)]
        out = subprocess.run([*args, _pdf_file(pdf, Path(tmp)), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def pages_text(pdf: bytes | Path) -> list[str]:
    return [text(pdf, n) for n in range(1, page_count(pdf) + 1)]


def page_png(pdf: bytes | Path, page: int, folder: Path, dpi: int = 100) -> Path:
    source = _pdf_file(pdf, folder)
    stem = folder / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", source, stem],
        check=True,
    )
    return stem.with_suffix(".png")


def qr_codes(pdf: bytes | Path, page: int = 1) -> list[str]:
    """What zbarimg reads from the QR codes of one page, rendered at 150 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        png = page_png(pdf, page, Path(tmp), dpi=150)
        out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png],
                             capture_output=True, text=True)  # fmt: skip
    return [line for line in out.stdout.splitlines() if line]


def watermark_pixels(pdf: bytes | Path, page: int) -> int:
    """Pixels of the page in the training watermark's translucent red (its red at 22 % over white)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        with Image.open(page_png(pdf, page, Path(tmp), dpi=40)) as image:
            pixels: list[tuple[int, int, int]] = list(image.convert("RGB").get_flattened_data())  # type: ignore[arg-type]
    return sum(1 for r, g, b in pixels if r > 235 and 180 < g < 220 and 180 < b < 220 and abs(g - b) < 12)
