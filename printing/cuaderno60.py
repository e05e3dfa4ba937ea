"""The GS1-128 barcode of a Cuaderno 60 payment document, drawn with fpdf2 (which draws Code 39 and
Interleaved 2 of 5 but not Code 128; the few lines of the symbology are not worth a dependency).

Code 128 (ISO/IEC 15417): each symbol is 3 bars and 3 spaces over 11 modules (the stop 4 bars over
13), the check symbol is (start + Σ position × value) mod 103. GS1-128 starts with FNC1 after the start
symbol. A Cuaderno 60 barcode is digits only, an even number of them, so code set C (two digits a
symbol) holds it whole: Start C, FNC1, the pairs, the check symbol, Stop.
"""

from __future__ import annotations

from fpdf import FPDF

#: Bar and space widths (in modules) of the symbols 0-106, from ISO/IEC 15417's table.
_PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 "
    "122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 "
    "322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 "
    "112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 "
    "331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113 "
    "411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
START_C, FNC1, STOP = 105, 102, 106
#: The quiet zone each side, in modules (the standard's minimum is 10).
QUIET = 10


def gs1_128_symbols(digits: str) -> list[int]:
    """The symbol values of a GS1-128 barcode of `digits` (an even number of digits) in code set C,
    check symbol and stop included."""
    if not digits or len(digits) % 2 or not digits.isascii() or not digits.isdigit():
        raise ValueError("an even number of digits is needed")
    values = [START_C, FNC1] + [int(digits[n : n + 2]) for n in range(0, len(digits), 2)]
    check = (values[0] + sum(n * v for n, v in enumerate(values[1:], 1))) % 103
    return [*values, check, STOP]


def modules(digits: str) -> str:
    """The barcode as a string of modules, "1" a bar and "0" a space, quiet zones excluded."""
    out = []
    for symbol in gs1_128_symbols(digits):
        for n, width in enumerate(_PATTERNS[symbol]):
            out.append(("1" if n % 2 == 0 else "0") * int(width))
    return "".join(out)


def module_count(digits: str) -> int:
    return len(modules(digits)) + 2 * QUIET


def draw(pdf: FPDF, digits: str, x: float, y: float, width: float, height: float) -> None:
    """Draw the barcode of `digits` filling `width` (quiet zones included) from (x, y), in mm."""
    bars = modules(digits)
    module = width / (len(bars) + 2 * QUIET)
    at = x + QUIET * module
    pdf.set_fill_color(0, 0, 0)
    n = 0
    while n < len(bars):
        run = 1
        while n + run < len(bars) and bars[n + run] == bars[n]:
            run += 1
        if bars[n] == "1":
            pdf.rect(at + n * module, y, run * module, height, style="F")
        n += run
