"""The procedure flows the citizen completes at the kiosk (i18n domain "procedures").

The app starts one with `launch(app, procedure_code)` (codes of the backend's catalogue whose procedure
is completable here). A procedure that needs a certificate, started without a certificate login, waits:
it is remembered in `session.state["pending_procedure"]` and a screen asks for the card; once the login
flow has given the session its token, the app calls `resume_pending(app)` and the procedure starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.app import KioskApp
    from kiosk.session import CitizenSession

PENDING = "pending_procedure"

#: Procedures that need a certificate (or DNIe) login.
NEEDS_CERTIFICATE = frozenset(
    {"volant_individual", "volant_collectiu", "certificat_convivencia", "instancia_generica"}
)


def _start(app: KioskApp, procedure_code: str) -> None:
    # Each flow's module is imported when it is first used (the app starts faster).
    import importlib

    module_name, start_kwargs = _FLOWS[procedure_code]
    module = importlib.import_module(f"kiosk.procedures.{module_name}")
    starter: Callable[..., None] = module.start
    starter(app, **start_kwargs)


_FLOWS: dict[str, tuple[str, dict[str, object]]] = {
    "volant_individual": ("padro", {"kind": "volant_individual"}),
    "volant_collectiu": ("padro", {"kind": "volant_collectiu"}),
    "certificat_convivencia": ("padro", {"kind": "certificat_convivencia"}),
    "instancia_generica": ("instancia", {}),
    "bustia": ("bustia", {}),
    "deixalleria_consulta": ("deixalleria", {"card_request": False}),
    "deixalleria_targeta": ("deixalleria", {"card_request": True}),
}
PROCEDURE_CODES = frozenset(_FLOWS)


def can_launch(procedure_code: str) -> bool:
    """Whether the kiosk has a flow for this catalogue code."""
    return procedure_code in PROCEDURE_CODES


def has_certificate_login(session: CitizenSession | None) -> bool:
    """A certificate (DNIe, idCAT...) login: a token whose scope, as the login answered, is "full" (the
    weak identification's, DNI + birth date + postal code, is "deixalleria": it does not open the
    procedures that need a certificate)."""
    return bool(session and session.token and session.scope == "full")


def launch(app: KioskApp, procedure_code: str) -> bool:
    """Start the procedure's flow on top of the current screen; False for an unknown code.

    A procedure that needs a certificate and finds none asks for the card and waits (see
    `resume_pending`)."""
    if procedure_code not in PROCEDURE_CODES:
        return False
    session = app.begin_session()
    if procedure_code in NEEDS_CERTIFICATE and not has_certificate_login(session):
        from kiosk.procedures.identify import InsertCardScreen

        session.state[PENDING] = procedure_code
        app.push_screen(InsertCardScreen(procedure_code))
        return True
    _start(app, procedure_code)
    return True


def resume_pending(app: KioskApp) -> bool:
    """Call after a certificate login: start the procedure that was waiting for it, if any.

    Removes the "insert your card" screen; returns whether a procedure was started."""
    from kiosk.procedures.identify import InsertCardScreen

    session = app.session
    if session is None:
        return False
    while isinstance(app.screen, InsertCardScreen):
        app.pop_screen()
    code = session.state.pop(PENDING, None)
    if code is None or not has_certificate_login(session):
        return False
    _start(app, code)
    return True


def pending_procedure(app: KioskApp) -> str | None:
    """The procedure waiting for a certificate login, if any."""
    session = app.session
    return None if session is None else session.state.get(PENDING)
