"""Inscripcions a activitats on SQLite and PostgreSQL: the open activities and a citizen's applications,
an application and its justificant, one application per citizen and activity (also from several kiosks
at once), pre-registration taken only while the window is open, the draw (`python -m municipal draw`):
the same seed gives the same order and changes nothing when run again, another seed another order, the
recorded order computed again from the seed alone; the result and the fee shown to the citizen; a place
given up passed to the first on the waiting list, told through the outbox; and the schema's activity tables
made and dropped by its revision."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

from municipal import database, draw, timeutil
from municipal.api.activitats import activities_for_seed
from tests.integration.backend.conftest import Api, Citizens, all_at_once, initial_revision_round_trip

CITIZENS = ("carmen", "jordi", "maria_rosa", "amina", "pau")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fresh_activities(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test of the server starts with the demo's activities as seeded today and no application (the
    server is the session's)."""
    if "api" not in request.fixturenames:
        yield
        return
    api: Api = request.getfixturevalue("api")
    api.execute("DELETE FROM outbox_messages WHERE kind LIKE 'activitat_%'")
    api.execute("DELETE FROM activity_draws")
    api.execute("DELETE FROM activity_applications")
    api.execute("DELETE FROM activities")
    with Session(api.engine) as session, session.begin():
        session.add_all(activities_for_seed(timeutil.now().astimezone(timeutil.LOCAL).date()))
    yield


def _apply(api: Api, token: str, code: str = "fotografia", key: str | None = None,
           **extra: Any) -> requests.Response:  # fmt: skip
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"/v1/activitats/{code}/applications", token, json={"language": "ca", **extra},
                    headers=headers)  # fmt: skip


def _listing(api: Api, token: str | None = None, language: str = "ca") -> dict[str, Any]:
    r = api.get("/v1/activitats", token, params={"language": language})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _close(api: Api, code: str = "fotografia", places: int | None = None) -> None:
    """The pre-registration window of `code` ends (a minute ago)."""
    ended = timeutil.now() - timedelta(minutes=1)
    api.execute("UPDATE activities SET closes_at = :t WHERE code = :c", t=ended.replace(tzinfo=None), c=code)
    if places is not None:
        api.execute("UPDATE activities SET places = :p WHERE code = :c", p=places, c=code)


def _draw_cli(api: Api, code: str, seed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "municipal", "draw", code, "--seed", seed,
         "--database", api.info.database_url],
        capture_output=True, text=True, timeout=60, env=env, cwd=ROOT,
    )  # fmt: skip


def _draw(api: Api, code: str, seed: str) -> tuple[Any, bool]:
    with Session(api.engine) as session, session.begin():
        return draw.run_draw(session, code, seed)


def _states(api: Api) -> list[tuple[Any, ...]]:
    with api.engine.connect() as conn:
        rows = conn.execute(text("SELECT number, state, rank FROM activity_applications ORDER BY number"))
        return [tuple(row) for row in rows]


def _applied_all(api: Api, tokens: dict[str, str], code: str = "fotografia") -> dict[str, str]:
    """Every test citizen applies (carmen and jordi with a contact): their application numbers."""
    numbers = {}
    for name in CITIZENS:
        extra: dict[str, Any] = {}
        if name in ("carmen", "jordi"):
            extra = {"contact": {"email": f"{name}@example.org"}, "consent": True}
        r = _apply(api, tokens[name], code, **extra)
        assert r.status_code == 201, r.text
        numbers[name] = r.json()["application_number"]
    return numbers


def test_the_open_activities_in_each_language(api: Api) -> None:
    es = {a["code"]: a for a in _listing(api, language="es")["activities"]}
    assert set(es) == {"fotografia", "ioga"}  # cuina's window has closed
    assert es["fotografia"]["name"] == "Iniciación a la fotografía digital"
    assert es["fotografia"]["schedule"].startswith("Martes")
    assert (es["fotografia"]["fee_cents"], es["fotografia"]["reduced_fee_cents"]) == (3500, 1750)
    assert es["ioga"]["fee_cents"] == 0 and es["ioga"]["reduced_fee_cents"] is None
    assert _listing(api)["applications"] == []  # without a session: no applications


def test_an_application_gives_its_justificant_and_shows_with_its_state(
    api: Api, tokens: dict[str, str]
) -> None:
    r = _apply(api, tokens["carmen"], key="act-apply-1")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert re.fullmatch(r"IA-\d{4}-\d{6}", doc["application_number"]), doc["application_number"]
    assert doc["activity"]["code"] == "fotografia" and doc["applicant"]["id_number"] == "12345678Z"
    verified = requests.get(f"{api.info.url}/v1/verify/{doc['csv']}", timeout=10).json()
    assert verified["kind"] == "activitat" and verified["holder"]["id_number"] == "***4567**"
    listing = _listing(api, tokens["carmen"])
    [mine] = listing["applications"]
    assert (mine["number"], mine["state"], mine["waiting_position"]) == (
        doc["application_number"],
        "applied",
        None,
    )
    # Applied for: shown among the citizen's applications, not again among the open ones.
    assert [a["code"] for a in listing["activities"]] == ["ioga"]


def test_one_application_per_citizen_and_activity(api: Api, tokens: dict[str, str]) -> None:
    assert _apply(api, tokens["jordi"]).status_code == 201
    again = _apply(api, tokens["jordi"])
    assert again.status_code == 409 and again.json()["code"] == "application_exists", again.text
    assert "Ja teniu una sol·licitud" in again.json()["message"]
    assert _apply(api, tokens["jordi"], "ioga").status_code == 201  # another activity: fine


def test_full_of_applicants_still_takes_applications_until_the_window_closes(
    api: Api, tokens: dict[str, str]
) -> None:
    api.execute("UPDATE activities SET places = 1 WHERE code = 'fotografia'")
    assert [_apply(api, tokens[n]).status_code for n in CITIZENS] == [201] * 5
    _close(api)
    late = _apply(api, tokens["carmen"], "fotografia")
    assert late.status_code == 409 and late.json()["code"] == "activity_closed", late.text
    closed = _apply(api, tokens["carmen"], "cuina")
    assert closed.status_code == 409 and closed.json()["code"] == "activity_closed"
    unknown = _apply(api, tokens["carmen"], "nothing")
    assert unknown.status_code == 404 and unknown.json()["code"] == "activity_unknown"


def test_needs_a_certificate_or_phone_session(api: Api) -> None:
    r = _apply(api, "")
    assert r.status_code == 401 and r.json()["code"] == "session_required"


def test_a_retry_with_its_key_applies_once(api: Api, tokens: dict[str, str]) -> None:
    first = _apply(api, tokens["amina"], key="act-retry")
    again = _apply(api, tokens["amina"], key="act-retry")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert api.scalar("SELECT count(*) FROM activity_applications") == 1


def test_one_citizen_at_several_kiosks_at_once_applies_once(api: Api, citizens: Citizens) -> None:
    kiosks = [Api(api.info, api.engine, api.info.add_kiosk(f"act-{uuid.uuid4().hex[:8]}")) for _ in range(6)]
    sessions = [kiosk.login(citizens.amina)["token"] for kiosk in kiosks]
    answers = all_at_once(len(kiosks), lambda n: _apply(kiosks[n], sessions[n], key=f"twice-{n}"))
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 5}, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"application_exists"}
    assert api.scalar("SELECT count(*) FROM activity_applications WHERE id_number = 'X1234567L'") == 1


def test_many_citizens_at_once_each_apply_once(api: Api, tokens: dict[str, str]) -> None:
    answers = all_at_once(len(CITIZENS), lambda n: _apply(api, tokens[CITIZENS[n]], key=f"many-{n}"))
    assert [r.status_code for r in answers] == [201] * len(CITIZENS), [r.text for r in answers]
    assert len({r.json()["application_number"] for r in answers}) == len(CITIZENS)


def test_the_draw_is_reproducible_and_recorded(api: Api, tokens: dict[str, str]) -> None:
    numbers = _applied_all(api, tokens)
    too_early = _draw_cli(api, "fotografia", "4821")
    assert too_early.returncode == 1 and "open until" in too_early.stderr
    _close(api, places=2)
    made = _draw_cli(api, "fotografia", "4821")
    assert made.returncode == 0, made.stderr
    assert "drawn now" in made.stdout and "2 places, 5 applications" in made.stdout
    recorded = api.get("/v1/activitats/fotografia/draw").json()
    order = [e["number"] for e in recorded["order"]]
    # Anyone can compute it again from the seed and the numbers alone.
    assert [n for n, _ in draw.draw_order("4821", numbers.values())] == order
    assert [e["digest"] for e in recorded["order"]] == [draw.digest("4821", n) for n in order]
    assert [e["result"] for e in recorded["order"]] == ["place"] * 2 + ["waiting"] * 3
    assert (recorded["seed"], recorded["places"]) == ("4821", 2) and "sha256" in recorded["method"]
    # Again with the same seed: the same draw, nothing changed; another seed is refused.
    state = _states(api)
    again = _draw_cli(api, "fotografia", "4821")
    assert again.returncode == 0 and "drawn already" in again.stdout
    assert again.stdout.splitlines()[1:] == made.stdout.splitlines()[1:]
    assert api.get("/v1/activitats/fotografia/draw").json() == recorded
    assert _states(api) == state
    other = _draw_cli(api, "fotografia", "9999")
    assert other.returncode == 1 and "drawn already" in other.stderr
    # Each result told to who left a contact (carmen and jordi), with the consent.
    assert api.scalar("SELECT count(*) FROM outbox_messages WHERE kind LIKE 'activitat_%'") == 2


def test_another_seed_gives_another_order() -> None:
    numbers = [f"IA-2026-{n:06d}" for n in range(1, 41)]
    first = [n for n, _ in draw.draw_order("4821", numbers)]
    assert first == [n for n, _ in draw.draw_order("4821", reversed(numbers))]  # the seed alone decides
    assert first != [n for n, _ in draw.draw_order("4822", numbers)]
    assert sorted(first) == numbers


def test_the_citizen_sees_the_result_and_the_fee(api: Api, tokens: dict[str, str]) -> None:
    numbers = _applied_all(api, tokens)
    _close(api, places=2)
    out, made = _draw(api, "fotografia", "271828")
    assert made
    by_number = {e.number: e for e in out.order}
    waiting = [e.number for e in out.order if e.result == "waiting"]
    for name, number in numbers.items():
        [mine] = _listing(api, tokens[name])["applications"]
        if by_number[number].result == "place":
            assert (mine["state"], mine["fee_cents"], mine["waiting_position"]) == ("place", 3500, None)
        else:
            position = waiting.index(number) + 1
            assert (mine["state"], mine["fee_cents"], mine["waiting_position"]) == ("waiting", None, position)


def test_a_place_given_up_goes_to_the_first_waiting(api: Api, tokens: dict[str, str]) -> None:
    numbers = _applied_all(api, tokens)
    who = {number: name for name, number in numbers.items()}
    _close(api, places=2)
    out, _made = _draw(api, "fotografia", "1234")
    holder = who[out.order[0].number]
    first, second = (who[e.number] for e in out.order[2:4])
    api.execute("DELETE FROM outbox_messages WHERE kind LIKE 'activitat_%'")
    api.execute("UPDATE activity_applications SET email = 'next@example.org', language = 'es'"
                " WHERE number = :n", n=numbers[first])  # fmt: skip
    r = api.post(f"/v1/activitats/applications/{numbers[holder]}/withdraw", tokens[holder],
                 json={"language": "ca"}, headers={"Idempotency-Key": "act-withdraw"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "withdrawn"
    [passed] = _listing(api, tokens[first])["applications"]
    assert (passed["state"], passed["fee_cents"]) == ("place", 3500)
    [moved_up] = _listing(api, tokens[second])["applications"]
    assert (moved_up["state"], moved_up["waiting_position"]) == ("waiting", 1)
    with api.engine.connect() as conn:
        row = conn.execute(text("SELECT recipient, consent, language, payload FROM outbox_messages"
                                " WHERE kind = 'activitat_place'")).one()  # fmt: skip
    assert row[:3] == ("next@example.org", "activitat:contact", "es")
    assert json.loads(row[3])["reference"] == numbers[first]
    # The retry with its key answers the same; without it, a second withdrawal is refused.
    retry = api.post(f"/v1/activitats/applications/{numbers[holder]}/withdraw", tokens[holder],
                     json={"language": "ca"}, headers={"Idempotency-Key": "act-withdraw"})  # fmt: skip
    assert retry.status_code == 200 and retry.json() == r.json()
    twice = api.post(f"/v1/activitats/applications/{numbers[holder]}/withdraw", tokens[holder],
                     json={"language": "ca"})  # fmt: skip
    assert twice.status_code == 409 and twice.json()["code"] == "application_withdrawn"
    others = api.post(f"/v1/activitats/applications/{numbers[first]}/withdraw", tokens[holder],
                      json={"language": "ca"})  # fmt: skip
    assert others.status_code == 404 and others.json()["code"] == "application_unknown"


def test_places_given_up_at_once_each_go_to_another(api: Api, tokens: dict[str, str]) -> None:
    numbers = _applied_all(api, tokens)
    who = {number: name for name, number in numbers.items()}
    _close(api, places=2)
    out, _made = _draw(api, "fotografia", "77")
    holders = [who[e.number] for e in out.order[:2]]
    paths = [f"/v1/activitats/applications/{numbers[name]}/withdraw" for name in holders]
    answers = all_at_once(2, lambda n: api.post(paths[n], tokens[holders[n]], json={}))
    assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
    states = Counter(api.scalar("SELECT state FROM activity_applications WHERE number = :n", n=e.number)
                     for e in out.order)  # fmt: skip
    assert states == {"withdrawn": 2, "place": 2, "waiting": 1}
    last = api.scalar("SELECT state FROM activity_applications WHERE number = :n", n=out.order[4].number)
    assert last == "waiting"  # the two first waiting got the places, in the order drawn


def test_the_initial_revision_makes_and_drops_the_activity_tables(empty_database: str) -> None:
    initial_revision_round_trip(empty_database, {"activities", "activity_applications", "activity_draws"})


def test_the_training_reset_clears_the_applications_and_draws(tmp_path: Path) -> None:
    from municipal import seed, training
    from municipal.models import ActivityApplication

    engine = database.make_engine(f"sqlite:///{tmp_path / 't.sqlite3'}")
    database.migrate(engine)
    seed.seed_demo(engine)
    now = timeutil.now()
    with Session(engine) as session, session.begin():
        session.add(
            ActivityApplication(
                number="IA-2026-000001",
                activity_code="cuina",
                id_number="12345678Z",
                kiosk_id="k",
                applied_at=now,
                csv="X",
                state="applied",
                language="ca",
            )
        )
        session.flush()
        draw.run_draw(session, "cuina", "5")
        session.execute(text("UPDATE activities SET places = 1, closes_at = opens_at"))
    with Session(engine) as session, session.begin():
        erased, _restored = training.reset(session)
    assert erased["activity_applications"] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM activity_applications")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM activity_draws")).scalar() == 0
        places = conn.execute(text("SELECT code, places FROM activities ORDER BY position")).all()
    assert [tuple(p) for p in places] == [("fotografia", 12), ("ioga", 15), ("cuina", 10)]
    engine.dispose()
