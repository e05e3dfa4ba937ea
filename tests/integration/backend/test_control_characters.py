"""Control characters in a kiosk's text are refused with the contract's 422, on SQLite and PostgreSQL.

Found by schemathesis: a NUL in a bústia topic reached PostgreSQL, which cannot store it, and the server
answered 500.
"""

from __future__ import annotations

import pytest

from tests.integration.backend.conftest import Api


@pytest.mark.parametrize(
    "body",
    [
        {"topic": "Soroll\x00", "text": "Hi ha soroll.", "kind": "queixa", "language": "ca"},
        {"topic": "Soroll", "text": "Hi ha\x07 soroll.", "kind": "queixa", "language": "ca"},
        {"topic": "Soroll", "text": "Hi ha soroll.", "kind": "queixa", "language": "ca",
         "contact": {"email": "pep\x00@example.cat"}},
    ],
    ids=["nul-in-topic", "bell-in-text", "nul-in-email"],
)  # fmt: skip
def test_control_characters_are_refused(api: Api, body: dict[str, object]) -> None:
    before = api.scalar("SELECT count(*) FROM bustia_messages")
    answer = api.post("/v1/bustia", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"]
    assert api.scalar("SELECT count(*) FROM bustia_messages") == before


def test_line_breaks_and_tabs_are_text(api: Api) -> None:
    body = {"topic": "Soroll", "text": "Primera línia\n\tsegona línia", "kind": "queixa", "language": "ca"}
    answer = api.post("/v1/bustia", json=body)
    assert answer.status_code in (200, 201), answer.text
