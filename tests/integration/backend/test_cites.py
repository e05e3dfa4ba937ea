"""Cita prèvia on SQLite and PostgreSQL: the services and their free slots in local time, a booking and
its justificant, a slot taken once (also by requests racing for it from several kiosks), one appointment
to come per citizen and service, the confirmation in the outbox only with a contact and consent and only
when the booking commits, an idempotent retry; and the schema's cita tables made and dropped by its
revision. Cancelling (the slot free again at once, the notice in the outbox with the booking's consented
contact, twice or someone else's refused) and checking in at the office (today's appointment in its
window, one turn number per appointment, also from several kiosks at once or racing a cancellation), and
the schema's part of it (a slot given back, a turn given once)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, insert, inspect, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from municipal import timeutil
from municipal.models import Appointment, AppointmentService, AppointmentSlot
from tests.integration.backend.conftest import Api, Citizens, all_at_once, initial_revision_round_trip

CITIZENS = ("carmen", "jordi", "maria_rosa", "amina", "pau")


#: The slots a test made for today (the demo's begin tomorrow), removed after it.
_TODAY_SLOTS = "starts_at < :tomorrow"


@pytest.fixture(autouse=True)
def no_appointments(api: Api) -> Iterator[None]:
    """Every test starts with every slot free (the server is the session's: other tests booked)."""
    api.execute("DELETE FROM outbox_messages WHERE kind IN ('cita_booked', 'cita_cancelled')")
    api.execute("DELETE FROM appointments")
    yield
    tomorrow = datetime.combine(timeutil.now().astimezone(timeutil.LOCAL).date() + timedelta(days=1), time(0),
                                tzinfo=timeutil.LOCAL).astimezone(UTC).replace(tzinfo=None)  # fmt: skip
    api.execute("DELETE FROM appointments")
    api.execute(f"DELETE FROM cita_slots WHERE {_TODAY_SLOTS}", tomorrow=tomorrow)


def _slot_today(api: Api, minutes: int, service: str = "padro") -> str:
    """A slot `minutes` from now (whole minutes), made for this test; skipped when that is not today on
    Mataró's clock (a run just before midnight)."""
    at = (timeutil.now() + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    if at.astimezone(timeutil.LOCAL).date() != timeutil.now().astimezone(timeutil.LOCAL).date():
        pytest.skip("too close to midnight for an appointment of today")
    with api.engine.begin() as conn:  # through the model's column type: SQLite compares the stored text
        conn.execute(insert(AppointmentSlot).values(service_code=service, starts_at=at))
    return at.astimezone(timeutil.LOCAL).isoformat()


def _rows(api: Api, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with api.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sql_text(sql), params)]


def _cancel(api: Api, token: str, reference: str, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    body = {"reference": reference, "language": "ca"}
    return api.post("/v1/cites/cancellations", token, json=body, headers=headers)


def _check_in(api: Api, token: str, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/v1/cites/checkins", token, json={"language": "ca"}, headers=headers)


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


def test_the_initial_revision_makes_and_drops_the_cita_tables(empty_database: str) -> None:
    initial_revision_round_trip(empty_database, {"cita_services", "cita_slots", "appointments"})


# --- cancelling ----------------------------------------------------------------------------------------


def test_a_cancellation_frees_the_slot_and_sends_the_notice(api: Api, tokens: dict[str, str]) -> None:
    slot = _slots(api)[4]
    contact = {"email": "carmen@example.org", "phone": None}
    booked = _book(api, tokens["carmen"], slot, contact=contact, consent=True)
    assert booked.status_code == 201, booked.text
    reference = booked.json()["reference"]
    mine = api.get("/v1/cites/mine", tokens["carmen"]).json()["appointments"]
    assert [(a["reference"], a["appointment_at"], a["checked_in"]) for a in mine] == [
        (reference, slot, False)
    ]
    assert api.get("/v1/cites/mine", tokens["jordi"]).json()["appointments"] == []

    cancelled = _cancel(api, tokens["carmen"], reference, key="cancel-1")
    assert cancelled.status_code == 201, cancelled.text
    assert cancelled.json()["reference"] == reference and cancelled.json()["appointment_at"] == slot
    assert slot in _slots(api)  # free again at once
    assert api.get("/v1/cites/mine", tokens["carmen"]).json()["appointments"] == []
    [(recipient, payload)] = _rows(
        api, "SELECT recipient, payload FROM outbox_messages WHERE kind = 'cita_cancelled'"
    )
    assert recipient == "carmen@example.org" and reference in payload
    # The retry with its key gets the same answer and sends nothing more.
    again = _cancel(api, tokens["carmen"], reference, key="cancel-1")
    assert again.status_code == 201 and again.json() == cancelled.json()
    assert api.scalar("SELECT count(*) FROM outbox_messages WHERE kind = 'cita_cancelled'") == 1
    # Another citizen books the freed slot; the same citizen can book the service again.
    assert _book(api, tokens["jordi"], slot).status_code == 201
    assert _book(api, tokens["carmen"], _slots(api)[0]).status_code == 201


def test_cancelling_twice_or_someone_elses_is_refused_plainly(api: Api, tokens: dict[str, str]) -> None:
    booked = _book(api, tokens["jordi"], _slots(api)[2])
    reference = booked.json()["reference"]
    other = _cancel(api, tokens["amina"], reference)
    assert other.status_code == 404 and other.json()["code"] == "appointment_unknown", other.text
    unknown = _cancel(api, tokens["amina"], "CP/2026/999999")
    assert unknown.json() == other.json()  # someone else's is told as one that does not exist
    assert _cancel(api, tokens["jordi"], reference).status_code == 201
    twice = _cancel(api, tokens["jordi"], reference)
    assert twice.status_code == 409 and twice.json()["code"] == "appointment_cancelled", twice.text
    assert "anul·lada" in twice.json()["message"]
    # No contact at the booking: no notice.
    assert api.scalar("SELECT count(*) FROM outbox_messages WHERE kind = 'cita_cancelled'") == 0


# --- checking in -------------------------------------------------------------------------------------


def test_a_check_in_gives_a_turn_once(api: Api, tokens: dict[str, str]) -> None:
    slot = _slot_today(api, 20)
    booked = _book(api, tokens["carmen"], slot)
    assert booked.status_code == 201, booked.text
    reference = booked.json()["reference"]
    first = _check_in(api, tokens["carmen"], key="checkin-1")
    assert first.status_code == 201, first.text
    ticket = first.json()
    assert re.fullmatch(r"P-\d{3}", ticket["turn"]) and ticket["reference"] == reference
    assert ticket["appointment_at"] == slot and ticket["service"]["code"] == "padro"
    assert "12345678Z" not in first.text and "CARMEN" not in first.text.upper()  # no personal data
    second = _check_in(api, tokens["carmen"])  # another press, no key: the same number
    assert second.status_code == 201 and second.json()["turn"] == ticket["turn"]
    assert api.scalar("SELECT count(*) FROM appointments WHERE turn IS NOT NULL") == 1
    mine = api.get("/v1/cites/mine", tokens["carmen"]).json()["appointments"]
    assert mine[0]["checked_in"] is True
    refused = _cancel(api, tokens["carmen"], reference)
    assert refused.status_code == 409 and refused.json()["code"] == "appointment_checked_in"
    # The next citizen of the service gets the next number; another service counts on its own.
    _book(api, tokens["jordi"], _slot_today(api, 25))
    following = _check_in(api, tokens["jordi"]).json()["turn"]
    assert int(following[2:]) == int(ticket["turn"][2:]) + 1
    _book(api, tokens["amina"], _slot_today(api, 21, "registre"), service="registre")
    assert _check_in(api, tokens["amina"]).json()["turn"] == "R-001"


def test_too_early_too_late_or_none_today_is_said_plainly(api: Api, tokens: dict[str, str]) -> None:
    none = _check_in(api, tokens["pau"])
    assert none.status_code == 404 and none.json()["code"] == "checkin_none_today", none.text
    assert _book(api, tokens["pau"], _slots(api)[0]).status_code == 201  # tomorrow: still none today
    assert _check_in(api, tokens["pau"]).json()["code"] == "checkin_none_today"
    _book(api, tokens["jordi"], _slot_today(api, 45))
    early = _check_in(api, tokens["jordi"])
    assert early.status_code == 409 and early.json()["code"] == "checkin_too_early", early.text
    assert "30 minuts abans" in early.json()["message"]
    # An appointment 20 minutes gone (made as if booked earlier: a booking takes only slots to come).
    gone = datetime.fromisoformat(_slot_today(api, -20, "registre"))
    with api.engine.begin() as conn:
        slot_id = conn.execute(select(AppointmentSlot.id).where(AppointmentSlot.starts_at == gone)).scalar()
        conn.execute(
            insert(Appointment).values(
                reference="CP/2026/900001", slot_id=slot_id, service_code="registre", starts_at=gone,
                id_number="11111111H", kiosk_id="k", booked_at=gone, csv="CSVLATE",
            )
        )  # fmt: skip
    late = _check_in(api, tokens["maria_rosa"])
    assert late.status_code == 409 and late.json()["code"] == "checkin_too_late", late.text
    assert "10 minuts tard" in late.json()["message"]


def test_two_kiosks_checking_in_one_appointment_give_one_number(api: Api, citizens: Citizens) -> None:
    kiosks = [Api(api.info, api.engine, api.info.add_kiosk(f"turn-{uuid.uuid4().hex[:8]}")) for _ in range(4)]
    sessions = [kiosk.login(citizens.amina)["token"] for kiosk in kiosks]
    assert _book(kiosks[0], sessions[0], _slot_today(api, 15)).status_code == 201
    answers = all_at_once(len(kiosks), lambda n: _check_in(kiosks[n], sessions[n], key=f"turn-{n}"))
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers]
    assert len({r.json()["turn"] for r in answers}) == 1
    assert api.scalar("SELECT count(*) FROM appointments WHERE turn IS NOT NULL") == 1


@pytest.mark.parametrize("round_", range(3))
def test_a_cancellation_racing_a_check_in_one_wins(api: Api, tokens: dict[str, str], round_: int) -> None:
    token = tokens[CITIZENS[round_]]
    reference = _book(api, token, _slot_today(api, 12 + round_)).json()["reference"]
    cancel, check_in = all_at_once(
        2, lambda n: _cancel(api, token, reference) if n == 0 else _check_in(api, token)
    )
    outcome = {(cancel.status_code, cancel.json()["code"] if cancel.status_code != 201 else "cancelled"),
               (check_in.status_code, check_in.json().get("code", "checked_in"))}  # fmt: skip
    assert outcome in (
        {(201, "cancelled"), (404, "checkin_none_today")},
        {(409, "appointment_checked_in"), (201, "checked_in")},
    ), (cancel.text, check_in.text)
    row = _rows(api, "SELECT cancelled_at, turn, slot_id FROM appointments WHERE reference = :r", r=reference)
    [(cancelled_at, turn, slot_id)] = row
    assert (cancelled_at is None) != (turn is None)  # exactly one of them happened
    assert (slot_id is None) == (cancelled_at is not None)


def _a_slot_given_back_and_a_turn_given_once(engine: Engine) -> None:
    """The appointments' columns of a cancellation and a check-in; `slot_id` NULL for as many cancelled
    appointments as there are, a slot still taken once, a turn number once per service and day."""
    columns = {c["name"]: c for c in inspect(engine).get_columns("appointments")}
    assert {"cancelled_at", "checked_in_at", "turn_day", "turn"} <= set(columns)
    assert columns["slot_id"]["nullable"]
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def appointment(n: int, slot_id: int | None, turn: int | None = None) -> Any:
        return insert(Appointment).values(
            reference=f"CP/2026/{n:06}", slot_id=slot_id, service_code="padro", starts_at=at,
            id_number="12345678Z", kiosk_id="k", booked_at=at, csv=f"CSV{n}",
            turn_day=at.date() if turn else None, turn=turn,
        )  # fmt: skip

    with engine.connect() as conn:
        outer = conn.begin()
        conn.execute(insert(AppointmentService).values(code="padro", position=1, name_ca="Padró",
                                                       name_es="Padrón", name_en="Register", office="OAC",
                                                       slot_minutes=15))  # fmt: skip
        slot = insert(AppointmentSlot).values(service_code="padro", starts_at=at)
        slot_id = conn.execute(slot.returning(AppointmentSlot.id)).scalar_one()
        for n in range(3):  # cancelled: their slot given back
            conn.execute(appointment(n, None))
        conn.execute(appointment(3, slot_id, turn=1))
        for taken_again in (appointment(4, slot_id), appointment(5, None, turn=1)):
            with pytest.raises(IntegrityError), conn.begin_nested():
                conn.execute(taken_again)
        outer.rollback()


def test_the_initial_revision_lets_a_slot_be_given_back_and_a_turn_given_once(empty_database: str) -> None:
    initial_revision_round_trip(empty_database, {"appointments"}, _a_slot_given_back_and_a_turn_given_once)
