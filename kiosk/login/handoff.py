"""Identification with the citizen's own phone (idCAT Mòbil, Cl@ve) by QR hand-off.

The screen asks the backend to start a hand-off (`BackendClient.start_handoff`), shows the verification
URL as a QR code with, for whoever prefers to type, the URL and the short user code, and a countdown to
the hand-off's expiry. The citizen identifies on their phone at the identity provider; meanwhile a thread
worker polls the backend (RFC 8628: every `interval` seconds, longer after each `slow_down`) until the
session comes, or the hand-off ends (expired, denied, cancelled). Nobody has to transcribe anything:
the QR code is scanned; the code is only an alternative.

On success the kiosk's `CitizenSession` gets the token, its scope ("handoff") and the identity, as after
a card login, and the screen is dismissed with the login; the screen that pushed it goes on (the
procedure that waited). Leaving the screen any other way (Cancel, Escape, the session's end) cancels the
hand-off at the backend. The QR art is drawing characters the speech reader leaves out; a plain
sentence says what it is. Every text from the backend reaches its widget through `widgets.plain.plain()`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import segno
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from contract.handoffs import HandoffErrorOut, HandoffOut
from contract.v1 import SessionOut
from kiosk.backend.client import BackendError, BackendUnavailable
from kiosk.i18n import _
from kiosk.login import messages
from kiosk.screens.base import KioskScreen
from widgets.plain import plain

log = logging.getLogger(__name__)

#: Poll answers after which the kiosk polls again; every other `error` ends the hand-off.
PENDING = frozenset({"authorization_pending", "slow_down"})
#: Seconds added to the interval after a `slow_down` without an interval in it (RFC 8628 section 3.5).
SLOW_DOWN_SECONDS = 5
#: Modules of quiet zone around the QR code (drawn light, inside the code's own background).
QR_BORDER = 2


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code of `url` as rows of modules (True: dark), with its quiet zone. Error level L, not
    boosted: the smallest code, so that it fits a kiosk's screen with the texts beside it."""
    code = segno.make(url, error="l", boost_error=False, micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=QR_BORDER)]


def half_blocks(matrix: list[list[bool]]) -> str:
    """Two rows of modules per line of text: upper half block, lower half block, full block or space.
    Dark modules are the characters' foreground: the widget draws them dark on light."""
    chars = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
    lines = []
    for top in range(0, len(matrix), 2):
        upper = matrix[top]
        lower = matrix[top + 1] if top + 1 < len(matrix) else [False] * len(upper)
        lines.append("".join(chars[pair] for pair in zip(upper, lower, strict=True)))
    return "\n".join(lines)


def countdown(seconds: float) -> str:
    whole = max(0, int(seconds + 0.999))
    return f"{whole // 60}:{whole % 60:02d}"


class HandoffScreen(KioskScreen):
    """Dismissed with the login once the citizen has identified on their phone; with None when the
    citizen cancels."""

    DEFAULT_CSS = """
    HandoffScreen #handoff { width: 100%; height: 1fr; padding: 0 2; }
    HandoffScreen #handoff-title { text-style: bold; width: 100%; margin: 0 0 1 0; }
    HandoffScreen #handoff-body { height: auto; }
    HandoffScreen #handoff-qr { width: auto; height: auto; color: #000000; background: #ffffff; }
    HandoffScreen #handoff-text { width: 1fr; height: auto; padding: 0 0 0 2; }
    HandoffScreen #handoff-text Static { margin: 0 0 1 0; }
    HandoffScreen #handoff-code { text-style: bold; }
    HandoffScreen #handoff-status { text-style: bold; }
    HandoffScreen #handoff-nav { height: auto; margin: 1 0 0 0; }
    HandoffScreen #handoff-retry { display: none; }
    """
    BINDINGS = [Binding("escape", "cancel", show=False)]

    @dataclass
    class Started(Message, bubble=False):
        handoff: HandoffOut

    @dataclass
    class Authorised(Message, bubble=False):
        login: SessionOut

    @dataclass
    class Ended(Message, bubble=False):
        """The hand-off ended without a session: `error` is the device flow's, `text` the citizen's."""

        error: str
        text: str

    def __init__(self) -> None:
        super().__init__(id="handoff-screen")
        self.handoff: HandoffOut | None = None
        self.state = "starting"
        self._deadline = 0.0
        # Set when the screen is left or the hand-off ends: the polling thread stops at once.
        self._stop = threading.Event()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="handoff"):
            yield Static(plain(_("Identification with your phone (idCAT Mòbil / Cl@ve)")), id="handoff-title")
            yield Static(
                plain(
                    _(
                        "Scan the QR code with your phone's camera and identify yourself there with idCAT "
                        "Mòbil or Cl@ve. Keep this screen open: it goes on by itself once you are identified."
                    )
                ),
                id="handoff-intro",
            )
            with Horizontal(id="handoff-body"):
                yield Static(Content(""), id="handoff-qr")
                with Vertical(id="handoff-text"):
                    yield Static(plain(_("Preparing the QR code…")), id="handoff-qr-description")
                    yield Static(Content(""), id="handoff-alternative")
                    yield Static(Content(""), id="handoff-url")
                    yield Static(Content(""), id="handoff-code")
                    yield Static(Content(""), id="handoff-countdown")
                    yield Static(Content(""), id="handoff-status")
            with Horizontal(id="handoff-nav"):
                yield Button(plain(_("Cancel")), id="handoff-cancel", variant="warning", classes="nav")
                yield Button(plain(_("Start again")), id="handoff-retry", variant="primary", classes="nav")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#handoff-cancel", Button).focus()
        session = self.kiosk.session
        if session is not None:
            session.add_wipe_listener(lambda _session, _reason: self._stop.set())
        self._start()
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        self._leave()

    # -- helpers ------------------------------------------------------------------------------------------
    def _set(self, widget_id: str, text: str) -> None:
        self.query_one(f"#{widget_id}", Static).update(plain(text))

    def _leave(self) -> None:
        """Stop polling; a hand-off that gave no session is cancelled at the backend (in a thread)."""
        self._stop.set()
        handoff, self.handoff = self.handoff, None
        if handoff is not None and self.state in ("waiting", "starting"):
            backend = self.kiosk.backend

            def cancel() -> None:
                try:
                    backend.cancel_handoff(handoff.handoff_id)
                except BackendError as error:
                    log.info("hand-off not cancelled: %s", type(error).__name__)

            threading.Thread(target=cancel, name="handoff-cancel", daemon=True).start()
        self.state = "left"

    # -- start --------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="handoff-start", description="Hand-off")
    def _start(self) -> None:
        try:
            handoff = self.kiosk.backend.start_handoff()
        except BackendError as error:
            log.info("hand-off not started: %s", type(error).__name__)
            code = str(error.code)
            text = (
                messages.handoff_ended(code) if code == "handoff_unavailable" else messages.for_error(error)
            )
            self.post_message(self.Ended(code, text))
            return
        self.post_message(self.Started(handoff))

    @on(Started)
    def _started(self, message: Started) -> None:
        if self._stop.is_set():  # left while it was starting: it is cancelled at once
            self.handoff, self.state = message.handoff, "starting"
            self._leave()
            return
        handoff = self.handoff = message.handoff
        self.state = "waiting"
        self._deadline = time.monotonic() + handoff.expires_in
        self.query_one("#handoff-qr", Static).update(
            Content(half_blocks(qr_matrix(handoff.verification_uri_complete)))
        )
        self._set(
            "handoff-qr-description",
            _("On the left, a QR code: point your phone's camera at it to open the identification page."),
        )
        self._set(
            "handoff-alternative", _("If you prefer, open this address on your phone and type the code:")
        )
        self._set("handoff-url", handoff.verification_uri)
        self._set("handoff-code", _("Code: {code}").format(code=handoff.user_code))
        self._set("handoff-status", _("Waiting for you to identify on your phone…"))
        self._tick()
        self._poll(handoff, handoff.interval)

    def _tick(self) -> None:
        if self.state != "waiting":
            return
        left = self._deadline - time.monotonic()
        self._set("handoff-countdown", _("Time left: {time}").format(time=countdown(left)))
        if left <= 0:
            self.post_message(self.Ended("expired_token", messages.handoff_ended("expired_token")))

    # -- polling ------------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="handoff-poll", description="Hand-off")
    def _poll(self, handoff: HandoffOut, interval: int) -> None:
        backend = self.kiosk.backend
        deadline = time.monotonic() + handoff.expires_in
        wait = max(1, interval)
        while not self._stop.wait(wait):
            try:
                answer = backend.poll_handoff(handoff.handoff_id)
            except BackendUnavailable as error:  # the network or the server: try again after the interval
                log.info("hand-off poll failed: %s", type(error).__name__)
                if time.monotonic() > deadline:
                    self.post_message(self.Ended("expired_token", messages.handoff_ended("expired_token")))
                    return
                continue
            except BackendError as error:
                self.post_message(self.Ended(str(error.code), messages.for_error(error)))
                return
            if isinstance(answer, SessionOut):
                if self._stop.is_set():  # the screen was left meanwhile: that session must not live on
                    self._revoke(answer.token)
                    return
                self.post_message(self.Authorised(answer))
                return
            if not self._pending(answer):
                self.post_message(self.Ended(answer.error, messages.handoff_ended(answer.error)))
                return
            if answer.error == "slow_down":
                wait = answer.interval or wait + SLOW_DOWN_SECONDS
            elif answer.interval:
                wait = answer.interval

    @staticmethod
    def _pending(answer: HandoffErrorOut) -> bool:
        return answer.error in PENDING

    def _revoke(self, token: str) -> None:
        try:
            self.kiosk.backend.logout(token)
        except BackendError as error:
            log.info("hand-off session not revoked: %s", type(error).__name__)

    @on(Authorised)
    def _authorised(self, message: Authorised) -> None:
        login = message.login
        session = self.kiosk.session
        if self.state != "waiting" or session is None or session.ended is not None:
            threading.Thread(target=self._revoke, args=(login.token,), daemon=True).start()
            return
        session.token = login.token
        session.scope = login.scope
        session.identity = login.citizen
        self.state = "done"
        self._stop.set()
        log.info("citizen signed in by QR hand-off")
        self.dismiss(login)

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        if self.state not in ("waiting", "starting"):
            return
        self._stop.set()
        self.state = "ended"
        if self.handoff is not None and message.error not in ("expired_token", "access_denied"):
            self._leave()  # cancelled at the backend too, then the screen stays to say why
            self.state = "ended"
        log.info("hand-off ended: %s", message.error)
        self._set("handoff-status", message.text)
        self._set("handoff-countdown", "")
        self.query_one("#handoff-qr", Static).update(Content(""))
        self._set("handoff-qr-description", "")
        self._set("handoff-alternative", "")
        self._set("handoff-url", "")
        self._set("handoff-code", "")
        retry = self.query_one("#handoff-retry", Button)
        retry.display = True
        retry.focus()

    # -- the citizen's buttons ----------------------------------------------------------------------------
    @on(Button.Pressed, "#handoff-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.query_one("#handoff-retry", Button).display = False
        self.query_one("#handoff-cancel", Button).focus()
        self.handoff, self.state = None, "starting"
        self._stop = threading.Event()
        self._set("handoff-status", "")
        self._set("handoff-qr-description", _("Preparing the QR code…"))
        self._start()

    @on(Button.Pressed, "#handoff-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self._leave()
        self.dismiss(None)
