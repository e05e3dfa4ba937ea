"""The fonts our documents print with, and the cache that makes rendering them cheap.

The TTFs in this folder are DejaVu Sans (regular and bold) pre-subset to the characters we print
(`subset_fonts.py` made them; licence in LICENSE-DejaVu.txt). They are part of the package, so à è ç
l·l ñ € « » print the same on any machine.

Why a cache: fpdf2 parses every font it is given and, when writing the PDF, subsets it again for that
document. Measured here, that was most of a document's rendering time. Our fonts are already small
subsets, so `FontCache` parses each face once per process and gives every document a light copy of it
whose font program is embedded whole, as the bytes of the file, instead of being re-subset. A document
then only pays for its own glyph map and widths.
"""

from __future__ import annotations

import copy
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import fpdf.output
from fontTools import subset as _ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from printing.fonts.charset import UNICODES

HERE = Path(__file__).parent
FAMILY = "dejavu"
#: style ("" regular, "B" bold) -> the shipped, pre-subset font file.
SHIPPED: Mapping[str, Path] = {
    "": HERE / "DejaVuSans-subset.ttf",
    "B": HERE / "DejaVuSans-Bold-subset.ttf",
}
LICENCE = HERE / "LICENSE-DejaVu.txt"

_PRINTABLE = frozenset(UNICODES) | {0x0A}


def printable(value: str) -> str:
    """`value` with only characters the shipped fonts have: others fall back to their base letter
    (a name in a script we do not ship keeps its Latin letters), or to '?'. Never a blank box."""
    value = unicodedata.normalize("NFC", value).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
    if all(ord(ch) in _PRINTABLE for ch in value):
        return value
    out = []
    for ch in value:
        if ord(ch) in _PRINTABLE:
            out.append(ch)
            continue
        if unicodedata.category(ch).startswith("C"):
            continue  # control and format characters print as nothing
        base = [c for c in unicodedata.normalize("NFKD", ch) if ord(c) in _PRINTABLE]
        out.append("".join(base) or "?")
    return "".join(out)


class SharedTTFont(TTFont):  # type: ignore[misc]
    """A fully parsed font shared, read-only, by every document: saving it writes the original bytes."""

    def __init__(self, data: bytes) -> None:
        super().__init__(BytesIO(data), recalcTimestamp=False, lazy=False)
        self._data = data
        # Decompile every table now, once, so documents in worker threads only ever read it.
        for tag in self.keys():
            if tag != "GlyphOrder":
                self[tag]
        self.getGlyphOrder()

    def save(self, file: str | Path | IO[bytes], reorderTables: bool | None = True) -> None:
        if isinstance(file, str | Path):
            Path(file).write_bytes(self._data)
        else:
            file.write(self._data)

    def close(self) -> None:
        """fpdf2 closes each font after writing a document; this one lives on for the next document."""


class _Subsetter:
    """fpdf2's font subsetter, except that our pre-subset, shared fonts are embedded as they are."""

    def __init__(self, options: Any = None) -> None:
        self._real = _ftsubset.Subsetter(options)
        self._populate: dict[str, Any] = {}

    def populate(self, **kwargs: Any) -> None:
        self._populate = kwargs

    def subset(self, font: TTFont) -> None:
        if isinstance(font, SharedTTFont):
            return
        self._real.populate(**self._populate)
        self._real.subset(font)


class _SubsetModule:
    """Stands in for `fontTools.subset` inside `fpdf.output`; everything but `Subsetter` is the real one."""

    Subsetter = _Subsetter

    def __getattr__(self, name: str) -> Any:
        return getattr(_ftsubset, name)


def _install_subset_hook() -> bool:
    """Route fpdf2's subsetting through `_Subsetter`. Other fonts behave exactly as before."""
    current = getattr(fpdf.output, "ftsubset", None)
    if isinstance(current, _SubsetModule):
        return True
    if current is not _ftsubset:
        return False  # an fpdf2 we do not know: documents still render, with the uncached path
    fpdf.output.ftsubset = _SubsetModule()  # type: ignore[attr-defined]
    return True


class FontCache:
    """Each face parsed once; `install(pdf)` gives a document its own light copy of every face."""

    def __init__(self, files: Mapping[str, Path] = SHIPPED, family: str = FAMILY) -> None:
        self.family = family
        self._lock = threading.Lock()
        self._protos: dict[str, TTFFont] = {}
        self.enabled = _install_subset_hook()
        if not self.enabled:
            self._files = dict(files)
            return
        loader = FPDF()
        for style, path in files.items():
            data = path.read_bytes()
            loader.add_font(family, style, path)
            proto = loader.fonts[f"{family}{style}"]
            assert isinstance(proto, TTFFont)
            proto.ttfont.close()
            proto.ttfont = SharedTTFont(data)
            self._protos[style] = proto

    def install(self, pdf: FPDF) -> None:
        if not self.enabled:
            add_fonts(pdf, self._files, self.family)
            return
        with self._lock:  # the cw defaultdicts are shared: keep copies from racing on them
            for style, proto in self._protos.items():
                pdf.fonts[f"{self.family}{style}"] = _copy_for(proto, index=len(pdf.fonts) + 1)

    @property
    def styles(self) -> Iterable[str]:
        return self._protos.keys()


def _copy_for(proto: TTFFont, index: int) -> TTFFont:
    """A TTFFont for one document: shares the parsed font, owns what fpdf2 changes while writing."""
    font = TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(proto, slot):  # some slots are declared but never set
            setattr(font, slot, getattr(proto, slot))
    font.i = index
    font.desc = copy.copy(proto.desc)  # gets the document's object id and font file reference
    font.cw = copy.copy(proto.cw)  # a defaultdict: reading an unknown character writes into it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


def add_fonts(pdf: FPDF, files: Mapping[str, Path], family: str = FAMILY) -> None:
    """The plain fpdf2 way: parse (and later subset) every face for this document."""
    for style, path in files.items():
        pdf.add_font(family, style, path)
