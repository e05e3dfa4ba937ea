"""Every outbox message in ca, es and en, its SMS in one segment once folded, and the email it makes."""

from __future__ import annotations

import pytest

import municipal.idp_sim  # noqa: F401  (registers its template, as a training server does)
from municipal.outbox import gsm7
from municipal.outbox.senders import Outgoing, build_email
from municipal.outbox.templates import TEMPLATES, render

VALUES = {
    "registry_number": "E/2026/000123",
    "department": "Urbanisme",
    "subject": "Gual",
    "csv": "ABCDEFGHJKLMNPQRSTUV",
    "verify_url": "https://seu.example/v1/verify/ABCDEFGHJKLMNPQRSTUV",
    "reference": "QS/2026/000045",
    "topic": "Soroll",
    "code": "482913",
    "service": "Padró d'habitants",
    "office": "OAC Centre, la Riera, 48",
    "date": "09/12/2026",
    "time": "10:15",
    "activity": "Iniciació a la fotografia digital",
    "centre": "Centre Cívic Pla d'en Boet",
    "fee": "35,00 €",
    "position": "3",
}


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_kind_in_three_languages(kind: str) -> None:
    assert set(TEMPLATES[kind]) == {"ca", "es", "en"}
    rendered = {language: render(kind, language, VALUES) for language in ("ca", "es", "en")}
    assert len({r.subject for r in rendered.values()}) == 3
    for r in rendered.values():
        assert gsm7.prepare(r.sms).segments == 1
        # What the message is about: the registry entry, the reference, or the simulator's one-time code.
        assert any(VALUES[k] in r.body for k in ("reference", "registry_number", "code"))


def test_the_email_carries_its_language_and_its_key() -> None:
    content = render("instancia_received", "es", VALUES)
    email = build_email(Outgoing("email", "a@b.cat", "es", "k123", content), "OVAC <no-reply@mataro.example>")
    assert email["Message-ID"] == "<k123@mataro.example>"
    assert email["Content-Language"] == "es"
    assert email["Subject"] == "Instancia registrada: E/2026/000123"
    assert email.get_content_charset() == "utf-8"
