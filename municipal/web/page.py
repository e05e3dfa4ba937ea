"""What every page of the backend shares: the language (`?lang=` or Accept-Language), escaping of text
from outside, the document around a page's body and the headers that lock it down (a Content-Security-
Policy that allows no script, no frame, no other origin: the one style sheet is allowed by its hash), and
`HtmlRoute`, a route that only a client preferring HTML reaches (content negotiation on `Accept`, so the
URL printed on a document serves people a page and programs the JSON they always had)."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import tomllib
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import Scope

from contract.localtime import local_zone
from contract.text import REFUSED_CATEGORIES, TEXT_BREAKS
from municipal.errors import LANGUAGES, language_of

#: A text in Catalan, Spanish and English (the order of `LANGUAGES`).
Texts = tuple[str, str, str]

#: The pages' texts, written by hand: one table per page, one entry per text, `ca`, `es` and `en` each.
TEXTS_FILE = Path(__file__).with_name("texts.toml")


@functools.cache
def texts(section: str) -> dict[str, Texts]:
    """The texts of one table of `TEXTS_FILE` (`verify`, `kinds`, `fields`, `staff`, `page`)."""
    with TEXTS_FILE.open("rb") as f:
        table = tomllib.load(f)[section]
    return {key: (entry["ca"], entry["es"], entry["en"]) for key, entry in table.items()}


STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:75em;margin:0 auto;padding:1em;line-height:1.45;
color:#111;background:#fff}
ol{margin:0;padding-left:1.5em}li{margin-bottom:.6em}
header{border-bottom:4px solid #b5121b;margin-bottom:1em}
nav.languages a,nav.languages strong{margin-right:1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1em}dt{font-weight:bold}
dd{margin:0;white-space:pre-line}
dl dl{grid-column:1/-1;margin-left:1em}
table{border-collapse:collapse}#kiosks{width:100%}
th,td{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top}
.notice{border:3px solid #b5121b;padding:.5em;font-weight:bold}
.stale td:first-child,.faulty td:first-child{border-left:.5em solid #b5121b}
.ok td:first-child{border-left:.5em solid #2e7d32}
a.button,button{font-size:1em;padding:.4em 1em}
label{display:block;margin-top:.5em}input{font-size:1em;padding:.3em}
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()

#: No script, no plug-in, no frame, no other origin; forms post to this server only; the one style
#: sheet allowed by its digest (no inline `style=` attribute is).
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_STYLE_HASH}'; "
    "img-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'"
)

#: The headers of every page: the CSP, no sniffing, and no Referer to another site (a verification URL
#: holds a CSV). `same-origin`, not `no-referrer`: under that a browser sends `Origin: null` with a
#: form, and the staff's forms check their Origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def text(value: object) -> str:
    """`value` as HTML text: escaped (quotes too, so it is safe in an attribute), and every control or
    invisible character (`contract.text.REFUSED_CATEGORIES`: bidi overrides, zero-width characters, NUL)
    but line breaks and tabs shown as U+FFFD, so stored text can neither be markup nor reorder what is
    around it."""
    string = str(value)
    if not string.isprintable():
        string = "".join(
            "\N{REPLACEMENT CHARACTER}"
            if c not in TEXT_BREAKS and unicodedata.category(c) in REFUSED_CATEGORIES
            else c
            for c in string
        )
    return html.escape(string, quote=True)


def pick(texts: Texts, language: str) -> str:
    """The text of `texts` in `language` (Catalan for anything else), escaped."""
    return html.escape(texts[LANGUAGES.index(language) if language in LANGUAGES else 0])


def page_language(request: Request) -> str:
    """`?lang=` if it is ca, es or en, else the best of Accept-Language (Catalan when nothing matches)."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else language_of(request)


LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English"}


def language_links(request: Request, language: str) -> str:
    """Links to the same page in the other languages (the current one is not a link)."""
    items = []
    for code in LANGUAGES:
        name = html.escape(LANGUAGE_NAMES[code])
        if code == language:
            items.append(f'<strong lang="{code}">{name}</strong>')
        else:
            query = urlencode({**dict(request.query_params), "lang": code})
            items.append(f'<a lang="{code}" hreflang="{code}" href="?{text(query)}">{name}</a>')
    label = pick(texts("page")["language"], language)
    return f'<nav class="languages" aria-label="{label}">{"".join(items)}</nav>'


def local_time(moment: datetime | str | None, seconds: bool = False) -> str:
    """A moment as Mataró's clock shows it (`02/12/2026 06:45`), or '' for none."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    shown = moment.astimezone(local_zone())
    return shown.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def html_page(
    language: str,
    title: str,
    body: str,
    *,
    status: int = 200,
    heading: str = "",
    refresh_seconds: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A whole page: `title` (already escaped) as its title and first heading (or `heading`, escaped
    too, in the header band), `body` (every value in it already escaped through `text`)."""
    refresh = f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">' if refresh_seconds else ""
    band = heading or pick(
        ("Ajuntament de Mataró", "Ayuntamiento de Mataró", "Mataró City Council"), language
    )
    document = (
        f'<!doctype html><html lang="{text(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="referrer" content="same-origin">{refresh}'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body><header><p>{band}</p></header><main><h1>{title}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _quality(accept: str, wanted: str) -> float:
    """The q-value `accept` gives the media type `wanted` (its most specific match; 0 if none)."""
    major = wanted.split("/")[0]
    best, specificity = 0.0, -1
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        level = 2 if media == wanted else 1 if media == f"{major}/*" else 0 if media == "*/*" else -1
        if level < specificity or level < 0:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best, specificity = q, level
    return best


def prefers_html(headers: Headers) -> bool:
    """The client would rather have HTML than JSON (a browser: `text/html,...,*/*;q=0.8`); a tie, no
    Accept or `*/*` (curl, requests, the kiosk) is JSON, as the URL always answered."""
    accept = headers.get("accept", "")
    return _quality(accept, "text/html") > _quality(accept, "application/json")


class HtmlRoute(APIRoute):
    """A route reached only by a client that prefers HTML (`prefers_html`); any other request goes on
    to the routes after it (the JSON one of the same path)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not prefers_html(Headers(scope=scope)):
            return Match.NONE, {}
        return super().matches(scope)
