"""The draw of an activity's places: reproducible from the public seed alone, recorded once, auditable.

Method (`contract.activities.DRAW_METHOD`, documented in docs/backend-contract.md): every application
still standing when the pre-registration window closes gets the key SHA-256(seed + ":" + its number),
in lowercase hex; the applications are sorted by that key (ties, which SHA-256 makes unheard of, by
number); the first `places` get a place, the rest the waiting list in that order. Nothing but the seed
(a number drawn in public) and the list of application numbers goes in, so anyone with the recorded list
can compute the same order again.

`run_draw` does it in the caller's transaction once per activity: run again with the same seed it answers
the recorded draw and changes nothing; with another seed it refuses. `give_up` withdraws an application
and, when it held a place, passes the place to the first on the waiting list, with a notice through the
outbox to that citizen's contact (when they left one, with their consent), in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contract.activities import DRAW_METHOD, DrawnApplication, DrawOut, euros
from municipal import locks, outbox, timeutil
from municipal.models import Activity, ActivityApplication, ActivityDraw

SEED_MAX = 100
#: The advisory-lock namespaces of one activity's places and of one citizen's applications to one activity
#: (cites' locks are 0x4F56_0010 and 0x4F56_0011).
_LOCK_ACTIVITY = 0x4F56_0013
LOCK_APPLICANT = 0x4F56_0012


class DrawError(Exception):
    """A draw that cannot be made: the message is for the staff member who ran it."""


# --- the method (pure) -------------------------------------------------------------------------------


def digest(seed: str, number: str) -> str:
    """The key an application sorts on: SHA-256 of `seed:number` (UTF-8), lowercase hex."""
    return hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()


def draw_order(seed: str, numbers: Iterable[str]) -> list[tuple[str, str]]:
    """The applications `numbers` in the order the seed gives: (number, digest), first first."""
    keyed = sorted((digest(seed, number), number) for number in set(numbers))
    return [(number, key) for key, number in keyed]


def allocate(order: Sequence[tuple[str, str]], places: int) -> list[DrawnApplication]:
    """The first `places` of `order` get a place, the rest the waiting list, in that order."""
    result: list[Literal["place", "waiting"]] = ["place", "waiting"]
    return [
        DrawnApplication(number=number, digest=key, rank=rank, result=result[rank > places])
        for rank, (number, key) in enumerate(order, start=1)
    ]


def check_seed(seed: str) -> str:
    """The public seed as it is used: stripped, printable, at most SEED_MAX characters."""
    value = seed.strip()
    if not value or len(value) > SEED_MAX or not value.isprintable():
        raise DrawError(f"the seed must be 1 to {SEED_MAX} printable characters")
    return value


# --- in the database -----------------------------------------------------------------------------------


def lock_activity(session: Session, code: str) -> None:
    """Serialise the draw and the withdrawals of one activity."""
    locks.advisory_lock(session, _LOCK_ACTIVITY, code)


def recorded(draw: ActivityDraw) -> DrawOut:
    order = [DrawnApplication.model_validate(row) for row in json.loads(draw.order_json)]
    return DrawOut(activity=draw.activity_code, seed=draw.seed, method=draw.method, places=draw.places,
                   drawn_at=draw.drawn_at, order=order)  # fmt: skip


def run_draw(session: Session, code: str, seed: str, now: datetime | None = None) -> tuple[DrawOut, bool]:
    """Draw activity `code`'s places with `seed` (once): (the draw, whether this call made it)."""
    seed = check_seed(seed)
    now = now or timeutil.now()
    activity = session.get(Activity, code)
    if activity is None:
        raise DrawError(f"no activity {code!r}")
    lock_activity(session, code)
    done = session.get(ActivityDraw, code)
    if done is not None:
        if done.seed != seed:
            raise DrawError(f"{code} was drawn already, with the seed {done.seed!r}; a draw is not repeated")
        return recorded(done), False
    if now < activity.closes_at:
        raise DrawError(f"the pre-registration of {code} is open until {activity.closes_at.isoformat()}")
    rows = {
        row.number: row
        for row in session.execute(
            select(ActivityApplication).where(
                ActivityApplication.activity_code == code, ActivityApplication.state == "applied"
            )
        ).scalars()
    }
    drawn = allocate(draw_order(seed, rows), activity.places)
    for entry in drawn:
        row = rows[entry.number]
        row.rank, row.state = entry.rank, entry.result
    order_json = json.dumps([e.model_dump() for e in drawn])
    draw = ActivityDraw(activity_code=code, seed=seed, method=DRAW_METHOD, drawn_at=now,
                        places=activity.places, order_json=order_json)  # fmt: skip
    session.add(draw)
    session.flush()
    waiting = 0
    for entry in drawn:
        waiting += entry.result == "waiting"
        notify(session, activity, rows[entry.number], waiting if entry.result == "waiting" else None)
    return recorded(draw), True


def waiting_position(session: Session, application: ActivityApplication) -> int | None:
    """Where a waiting application stands now (1 = next), None for any other state."""
    if application.state != "waiting" or application.rank is None:
        return None
    ahead = session.execute(
        select(func.count()).where(
            ActivityApplication.activity_code == application.activity_code,
            ActivityApplication.state == "waiting",
            ActivityApplication.rank < application.rank,
        )
    ).scalar_one()
    return int(ahead) + 1


def notify(session: Session, activity: Activity, application: ActivityApplication, position: int | None
           ) -> None:  # fmt: skip
    """The result to the applicant's contact (when they left one, with consent): a place, or the
    waiting list at `position`."""
    if not (application.email or application.phone):
        return
    language = application.language
    values: dict[str, object] = {"reference": application.number, "activity": activity.name(language),
                                 "centre": activity.centre, "fee": euros(activity.fee_cents)}  # fmt: skip
    kind = "activitat_place"
    if position is not None:
        kind, values["position"] = "activitat_waiting", position
    outbox.enqueue(session, kind=kind, language=language, values=values, consent="activitat:contact",
                   email=application.email, phone=application.phone)  # fmt: skip


def give_up(session: Session, application: ActivityApplication, now: datetime) -> ActivityApplication | None:
    """Withdraw `application` (the caller checked it is the citizen's and stands). A place it held goes
    to the first on the waiting list, who is told; that application is returned (None otherwise)."""
    lock_activity(session, application.activity_code)
    session.refresh(application)  # as it is now that the activity is locked
    held = application.state == "place"
    application.state, application.withdrawn_at = "withdrawn", now
    if not held:
        return None
    following = session.execute(
        select(ActivityApplication)
        .where(
            ActivityApplication.activity_code == application.activity_code,
            ActivityApplication.state == "waiting",
        )
        .order_by(ActivityApplication.rank)
        .limit(1)
    ).scalar_one_or_none()
    if following is None:
        return None
    following.state = "place"
    activity = session.get(Activity, application.activity_code)
    assert activity is not None
    session.flush()
    notify(session, activity, following, None)
    return following


def command(engine: Engine, code: str, seed: str) -> int:
    """`python -m municipal draw CODE --seed SEED`: the draw (made now, or as recorded), one line per
    application in the order drawn; 1 when it cannot be made."""
    from municipal import database

    database.migrate(engine)
    try:
        with Session(engine) as session, session.begin():
            out, made = run_draw(session, code, seed)
    except DrawError as exc:
        print(f"draw: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    waiting = 0
    print(f"{out.activity}: {'drawn now' if made else 'drawn already'} with seed {out.seed!r}, "
          f"{out.places} places, {len(out.order)} applications ({out.method})")  # fmt: skip
    for entry in out.order:
        waiting += entry.result == "waiting"
        where = "place" if entry.result == "place" else f"waiting {waiting}"
        print(f"{entry.rank:4d}  {entry.number}  {where:<11}  {entry.digest}")
    return 0
