"""The identification screen: card inserted → reading → holder and expiry → PIN → signed in ("Hola", …).

Blocking card and backend calls run off the event loop and answer with messages. The screen is usually
built ahead, before any card (`CardBridge` keeps one on standby: it holds nobody's data until `start()`);
the card is read from the moment it goes in, and the screen asks the app to show it (`LoginScreen.Show`)
when the holder can be drawn in its first frame; once the greeting has been seen it posts
`kiosk.services.SignedIn`, and the app goes on (the procedure that waited, or the catalogue). The login
challenge is fetched while the PIN is typed (`kiosk.login.challenge`), so that the PIN's Enter costs one
signature and one request. The PIN goes from the pad's `Submitted` message straight into the login
worker's one call and is dropped there. Taking the card out at any moment ends the session (the bridge
sees the removal); a login that completes after that is revoked at once, so no backend session outlives
the card. Every text goes to its widget through `widgets.plain.plain()`: the holder's names and the
greeting come from a certificate anyone can make, shown before the backend has checked its chain.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from contract.v1 import SessionOut
from eid.atr import CardKind, classify
from eid.errors import CardRemoved, CertificateError, EidError, WrongPin
from eid.identity import Citizen, Validity, citizen_from_certificate
from eid.token import CardCertificate, CardToken, TokenProvider
from kiosk.backend.client import BackendClient, BackendError
from kiosk.i18n import _, current_language
from kiosk.login import messages
from kiosk.login.challenge import EarlyChallenge
from kiosk.screens.base import KioskScreen
from kiosk.services import SignedIn
from kiosk.session import CitizenSession
from widgets.pinpad import PinPad, PinPadLabels
from widgets.plain import plain

log = logging.getLogger(__name__)

#: Seconds the greeting stays before the catalogue (or the procedure that was waiting) appears.
GREETING_SECONDS = 1.2
#: A screen built ahead waits this long for the card to be read before it shows "Reading your card"
#: (a test card is read in a few milliseconds, a DNIe through OpenSC in about a second): a quick card's
#: holder is then in the screen's first frame, without a "reading" frame before it.
READING_SHOWN_AFTER_SECONDS = 0.1
#: "Checking your PIN" is shown only when the login takes longer than this (a real card's signature
#: does): a quick one goes from the PIN straight to the greeting, without a frame drawn in between while
#: the signature and the request are on their way.
CHECKING_DELAY_SECONDS = 0.15


class CardAccess(Protocol):
    """What the login needs besides the screen: the card tokens, the backend, and the kiosk's session
    (`kiosk.login.bridge.CardBridge` provides it)."""

    @property
    def backend(self) -> BackendClient: ...
    @property
    def session(self) -> CitizenSession | None: ...
    def tokens(self) -> TokenProvider: ...
    def revoke_later(self, token: str) -> None: ...


class CardReading(NamedTuple):
    token: CardToken
    certificate: CardCertificate
    citizen: Citizen


def read_card(bridge: CardAccess, reader: str) -> Future[CardReading]:
    """Find the card's token, read its authentication certificate and parse it, in a thread started now."""
    future: Future[CardReading] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            token = bridge.tokens().find(reader)
            certificate = token.authentication_certificate()
            future.set_result(CardReading(token, certificate, citizen_from_certificate(certificate.der)))
        except BaseException as exc:  # noqa: BLE001 - raised again where the result is awaited
            future.set_exception(exc)

    threading.Thread(target=run, name="card-read", daemon=True).start()
    return future


class LoginScreen(KioskScreen):
    DEFAULT_CSS = """
    LoginScreen #login { width: 100%; max-width: 90; height: auto; align: center top; padding: 1 2; }
    LoginScreen #login-title { text-style: bold; width: 100%; content-align: center middle; margin: 0 0 1 0; }
    LoginScreen #login-status { width: 100%; content-align: center middle; }
    LoginScreen #login-holder { width: 100%; content-align: center middle; text-style: bold; }
    LoginScreen #login-error { width: 100%; color: $error; text-style: bold; height: auto; }
    LoginScreen #login-pinpad { display: none; }
    """

    @dataclass
    class CardRead(Message, bubble=False):
        token: CardToken
        certificate: CardCertificate
        citizen: Citizen

    @dataclass
    class LoggedIn(Message, bubble=False):
        login: SessionOut

    @dataclass
    class Failed(Message, bubble=False):
        error: Exception

    @dataclass
    class Show(Message):
        """For the app: put `screen` on top (the holder can be drawn, or reading takes a while, or the
        card cannot log in and the citizen must be told)."""

        screen: LoginScreen

    def __init__(self, bridge: CardAccess, reader: str | None = None, atr: bytes | None = None) -> None:
        """A login screen for the card just inserted in `reader`; without one, a screen on standby that
        `start()` puts to work when a card arrives (see `CardBridge`: it is built while nobody waits)."""
        super().__init__()
        self.bridge = bridge
        #: The language its texts were composed in (a screen on standby is used only in that language).
        self.language = current_language()
        self.kind: CardKind | None = None
        self.session: CitizenSession | None = None
        self._token: CardToken | None = None
        self._certificate: CardCertificate | None = None
        self._citizen: Citizen | None = None
        self.state = "standby"
        self._reading: Future[CardReading] | None = None
        self._challenges = EarlyChallenge(lambda: self.bridge.backend.create_challenge())
        # A login may complete on the worker's thread after the card left: the session's wipe and the
        # worker meet here, so that the backend session is revoked whichever comes first.
        self._login_lock = threading.Lock()
        self._wiped = False
        #: The theme and app classes its widgets were styled for when mounted (None once shown).
        self._styled_for: tuple[str, frozenset[str]] | None = None
        self._login_token: str | None = None
        if reader is not None and atr is not None:
            self.start(reader, atr)

    def start(self, reader: str, atr: bytes) -> None:
        """Log in the citizen of the current session with the card just inserted in `reader`.

        The card is read at once, in a thread (a card that cannot log in is not read). A screen built
        ahead and not shown yet shows itself once the holder can be drawn in its first frame, or after
        `READING_SHOWN_AFTER_SECONDS` ("reading your card") when the card is slow to read.
        """
        self.kind = classify(atr)
        self.session = self.bridge.session
        self.state = "reading"
        if self.kind not in (CardKind.DNIE_FINALISED, CardKind.CONTACTLESS):
            self._reading = read_card(self.bridge, reader)
        if self.session is not None:
            self.session.add_wipe_listener(lambda _session, _reason: self._session_wiped())
        if self.is_mounted:
            self._begin()
            if not self._shown():
                self.set_timer(READING_SHOWN_AFTER_SECONDS, self._show_screen)

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static(plain(_("Identification with your card")), id="login-title")
            yield Static(plain(_("Reading your card… Do not take it out.")), id="login-status")
            yield Static("", id="login-error")
            yield Static("", id="login-holder")
            yield PinPad(
                PinPadLabels(
                    prompt=_("Type the PIN of your card"),
                    hint=_("8 to 16 letters or digits. Nobody else can see it."),
                    ok=_("OK"),
                    backspace=_("⌫ Delete"),
                ),
                id="login-pinpad",
            )

    def on_mount(self) -> None:
        super().on_mount()
        self._styled_for = self._style_inputs()
        if self.state != "standby":
            self._begin()

    def _style_inputs(self) -> tuple[str, frozenset[str]]:
        """What this screen's styles depend on besides its own widgets: the theme and the app's classes
        (the low-vision modes, training)."""
        return self.app.theme, frozenset(self.app.classes)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # The build-ahead's push and pop resumes a screen on standby when it is no longer on top: nothing
        # to restyle or lay out for a screen nobody sees, so Textual's own handler is skipped. Laid out
        # then, the screen would be drawn when shown by its refresh timer, whose first tick comes a whole
        # period (1/60 s) after the screen's first idle; never laid out, its first real resume lays it out
        # and draws the holder's frame at once (benchmarks/bench_login.py: insert -> holder shown
        # 231 -> 215 ms, median of 20; it was so before the build-ahead was pushed and popped).
        if self.app.screen is not self:
            if self.state == "standby":
                event.prevent_default()
            return
        # Textual restyles every widget of a screen each time it becomes the current one. The first time,
        # this screen's widgets were styled as they were mounted (built ahead, a moment or minutes
        # before), and unless the theme or a low-vision mode changed since, nothing they depend on has:
        # the second pass is work in the frame that shows the holder (insert -> holder shown
        # 235 -> 230 ms). Later resumes (after a modal) restyle as usual. Textual runs a subclass's
        # handler before Screen's own, which reads the flag (`ScreenResume.refresh_styles`, a documented
        # public field of the event).
        if self._styled_for is not None and self._styled_for == self._style_inputs():
            event.refresh_styles = False
        self._styled_for = None

    def _begin(self) -> None:
        if self.kind is CardKind.DNIE_FINALISED:
            self._stop_with(messages.finalised())
        elif self.kind is CardKind.CONTACTLESS:
            self._stop_with(messages.contactless())
        elif (reading := self._reading) is not None and reading.done() and reading.exception() is None:
            # Read while the screen was being built (the usual case): its first frame shows the holder.
            self._show_card(*reading.result())
        else:
            self._read_card()

    def _shown(self) -> bool:
        return self in self.app.screen_stack

    def _show_screen(self) -> None:
        """Ask the app to put this screen on top (a screen built ahead asks here), unless the session
        ended."""
        if not self._shown() and self._alive():
            self.post_message(self.Show(self))

    def _session_wiped(self) -> None:
        self._challenges.discard()
        with self._login_lock:
            self._wiped = True
            token, self._login_token = self._login_token, None
        if token is not None:
            self.bridge.revoke_later(token)
        if self.is_attached and not self._shown():
            self.remove()  # built ahead and never shown: it goes with the session all the same

    # -- helpers ------------------------------------------------------------------------------------------
    def _set(self, widget_id: str, text: str) -> None:
        # Always plain: the holder's names and the greeting come from the card's certificate, which anyone
        # can make (a home-made card is shown before the backend checks its chain), and a `str` would be
        # parsed as markup (`[@click=app.quit]` runs an action when touched, `[/]` raises MarkupError).
        self.query_one(f"#{widget_id}", Static).update(plain(text))

    def _show_pad(self, shown: bool) -> None:
        # Its own `display`, not a class on the screen: a class change restyles every widget below it
        # (tens of milliseconds for the pad's keys), showing or hiding one widget does not.
        self.query_one(PinPad).display = shown

    def _ask_pin(self) -> None:
        """Show the pad; once it is on screen, focus it and fetch the challenge while the PIN is typed."""
        self.state = "pin"
        self._show_pad(True)
        self.call_after_refresh(self._pin_shown)

    def _pin_shown(self) -> None:
        if self.state != "pin":
            return
        self.query_one(PinPad).focus()
        self._challenges.prefetch()

    def _stop_with(self, text: str) -> None:
        """A failure the citizen cannot fix here: say why and what to do; the card must come out."""
        self.state = "failed"
        self._show_pad(False)
        self.query_one(PinPad).clear()
        self._set("login-status", _("Take your card out of the reader."))
        self._set("login-error", text)
        self._show_screen()

    def _alive(self) -> bool:
        session = self.bridge.session
        return (
            self.is_attached
            and self.state != "standby"
            and session is not None
            and session is self.session
            and session.ended is None
        )

    # -- step 1: read the certificate without the PIN ------------------------------------------------------
    @work(exclusive=True, exit_on_error=False, group="card-read", description="Reading the card")
    async def _read_card(self) -> None:
        assert self._reading is not None
        try:
            reading: CardReading = await asyncio.wrap_future(self._reading)
        except Exception as exc:  # typed errors become the citizen's message; anything else too, logged
            self.post_message(self.Failed(exc))
            return
        self.post_message(self.CardRead(*reading))

    @on(CardRead)
    def _card_read(self, message: CardRead) -> None:
        self._show_card(message.token, message.certificate, message.citizen)

    def _show_card(self, token: CardToken, certificate: CardCertificate, citizen: Citizen) -> None:
        if not self._alive():
            return
        self._token, self._certificate, self._citizen = token, certificate, citizen
        if self.session is not None:
            self.session.identity = citizen
        self._set("login-holder", citizen.full_name)
        validity = citizen.validity()
        if validity is Validity.EXPIRED:
            self._stop_with(messages.expired(f"{citizen.not_after:%d/%m/%Y}"))
            return
        if validity is Validity.NOT_YET_VALID:
            self._stop_with(messages.not_yet_valid())
            return
        self._set(
            "login-status",
            _("Certificate valid until {date}.").format(date=f"{citizen.not_after:%d/%m/%Y}"),
        )
        self._ask_pin()
        self._show_screen()

    # -- step 2: PIN → challenge → signature → backend session ---------------------------------------------
    @on(PinPad.Submitted)
    def _pin_submitted(self, message: PinPad.Submitted) -> None:
        message.stop()
        if self.state != "pin" or self._token is None or self._certificate is None:
            return
        self.state = "signing"
        # The PIN travels in a box the login empties: no reference to it is left once it has signed.
        pin_box, message.pin = [message.pin], ""
        # A thread started here and now: a Textual thread worker would start it from a task, after the
        # frame this key press causes has been drawn (~15 ms later).
        threading.Thread(
            target=self._login, args=(self._token, self._certificate, pin_box), name="card-login", daemon=True
        ).start()
        del pin_box
        self.set_timer(CHECKING_DELAY_SECONDS, self._show_checking)

    def _show_checking(self) -> None:
        if self.state != "signing":
            return
        self._show_pad(False)
        self._set("login-error", "")
        self._set("login-status", _("Checking your PIN… Do not take your card out."))

    def _login(self, token: CardToken, certificate: CardCertificate, pin_box: list[str]) -> None:
        """On its own thread: challenge, signature with the PIN, backend session. Answers with a message."""
        backend = self.bridge.backend
        try:
            challenge = self._challenges.take()  # single use: fetched while the PIN was typed, or now
            pin = pin_box.pop()
            try:
                signature = token.sign_challenge(pin, challenge.nonce, certificate)
            finally:
                del pin
            login = backend.login_with_certificate(challenge.challenge_id, certificate.der, signature)
        except Exception as exc:  # typed errors become the citizen's message; anything else too, logged
            # Without its traceback and chained errors, whose frames hold the PIN's call arguments.
            exc.__context__ = exc.__cause__ = None
            self.post_message(self.Failed(exc.with_traceback(None)))
            return
        finally:
            pin_box.clear()
        with self._login_lock:
            wiped = self._wiped
            if not wiped:
                self._login_token = login.token
        if wiped:  # the card came out while the backend was answering: that session must not live on
            self.bridge.revoke_later(login.token)
            return
        self.post_message(self.LoggedIn(login))

    @on(LoggedIn)
    def _logged_in(self, message: LoggedIn) -> None:
        login = message.login
        if not self._alive() or self.session is None:
            return  # the wipe listener revokes it
        session = self.session
        session.token = login.token
        session.scope = login.scope
        name = self._citizen.display_name if self._citizen is not None else ""
        log.info("citizen signed in with a card (%s)", self.kind.value if self.kind else "?")
        self.state = "done"
        self._show_pad(False)
        self._set("login-title", _("Hello, {name}").format(name=name))
        self._set("login-status", _("You are identified. One moment…"))
        self._set("login-error", "")
        self._set("login-holder", "")
        self.set_timer(GREETING_SECONDS, self._continue)

    def _continue(self) -> None:
        if self._alive():
            self.post_message(SignedIn(self))  # the app removes this screen and goes on

    # -- failures -----------------------------------------------------------------------------------------
    @on(Failed)
    def _failed(self, message: Failed) -> None:
        error = message.error
        if isinstance(error, CardRemoved) or not self._alive():
            return  # the bridge ends the session
        log.info("card identification failed: %s", type(error).__name__)
        issuer = self._citizen.issuer_kind if self._citizen is not None else None
        text = messages.for_error(error, issuer=issuer, kind=self.kind)
        if isinstance(error, WrongPin):
            self._set("login-status", _("Type the PIN again."))
            self._set("login-error", text)
            self.query_one(PinPad).clear()  # anything typed while the PIN was being checked
            self._ask_pin()
            return
        if not isinstance(error, CertificateError | EidError | BackendError):
            log.error("card identification failed unexpectedly: %s", type(error).__name__)
        self._stop_with(text)
