"""The high-contrast theme's contrast, computed from its colours (WCAG 2.2 1.4.6 AAA and 1.4.11, 2.4.13).

Every text colour against every background it is drawn on must reach 7:1; borders, the focus indicator and
the change between a focused and an unfocused control 3:1. The pairs are Textual's own (the widgets the
kiosk uses) and every `color`, `background` and `border` the kiosk's .tcss files give, read from the files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.color import Color

from kiosk.themes import HIGH_CONTRAST

ROOT = Path(__file__).resolve().parents[3]
TCSS = sorted((ROOT / "kiosk").rglob("*.tcss"))
TEXT = 7.0
NON_TEXT = 3.0

VARIABLES = HIGH_CONTRAST.to_color_system().generate()
#: What text is drawn on when a rule gives no background of its own.
GROUNDS = ("background", "surface", "panel")

#: Every pair of colours the theme draws in Textual's widgets as the kiosk uses them (Button, Input,
#: TextArea, RadioButton, Checkbox, Select, ListView, Toast, Footer), by where: (colour variable, ground
#: variable, the ratio it must reach: TEXT for text, NON_TEXT for borders and focus indicators).
THEME_PAIRS = {
    "Screen": ("foreground", "background", TEXT),
    "Static": ("text", "background", TEXT),
    "modal box": ("text", "surface", TEXT),
    "panel": ("text", "panel", TEXT),
    "hints": ("text-muted", "background", TEXT),
    "hints in a box": ("text-muted", "surface", TEXT),
    "Button": ("button-foreground", "surface", TEXT),
    "Button.-primary": ("button-color-foreground", "primary", TEXT),
    "Button.-success": ("button-color-foreground", "success", TEXT),
    "Button.-warning": ("button-color-foreground", "warning", TEXT),
    "Button.-error": ("button-color-foreground", "error", TEXT),
    "focused option, list cursor": ("block-cursor-foreground", "block-cursor-background", TEXT),
    "list cursor, unfocused": ("block-cursor-blurred-foreground", "block-cursor-blurred-background", TEXT),
    "Input cursor": ("input-cursor-foreground", "input-cursor-background", TEXT),
    "selected text": ("input-selection-foreground", "input-selection-background", TEXT),
    "hover": ("foreground", "block-hover-background", TEXT),
    "primary text": ("text-primary", "background", TEXT),
    "accent text": ("text-accent", "background", TEXT),
    "success text": ("text-success", "background", TEXT),
    "warning text": ("text-warning", "background", TEXT),
    "error text": ("text-error", "background", TEXT),
    "RadioButton dot, on": ("text-success", "panel", TEXT),
    "RadioButton dot, on (high contrast)": ("foreground", "panel", TEXT),
    "Footer key": ("footer-key-foreground", "footer-background", TEXT),
    "Footer": ("footer-foreground", "footer-background", TEXT),
    "focus border": ("border", "background", NON_TEXT),
    "focus border in a box": ("border", "surface", NON_TEXT),
    "border of a control without the focus": ("border-blurred", "background", NON_TEXT),
    "border in a box": ("border-blurred", "surface", NON_TEXT),
    "focused option": ("block-cursor-background", "background", NON_TEXT),
    "scroll bar": ("scrollbar", "scrollbar-background", NON_TEXT),
    # WCAG 2.4.13: the focus indicator against what the same place shows without the focus.
    "focused border vs unfocused": ("border", "border-blurred", NON_TEXT),
    "focused label vs unfocused": ("block-cursor-background", "surface", NON_TEXT),
}


def luminance(color: Color) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def ratio(a: Color, b: Color) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def resolve(value: str, ground: Color | None = None) -> Color:
    """A theme value (`#rrggbb[aa]`, `$name`, `auto [N%]`, `$name N%`) as the opaque colour drawn on
    `ground` (Textual's "auto": black or white, whichever contrasts more, at the given opacity)."""
    value = value.strip()
    alpha = 1.0
    if m := re.fullmatch(r"(.+?)\s+(\d+(?:\.\d+)?)%", value):
        value, alpha = m.group(1), float(m.group(2)) / 100
    if value.startswith("$"):
        value = VARIABLES[value[1:]]
        if value.startswith("auto") or "%" in value:
            return resolve(value, ground)
    base = ground if ground is not None else Color.parse(VARIABLES["background"])
    if value == "auto":
        color = base.get_contrast_text(1.0)
    else:
        color = Color.parse(value)
    color = color.with_alpha(color.a * alpha)
    return base.blend(color, color.a, alpha=1.0) if color.a < 1 else color


def ground_of(name: str) -> Color:
    return resolve("$" + name)


@pytest.mark.parametrize("where", THEME_PAIRS)
def test_the_theme_pairs_reach_their_ratio(where: str) -> None:
    color, ground, minimum = THEME_PAIRS[where]
    bg = ground_of(ground)
    r = ratio(resolve("$" + color, bg), bg)
    assert r >= minimum, f"{where}: ${color} on ${ground} is {r:.2f}:1"


# -- the kiosk's own style sheets -------------------------------------------------------------------------
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
DECL = re.compile(r"^\s*([a-z-]+)\s*:\s*([^;]+);", re.M)
COLOUR = re.compile(r"(\$[a-z0-9-]+(?:\s+\d+%)?|#[0-9a-fA-F]{3,8}\b)")


def style_rules() -> list[tuple[str, dict[str, str]]]:
    rules = []
    for path in TCSS:
        css = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        for selector, body in RULE.findall(css):
            decls = dict(DECL.findall(body))
            rules.append((f"{path.relative_to(ROOT)}: {' '.join(selector.split())}", decls))
    return rules


def colour_in(value: str) -> str | None:
    m = COLOUR.search(value)
    return m.group(1) if m else None


def test_the_style_sheets_are_read() -> None:
    rules = style_rules()
    assert len(TCSS) >= 5 and len(rules) > 60
    assert any("low_vision.tcss" in where for where, _ in rules)


@pytest.mark.parametrize(("where", "decls"), style_rules(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_style_rule_is_7_to_1_text_and_3_to_1_borders(where: str, decls: dict[str, str]) -> None:
    background = colour_in(decls.get("background", ""))
    grounds = [resolve(background)] if background else [ground_of(g) for g in GROUNDS]
    failures = []
    color = decls.get("color")
    if color is not None and colour_in(color) == background:
        # A glyph drawn in its own background's colour is hidden on purpose (the empty box of an option
        # not chosen): the box itself is what shows, and it must stand out from the screen.
        for ground in GROUNDS:
            if (r := ratio(grounds[0], ground_of(ground))) < NON_TEXT:
                failures.append(f"box {background} on ${ground}: {r:.2f}:1")
    elif color is not None and colour_in(color) is not None:
        value = colour_in(color)
        assert value is not None
        for bg in grounds:
            if (r := ratio(resolve(value, bg), bg)) < TEXT:
                failures.append(f"color {value} on {bg.hex}: {r:.2f}:1")
    elif background is not None:
        # Text without a colour of its own is Textual's $text, "auto": black or white on this background.
        bg = grounds[0]
        if (r := ratio(resolve("$text", bg), bg)) < TEXT:
            failures.append(f"text on {bg.hex}: {r:.2f}:1")
    for prop in ("border", "border-left", "border-right", "border-top", "border-bottom"):
        value = colour_in(decls.get(prop, ""))
        if value is None:
            continue
        for bg in [ground_of(g) for g in ("background", "surface")]:
            if (r := ratio(resolve(value, bg), bg)) < NON_TEXT:
                failures.append(f"{prop} {value} on {bg.hex}: {r:.2f}:1")
    assert not failures, f"{where}: {failures}"


def test_the_ratios_are_wcag_ratios() -> None:
    assert ratio(Color.parse("#ffffff"), Color.parse("#000000")) == pytest.approx(21.0)
    assert ratio(Color.parse("#777777"), Color.parse("#ffffff")) == pytest.approx(4.48, abs=0.01)
