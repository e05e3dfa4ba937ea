"""The verification page: what a person sees at the URL printed (and in the QR code) on every document,
`GET /v1/verify/{csv}` asked by a browser. The same URL still answers JSON to programs
(`municipal.api.public`); this route is reached only when the client prefers HTML (`HtmlRoute`).

It shows what was issued (kind, date, holder) and the document's fields with exactly what the JSON
withholds withheld (`public.withheld`: ID numbers masked, birth dates, postal codes and contacts left
out), a link to the PDF as issued (masked, `/pdf`), in Catalan, Spanish or English. Each client address
may load it `PAGES_PER_MINUTE` times a minute (a person, not a crawler guessing CSVs); past that a 429
page says when to try again."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from municipal.api import public
from municipal.api.common import context_of
from municipal.context import RefusalThrottle
from municipal.errors import ApiError
from municipal.web.page import (
    HtmlRoute,
    html_page,
    language_links,
    local_time,
    page_language,
    pick,
    text,
    texts,
)

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

#: Page loads per client address and minute (the reverse proxy's limit on /v1/verify/ is looser, so
#: a person who reloads too often meets this page, not the proxy's).
PAGES_PER_MINUTE = 30

TEXT = texts("verify")
#: The kinds of document (`IssuedDocument.kind`); any other is shown as it is stored.
KINDS = texts("kinds")
#: The names of the document's fields (any other is shown by its own name, its underscores as spaces).
FIELDS = texts("fields")

#: Fields the summary already shows, or that are the page's own (the URL of this page).
_SHOWN_ABOVE = frozenset({"csv", "verify_url", "issued_at", "language", "training"})
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _t(key: str, language: str) -> str:
    return pick(TEXT[key], language)


def _label(key: str, language: str) -> str:
    return pick(FIELDS[key], language) if key in FIELDS else text(key.replace("_", " "))


def _value(value: Any, language: str) -> str:
    """A field's value as HTML: a record as a list of its fields, a list as a numbered list, a date in
    Mataró's way of writing it, anything else as escaped text."""
    if isinstance(value, dict):
        return _fields(value, language)
    if isinstance(value, list):
        items = "".join(f"<li>{_value(item, language)}</li>" for item in value)
        return f"<ol>{items}</ol>" if items else "—"
    if isinstance(value, bool):
        return _t("yes" if value else "no", language)
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            return text(local_time(value))
        except ValueError:
            return text(value)
    if isinstance(value, str) and (day := _DAY.match(value)):
        return text(f"{day[3]}/{day[2]}/{day[1]}")
    return text(value)


def _fields(record: dict[str, Any], language: str, skip: frozenset[str] = frozenset()) -> str:
    rows = "".join(
        f"<dt>{_label(key, language)}</dt><dd>{_value(item, language)}</dd>"
        for key, item in record.items()
        if key not in skip
    )
    return f"<dl>{rows}</dl>"


def _throttle(request: Request) -> RefusalThrottle:
    throttle = getattr(request.app.state, "verify_pages", None)
    if not isinstance(throttle, RefusalThrottle):
        throttle = RefusalThrottle(limit=PAGES_PER_MINUTE, window=60.0)
        request.app.state.verify_pages = throttle
    return throttle


async def page_allowed(request: Request) -> int:
    """0 if this address may load a page now, else the seconds to wait (counted on the event loop, so
    the throttle is made once per app)."""
    client = request.client.host if request.client else "?"
    return _throttle(request).attempt(client)


def _not_found(request: Request, language: str, csv: str) -> HTMLResponse:
    body = (
        f"{language_links(request, language)}<p>{_t('not_found', language)}</p>"
        f"<p>{_t('asked', language)}: <code>{text(csv[:64])}</code></p>"
    )
    return html_page(language, _t("not_found_title", language), body, status=404)


@router.get("/v1/verify/{csv}", response_class=HTMLResponse)
async def verification_page(request: Request, csv: str) -> HTMLResponse:
    language = page_language(request)
    if wait := await page_allowed(request):
        body = f"<p>{pick(TEXT['too_many'], language).format(seconds=wait)}</p>"
        title = _t("too_many_title", language)
        return html_page(language, title, body, status=429, headers={"Retry-After": str(wait)})
    if len(csv) > 40:
        return _not_found(request, language, csv)
    ctx = context_of(request)
    try:
        row = await run_in_threadpool(public._issued, ctx, csv)
    except ApiError:
        return _not_found(request, language, csv)
    document = json.loads(row.payload)
    digest = await run_in_threadpool(public._renders.digest, row.csv, row.payload)
    holder = public.holder_of(document)
    summary = [
        ("csv", f"<code>{text(row.csv)}</code>"),
        ("kind", pick(KINDS[row.kind], language) if row.kind in KINDS else text(row.kind)),
        ("issued_at", text(local_time(row.issued_at))),
    ]
    if holder is not None:
        summary.append(("holder", text(holder.name)))
        if holder.id_number:
            summary.append(("id_number", text(holder.id_number)))
    rows = "".join(f"<dt>{_t(key, language)}</dt><dd>{value}</dd>" for key, value in summary)
    training = f'<p class="notice">{_t("training", language)}</p>' if document.get("training") else ""
    # Relative (`/v1/verify/CSV` + `CSV/pdf`): the PDF of the address the page was opened at.
    pdf = text(f"{row.csv}/pdf")
    shown = public.withheld(document)
    skip = _SHOWN_ABOVE | ({"kind"} if shown.get("kind") == row.kind else set())
    body = (
        f"{language_links(request, language)}{training}<p>{_t('valid', language)}</p>"
        f"<h2>{_t('summary', language)}</h2><dl>{rows}</dl>"
        f'<p><a id="pdf" href="{pdf}" type="application/pdf">{_t("pdf", language)}</a></p>'
        f"<p>{_t('withheld', language)}</p>"
        f"<h2>{_t('content', language)}</h2>{_fields(shown, language, skip)}"
    )
    if digest:
        body += f"<p>{_t('digest', language)}: <code>{text(digest)}</code></p>"
    return html_page(language, _t("title", language), body, headers={"Vary": "Accept, Accept-Language"})
