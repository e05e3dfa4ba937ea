"""What a screen may ask of the kiosk, and what it tells it: the one contract between screens and the app.

Screens (and the procedures' steps) reach the app only through `KioskServices` (`KioskScreen.kiosk`):
the settings, the citizen's session, the backend client, the printer, and the plain error modal. They
never import `kiosk.app` and never drive the screen stack for the visit: a decision goes up as one of
the messages below (or a screen's own, like `CatalogueScreen.ProcedureChosen`), and the app turns it
into navigation. Textual's own public API (`push_screen` of a step, `dismiss`, `notify`) stays theirs.

This module imports nothing of the kiosk at run time (the types are for the checker only), so that
every screen can depend on it without pulling in the app, the backend client or printing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.screen import Screen

    from kiosk.backend.client import BackendClient
    from kiosk.config import Settings
    from kiosk.session import CitizenSession
    from kiosk.themes import LowVision
    from printing.printers import Printer


class KioskServices(Protocol):
    """The kiosk as a screen sees it (`KioskApp` provides it; tests/unit/shell checks that it does)."""

    @property
    def settings(self) -> Settings:
        """The kiosk's configuration."""
        ...

    @property
    def session(self) -> CitizenSession | None:
        """The citizen's session, None while nobody uses the kiosk."""
        ...

    @property
    def backend(self) -> BackendClient:
        """The municipal backend's client (blocking: call it from thread workers only)."""
        ...

    def printer(self) -> Printer:
        """The printer for one job."""
        ...

    def begin_session(self) -> CitizenSession:
        """The current session, started now if there is none."""
        ...

    def show_error(self, message: str, title: str | None = None) -> None:
        """Show the plain error modal (`message` and `title` shown as plain text, never markup)."""
        ...

    @property
    def low_vision(self) -> LowVision:
        """The low-vision modes of this session (high contrast, large text)."""
        ...


class KioskNavigation(KioskServices, Protocol):
    """The services plus the screen stack, for the procedures' entry points only (`procedures.launch`,
    `resume_pending`, and `Flow`, which pushes a procedure's steps and removes them): the app calls them
    to put a procedure's screens on the stack, and they need no more of it than this (they never import
    `kiosk.app`, not even for type checking)."""

    @property
    def screen(self) -> Screen[object]: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    def push_screen(self, screen: Screen[Any], callback: Any = None) -> object: ...
    def pop_screen(self) -> AwaitComplete: ...


# -- what screens tell the app (they bubble up from the screen that posts them) -------------------------
@dataclass
class StartVisit(Message):
    """The attract screen was touched ("Start", or anywhere): a citizen begins a visit."""


@dataclass
class LanguageChosen(Message):
    """The citizen chose the language of the kiosk's texts (a code of `[ui] languages`)."""

    language: str


@dataclass
class FinishSession(Message):
    """The citizen pressed "Finish and leave": the session ends, is wiped, and the goodbye shows."""


@dataclass
class StaffExit(Message):
    """Staff chose "Exit the kiosk" in the staff menu."""


@dataclass
class SignedIn(Message):
    """A card login completed and the greeting was shown: the app removes `screen` (the login screen)
    and goes on with the procedure that waited for the certificate, or with the catalogue."""

    screen: Screen[Any]
