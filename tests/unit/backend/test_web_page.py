"""The pure parts of the backend's web pages: escaping, content negotiation, the hand-written texts in
three languages, a kiosk's faults in words, a delivery error without its recipient."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import pytest
from starlette.datastructures import Headers

from contract.kiosks import HeartbeatIn, KioskStatus, PrinterHealth
from municipal.web import staff
from municipal.web.page import prefers_html, text, texts


@pytest.mark.parametrize(
    ("value", "html"),
    [
        ("<script>alert('x')</script>", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        ('" onmouseover="x', "&quot; onmouseover=&quot;x"),
        ("Güell & Puig", "Güell &amp; Puig"),
        ("Riera\u202eesrever\u200b", "Riera\ufffdesrever\ufffd"),  # a bidi override, a zero-width space
        ("\x1b[2J\x00\x07\x9b", "\ufffd[2J\ufffd\ufffd\ufffd"),  # ESC, NUL, BEL, a C1 control
        ("Que visc\nal carrer\tde la Palma", "Que visc\nal carrer\tde la Palma"),  # a citizen's lines
        (42, "42"),
    ],
)
def test_text_is_never_markup_nor_an_invisible_character(value: object, html: str) -> None:
    assert text(value) == html


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", True),
        ("text/html", True),
        ("text/*", True),
        ("", False),  # requests, curl: what the URL always answered
        ("*/*", False),
        ("application/json", False),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0.5, application/json", False),
        ("text/html, application/json", False),  # a tie is JSON
        ("text/html;q=bad", False),
    ],
)
def test_content_negotiation(accept: str, html: bool) -> None:
    assert prefers_html(Headers({"accept": accept} if accept else {})) is html


@pytest.mark.parametrize("section", ["verify", "kinds", "fields", "staff", "page"])
def test_every_text_is_written_in_three_languages_with_the_same_placeholders(section: str) -> None:
    names = string.Formatter()
    for key, (ca, es, en) in texts(section).items():
        assert ca.strip() and es.strip() and en.strip(), key
        fields = [sorted(f for _, f, _, _ in names.parse(t) if f) for t in (ca, es, en)]
        assert fields[0] == fields[1] == fields[2], key
    if section in ("verify", "staff"):  # the pages' sentences are translated, not copied
        assert sum(ca != en for ca, _, en in texts(section).values()) > len(texts(section)) * 0.8


def beat(**changes: object) -> HeartbeatIn:
    """A working kiosk's heartbeat sent now, with `changes` (also the browser tests')."""
    healthy = HeartbeatIn(
        version="1.4.0",
        mode="training",
        reader_present=True,
        readers=1,
        card_stack_ok=True,
        printer=PrinterHealth(state="idle", accepting_jobs=True),
        temp_free_bytes=12_300_000_000,
        uptime_seconds=7200,
        sent_at=datetime.now(UTC),
    )
    return healthy.model_copy(update=changes)


def _kiosk(**changes: object) -> KioskStatus:
    return KioskStatus(kiosk_id="k", last_heartbeat_at=datetime.now(UTC), stale=False, state=beat(**changes))


def test_a_kiosks_faults_in_words() -> None:
    assert staff.problems(_kiosk(), "en") == []
    assert staff.problems(_kiosk(printer=PrinterHealth(state="folder")), "en") == []  # a demo kiosk
    out = staff.problems(
        _kiosk(
            reader_present=False,
            card_stack_ok=False,
            card_stack_problem="pcsc_unavailable",
            printer=PrinterHealth(state="stopped", reasons=["media-empty-error", "toner-low-report"]),
            temp_free_bytes=10**8,
        ),
        "ca",
    )
    assert out == [
        "cap lector connectat",
        "no es poden llegir targetes (pcsc_unavailable)",
        "impressora: stopped, media-empty-error",
        "poc espai al disc",
    ]
    assert staff.problems(_kiosk(printer=PrinterHealth(state="idle", accepting_jobs=False)), "es") == [
        "impresora: idle"
    ]


def test_a_delivery_error_loses_its_recipient() -> None:
    error = "550 5.1.1 <jordi.puig@example.org>: rejected; also maria@veina.cat; call +34 600 123 456"
    shown = staff.scrubbed(error, "email", "jordi.puig@example.org")
    assert "jordi.puig" not in shown and "maria@" not in shown and "600 123 456" not in shown
    assert "j***@example.org" in shown and "m***@veina.cat" in shown and re.search(r"\*+456", shown)
    assert staff.scrubbed("gateway said 600123456 is barred", "sms", "600123456") == (
        "gateway said ******456 is barred"
    )
