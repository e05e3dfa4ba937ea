"""Cita prèvia on SQLite and PostgreSQL: the services and their free slots in local time, a booking and
its justificant, a slot taken once (also by requests racing for it from several kiosks), one appointment
to come per citizen and service, the confirmation in the outbox only with a contact and consent and only
when the booking commits, an idempotent retry; and the schema revision 0002 up and down."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

import pytest
import requests
from alembic import command
from sqlalchemy import create_engine, inspect

from devstack.postgres import PostgresInfo
from municipal import database
from tests.integration.backend.conftest import Api, Citizens, all_at_once

CITIZENS = ("carmen", "jordi", "maria_rosa", "amina", "pau")


@pytest.fixture(autouse=True)
def no_appointments(api: Api) -> Iterator[None]:
    """Every test starts with every slot free (the server is the session's: other tests booked)."""
    api.execute("DELETE FROM outbox_messages WHERE kind = 'cita_booked'")
    api.execute("DELETE FROM appointments")
    yield


def _slots(api: Api, service: str = "padro", days: int = 14) -> list[str]:
    r = api.get(f"/v1/cites/services/{service}/slots", params={"days": days})
    assert r.status_code == 200, r.text
    assert r.json()["service"]["code"] == service
    slots: list[str] = r.json()["slots"]
    return slots


def _book(api: Api, token: str, slot: str, service: str = "padro", key: str | None = None,
          **extra: Any) -> requests.Response:  # fmt: skip
    body = {"service": service, "appointment_at": slot, "language": "ca", **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/v1/cites", token, json=body, headers=headers)


def test_services_and_their_free_slots_in_local_time(api: Api) -> None:
    r = api.get("/v1/cites/services", params={"language": "es"})
    assert r.status_code == 200, r.text
    services = {s["code"]: s for s in r.json()["services"]}
    assert set(services) == {"padro", "registre"}
    assert services["padro"]["name"] == "Padrón de habitantes" and services["padro"]["slot_minutes"] == 15
    slots = _slots(api)
    assert slots == sorted(slots) and len(slots) > 100
    for value in slots:
        moment = datetime.fromisoformat(value)
        assert moment.utcoffset() is not None and moment.weekday() < 5, value
        assert value.endswith(("+01:00", "+02:00")), value  # Mataró's clock, as printed
        assert moment.minute % 15 == 0 and time(8, 30) <= moment.time() < time(19, 0), value
    assert len(_slots(api, days=1)) == 0  # today: the demo's slots start tomorrow
    unknown = api.get("/v1/cites/services/nothing/slots")
    assert unknown.status_code == 404 and unknown.json()["code"] == "service_unknown"


def test_a_booking_gives_its_justificant_and_takes_the_slot(api: Api, tokens: dict[str, str]) -> None:
    slot = _slots(api)[3]
    r = _book(api, tokens["carmen"], slot, key="cita-book-1")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert re.fullmatch(r"CP/\d{4}/\d{6}", doc["reference"]), doc["reference"]
    assert doc["appointment_at"] == slot and doc["service"]["code"] == "padro"
    assert doc["holder"]["id_number"] == "12345678Z" and doc["contact"] is None
    assert slot not in _slots(api)
    verified = requests.get(f"{api.info.url}/v1/verify/{doc['csv']}", timeout=10).json()
    assert verified["kind"] == "cita" and verified["holder"]["id_number"] == "***4567**"
    taken = _book(api, tokens["jordi"], slot)
    assert taken.status_code == 409 and taken.json()["code"] == "slot_taken", taken.text
    assert api.scalar("SELECT count(*) FROM appointments") == 1


def test_needs_a_certificate_or_phone_session(api: Api) -> None:
    r = _book(api, "", _slots(api)[0])
    assert r.status_code == 401 and r.json()["code"] == "session_required"


def test_kiosks_racing_for_one_slot_one_wins(api: Api, tokens: dict[str, str]) -> None:
    slot = _slots(api)[5]
    contact = {"email": "cita@example.org", "phone": None}
    answers = all_at_once(
        len(CITIZENS),
        lambda n: _book(api, tokens[CITIZENS[n]], slot, key=f"race-{n}", contact=contact, consent=True),
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 409: len(CITIZENS) - 1}, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"slot_taken"}
    assert api.scalar("SELECT count(*) FROM appointments") == 1
    # Only the winner's confirmation: a refused booking's message was rolled back with it.
    [won] = [r.json() for r in answers if r.status_code == 201]
    assert api.scalar("SELECT count(*) FROM outbox_messages WHERE kind = 'cita_booked'") == 1
    payload = api.scalar("SELECT payload FROM outbox_messages WHERE kind = 'cita_booked'")
    assert won["reference"] in payload


def test_one_appointment_to_come_per_citizen_and_service(api: Api, tokens: dict[str, str]) -> None:
    first, second = _slots(api)[:2]
    assert _book(api, tokens["jordi"], first).status_code == 201
    again = _book(api, tokens["jordi"], second)
    assert again.status_code == 409 and again.json()["code"] == "appointment_exists", again.text
    other_service = _book(api, tokens["jordi"], _slots(api, "registre")[0], service="registre")
    assert other_service.status_code == 201, other_service.text


def test_one_citizen_at_several_kiosks_at_once_books_once(api: Api, citizens: Citizens) -> None:
    # Amina logged in at six kiosks (six sessions), each booking another slot of the service at once.
    kiosks = [Api(api.info, api.engine, api.info.add_kiosk(f"cita-{uuid.uuid4().hex[:8]}")) for _ in range(6)]
    sessions = [kiosk.login(citizens.amina)["token"] for kiosk in kiosks]
    slots = _slots(api, "registre")[10:16]
    answers = all_at_once(
        len(kiosks),
        lambda n: _book(kiosks[n], sessions[n], slots[n], service="registre", key=f"twice-{n}"),
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 5}, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"appointment_exists"}
    assert api.scalar("SELECT count(*) FROM appointments WHERE id_number = 'X1234567L'") == 1


def test_confirmation_only_with_contact_and_consent(api: Api, tokens: dict[str, str]) -> None:
    slots = _slots(api)
    contact = {"email": None, "phone": "600123456"}
    refused = _book(api, tokens["maria_rosa"], slots[0], contact=contact)
    assert refused.status_code == 422, refused.text  # a contact without the consent
    assert _book(api, tokens["pau"], slots[1]).status_code == 201  # no contact: no message
    assert api.scalar("SELECT count(*) FROM outbox_messages WHERE kind = 'cita_booked'") == 0
    booked = _book(api, tokens["maria_rosa"], slots[0], contact=contact, consent=True, language="es")
    assert booked.status_code == 201, booked.text
    with api.engine.connect() as conn:
        from sqlalchemy import text

        row = conn.execute(
            text("SELECT channel, recipient, consent, language, payload FROM outbox_messages"
                 " WHERE kind = 'cita_booked'")
        ).one()  # fmt: skip
    assert row[:4] == ("sms", "600123456", "cita:contact", "es")
    assert booked.json()["reference"] in row[4] and "Padrón de habitantes" in row[4]


def test_a_retry_with_its_key_books_once(api: Api, tokens: dict[str, str]) -> None:
    slot = _slots(api)[7]
    first = _book(api, tokens["carmen"], slot, key="cita-retry")
    again = _book(api, tokens["carmen"], slot, key="cita-retry")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert api.scalar("SELECT count(*) FROM appointments") == 1
    other = _book(api, tokens["carmen"], _slots(api)[0], key="cita-retry")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite3'}"
    cluster: PostgresInfo = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


def test_revision_0002_upgrades_and_downgrades(empty_database: str) -> None:
    engine = (
        database.make_engine(empty_database)
        if empty_database.startswith("sqlite")
        else create_engine(empty_database)
    )
    tables = {"cita_services", "cita_slots", "appointments"}
    database.migrate(engine)
    assert tables <= set(inspect(engine).get_table_names())
    config = database.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    names = set(inspect(engine).get_table_names())
    assert not tables & names and "bustia_messages" in names
    database.migrate(engine)
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()
