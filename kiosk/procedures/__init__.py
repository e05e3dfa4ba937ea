"""The procedure flows the citizen completes at the kiosk (i18n domain "procedures").

Each procedure module registers one `Procedure` (kiosk.procedures.flow) as its `SPEC`: the catalogue
codes it completes, its title, its steps, its submission and its printable document. The app starts one
with `launch(app, code, needs_certificate=...)`, as the backend's catalogue says. A procedure that needs
a certificate, started without a certificate login, waits: it is remembered in
`session.state["pending_procedure"]` and a screen asks for the card; once the login flow has given the
session its token, the app calls `resume_pending(app)` and the procedure starts.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.procedures.flow import Procedure
    from kiosk.services import KioskNavigation, KioskServices
    from kiosk.session import CitizenSession

PENDING = "pending_procedure"

#: The modules that register a procedure (imported when a procedure is first started: the kiosk's first
#: screens need none of them, and it starts faster).
MODULES = ("padro", "bustia", "deixalleria", "instancia", "cita", "activitats", "rebuts")


@cache
def procedures() -> dict[str, Procedure[Any, Any]]:
    """Every registered procedure, by catalogue code."""
    found: dict[str, Procedure[Any, Any]] = {}
    for name in MODULES:
        spec: Procedure[Any, Any] = importlib.import_module(f"kiosk.procedures.{name}").SPEC
        for code in spec.codes:
            found[code] = spec
    return found


def has_certificate_login(session: CitizenSession | None) -> bool:
    """A certificate (DNIe, idCAT...) login, scope "full", or a QR hand-off (idCAT Mòbil, Cl@ve), scope
    "handoff", which the backend refuses where the catalogue wants a certificate only. The weak
    identification's (DNI + birth date + postal code), "deixalleria", opens none of them."""
    return bool(session and session.token and session.scope in ("full", "handoff"))


def _start(app: KioskNavigation, code: str, session: CitizenSession) -> None:
    procedures()[code].run(app, code, session)


def launch(app: KioskNavigation, procedure_code: str, *, needs_certificate: bool) -> bool:
    """Start the procedure's flow on top of the current screen; False for a code no procedure completes.

    A procedure that needs a certificate (as the catalogue says) and finds none asks for the card and
    waits (see `resume_pending`)."""
    if procedure_code not in procedures():
        return False
    session = app.begin_session()
    if needs_certificate and not has_certificate_login(session):
        from kiosk.procedures.identify import InsertCardScreen  # it imports PENDING from here

        session.state[PENDING] = procedure_code
        app.push_screen(InsertCardScreen(procedure_code))
        return True
    _start(app, procedure_code, session)
    return True


def resume_pending(app: KioskNavigation) -> bool:
    """Call after a certificate login: start the procedure that was waiting for it, if any.

    Removes the "insert your card" screen; returns whether a procedure was started."""
    from kiosk.procedures.identify import InsertCardScreen  # it imports PENDING from here

    session = app.session
    if session is None:
        return False
    while isinstance(app.screen, InsertCardScreen):
        app.pop_screen()
    code = session.state.pop(PENDING, None)
    if code is None or not has_certificate_login(session):
        return False
    _start(app, code, session)
    return True


def pending_procedure(app: KioskServices) -> str | None:
    """The procedure waiting for a certificate login, if any."""
    session = app.session
    return None if session is None else session.state.get(PENDING)
