"""The kiosk's Textual app: the screen stack, the citizen session, inactivity and staff access.

Citizens cannot leave it: no command palette, no text selection, no Ctrl+Q/C/P/Z. Blocking work runs
in thread workers; one handler turns a worker's failure into a plain-language error for the citizen
and the detail for staff in the log.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from kiosk import crash, procedures, themes
from kiosk.config import Settings
from kiosk.health import Watchdog
from kiosk.i18n import _, current_language, set_language
from kiosk.login import CardBridge, CardEvent, install_card_watcher
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import KioskModal, KioskScreen
from kiosk.screens.error import ErrorModal
from kiosk.screens.goodbye import GoodbyeScreen
from kiosk.screens.idle import IdleWarning
from kiosk.screens.staff import StaffMenu, StaffPinModal
from kiosk.services import FinishSession, LanguageChosen, SignedIn, StaffExit, StartVisit
from kiosk.session import CitizenSession, EndReason
from kiosk.speech import EspeakSpeech, ReadAgain, ReadPart, SpeechService, SpeechToggle
from kiosk.staff import StaffLock
from kiosk.themes import LowVision, LowVisionChosen
from kiosk.timing import MIN_EXTENSIONS, IdleTimes, idle_times
from widgets.pinpad import PinPad
from widgets.retention import forget_queries

if TYPE_CHECKING:
    # For annotations only: the attract screen needs no card tokens, backend client, catalogue, login
    # screen or printer; each is imported where it is first used (tests/unit/shell/test_startup_modules.py).
    from eid.token import TokenProvider
    from kiosk.backend.client import BackendClient
    from kiosk.catalogue import CatalogueScreen
    from kiosk.login.screen import LoginScreen
    from printing.printers import Printer

log = logging.getLogger(__name__)

STYLES = Path(__file__).parent / "styles"
#: F12 pressed this many times within STAFF_CHORD_SECONDS opens staff access (for terminals that do not
#: send Ctrl+F12).
STAFF_CHORD_PRESSES = 3
STAFF_CHORD_SECONDS = 2.0
#: The App actions the kiosk runs: its own bindings, and Tab / Shift+Tab (Textual's screens bind them to
#: `app.focus_next` / `app.focus_previous`). Every other App action is refused whatever asks for it (a
#: binding, or a `[@click=app.quit]` in text shown as markup): quit, screenshot (writes a file),
#: suspend_process, simulate_key, pop_screen, push_screen, switch_screen, bell, notify, the class
#: toggles, the command palette... The staff exit does not need one: it calls `KioskApp.shutdown()`.
APP_ACTIONS = frozenset({"nothing", "staff", "staff_chord", "focus_next", "focus_previous", "speech_toggle",
                         "speech_repeat", "speech_stop", "speech_volume", "speech_personal"})  # fmt: skip
#: Seconds between a new screen and its reading (its steps focus a field and load their data first).
SPEECH_SCREEN_DELAY = 0.15


def freeze_startup_heap() -> None:
    """Collect, then exclude everything alive now from future garbage collections (`gc.freeze`).

    Call once, after the imports and before the app runs (`kiosk` does). What is alive then is the code
    and the data of the libraries, which live as long as the process; a full collection otherwise walks
    all of it, and on this machine those pauses (120-340 ms) fell in the middle of a card login. Only
    start-up objects are frozen: this is never called again once a citizen has used the kiosk, so no
    citizen's data can be kept from being freed.
    """
    gc.collect()
    gc.freeze()


def fixed_worker_pool(loop: asyncio.AbstractEventLoop, threads: int) -> ThreadPoolExecutor:
    """Give `loop` a default executor of `threads` threads, every one started now.

    Textual runs thread workers (backend calls, printing, stick scans) in the loop's default executor.
    Python's starts another thread only when two jobs overlap, up to cpu + 4, so a kiosk that runs for
    weeks gains a thread (and its memory arena, about 3 MiB) now and then, long after start-up. With all
    the threads started at once, the kiosk has as many threads on its last day as on its first."""
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kiosk-worker")
    started = threading.Barrier(threads, timeout=10)
    for _job in range(threads):  # each job holds its thread until all are running: `threads` threads
        pool.submit(started.wait)
    loop.set_default_executor(pool)  # asyncio.run shuts it down with the loop
    return pool


class KioskApp(App[None], inherit_bindings=False):
    CSS_PATH = [STYLES / "app.tcss", STYLES / "low_vision.tcss"]
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    TITLE = "OVAC"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Swallowed so that no widget acts on them and the app never quits or suspends for a citizen.
        Binding("ctrl+q,ctrl+c,ctrl+p,ctrl+z,ctrl+backslash", "nothing", show=False, priority=True),
        Binding("ctrl+f12", "staff", show=False, priority=True),
        Binding("f12", "staff_chord", show=False, priority=True),
        # Speech (see kiosk.speech), on every screen: on/off, repeat, stop, volume, "read my data".
        Binding("f1", "speech_toggle", show=False, priority=True),
        Binding("f7", "speech_repeat", show=False, priority=True),
        Binding("f3", "speech_stop", show=False, priority=True),
        Binding("f4", "speech_volume(-1)", show=False, priority=True),
        Binding("f5", "speech_volume(1)", show=False, priority=True),
        Binding("f6", "speech_personal", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        watch_cards: bool = True,
        backend: BackendClient | None = None,
        printer: Printer | None = None,
        cards: TokenProvider | None = None,
        open_cards: Callable[[], TokenProvider] | None = None,
        startup: Callable[[], None] | None = None,
        worker_threads: int | None = None,
    ) -> None:
        """The collaborators not given are the ones `settings` describes. `watch_cards=False` leaves the
        card readers alone (tests of the shell, snapshots); `cards` reads the cards in place of the
        PKCS#11 module of `[eid]`; `open_cards` builds and loads them, in the card bridge's thread, so
        that their modules are not imported before the first frame. `startup` is work that must be done
        before the first session (`kiosk` tells the backend it started, so that it ends the sessions a
        killed run left open) but not before the first frame: it runs in a thread once the attract
        screen is drawn, and a session waits for it (`wait_started`). `worker_threads`: run the thread
        workers in a pool of that many threads, all started with the app (`fixed_worker_pool`), not in
        the event loop's default executor."""
        super().__init__()
        self._worker_threads = worker_threads
        self._startup = startup
        #: Set once `startup` has returned (or failed): a session may begin.
        self._started = threading.Event()
        if startup is None:
            self._started.set()
        self.settings = settings
        self._watch_cards = watch_cards
        self.card_bridge: CardBridge | None = None
        self._backend = backend
        self._printer = printer
        #: The card tokens (None: opened from `[eid] pkcs11_module` when first needed).
        self.cards = cards
        #: Builds and loads the card tokens when `cards` is None (None: from `[eid] pkcs11_module`).
        self.open_cards = open_cards
        self.session: CitizenSession | None = None
        #: High contrast and large text, as chosen on the attract screen (for this session only).
        self.low_vision = LowVision()
        #: How many times "more time" was asked for in this session.
        self.idle_extensions = 0
        themes.register(self)
        self._last_activity = time.monotonic()
        self._idle_warning: IdleWarning | None = None
        self._chord: list[float] = []
        self._staff_open = False
        self._crashes = crash.CrashCounter()
        #: Wrong staff PINs and the wait they impose, for every PIN modal (closing one skips no wait).
        self.staff_lock = StaffLock(settings.staff.wrong_pin_delay_seconds)
        #: systemd's READY=1 and watchdog pings from this event loop (nothing unless under systemd).
        self.watchdog = Watchdog()
        voice = EspeakSpeech(settings.speech.espeak_binary, rate=settings.speech.rate)
        #: Speech output, off until the citizen turns it on.
        self.speech = SpeechService(voice, default_volume=settings.speech.default_volume)
        self._speech_timer: Timer | None = None
        set_language(settings.ui.default_language)

    @property
    def backend(self) -> BackendClient:
        """The municipal backend client (blocking: call it from thread workers only): the one given to the
        constructor, else the one `settings` describes, made when first asked for."""
        if self._backend is None:
            from kiosk.backend.client import BackendClient  # deferred: requests and the contract's models

            self._backend = BackendClient(self.settings)
        return self._backend

    def printer(self) -> Printer:
        """The printer given to the constructor, else the one `[printer]` describes (made per job)."""
        if self._printer is not None:
            return self._printer
        from printing.printers import printer_from_settings  # deferred: no printing before a document

        p = self.settings.printer
        keep = p.folder_keep_minutes * 60
        return printer_from_settings(
            p.kind, p.name, p.cups_server, p.folder, p.timeout_seconds, folder_keep_seconds=keep
        )

    # ----------------------------------------------------------------- screens
    def get_default_screen(self) -> Screen[Any]:
        return AttractScreen(id="attract-screen")

    def on_mount(self) -> None:
        if self._worker_threads:
            fixed_worker_pool(asyncio.get_running_loop(), self._worker_threads)
        if self.settings.training:
            self.add_class("training")
        self.set_interval(0.5, self._check_idle, name="idle")
        if self._watch_cards:
            self.card_bridge = install_card_watcher(self)
        self.watchdog.start(self)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        if self._startup is not None:
            self.call_after_refresh(self._run_startup)

    def _run_startup(self) -> None:
        def run(startup: Callable[[], None]) -> None:
            try:
                startup()
            except Exception as exc:  # logged; the kiosk serves citizens without it
                log.warning("start-up work failed (%s)", type(exc).__name__)
            finally:
                self._started.set()

        startup, self._startup = self._startup, None  # once, from whichever asks first
        if startup is not None:
            threading.Thread(target=run, args=(startup,), name="kiosk-startup", daemon=True).start()

    def wait_started(self) -> bool:
        """Wait (at most the backend's timeout) for the start-up work: whether it is done."""
        self._run_startup()  # not started yet if asked before the first frame
        backend = self.settings.backend
        if self._started.wait(backend.connect_timeout_seconds + backend.read_timeout_seconds):
            return True
        log.warning("the start-up work is not done yet: sessions begin without waiting for it")
        self._started.set()  # once: no later session waits again
        return False

    def on_unmount(self) -> None:
        self.watchdog.stop()
        self.speech.close()
        self._wipe_at_exit()  # every way out (staff, a crash, a signal) comes through here
        if self.card_bridge is not None:
            self.card_bridge.stop()

    @on(CardEvent)
    def _card_event(self, event: CardEvent) -> None:
        if self.card_bridge is not None:
            self.card_bridge.handle(event)

    @on(CardBridge.CardLeft)
    def _card_left(self, message: CardBridge.CardLeft) -> None:
        self.end_session(message.reason)

    @on(CardBridge.BuildAhead)
    async def _build_ahead(self, message: CardBridge.BuildAhead) -> None:
        # Composed and mounted now, while nobody waits, and never drawn: pushed and popped in one go (no
        # frame is made in between), kept alive off the stack by `install_screen` until the pop is done.
        # The bridge hands it out only once it is mounted and no longer installed, so that it goes, like
        # any other screen, when it is popped with its session.
        screen = message.screen
        if screen.is_attached or self.session is not None:
            return
        self.install_screen(screen, f"login-ahead-{id(screen)}")
        self.push_screen(screen)
        await self.pop_screen()
        self.uninstall_screen(screen)

    def on_login_screen_show(self, message: LoginScreen.Show) -> None:
        # Named by Textual's convention, not `@on(LoginScreen.Show)`: the login screen's module is loaded
        # when the bridge first builds one, after the attract screen's first frame.
        if message.screen not in self.screen_stack:
            self.push_screen(message.screen)

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        """The login screen is done: the procedure that waited for the certificate, else the catalogue."""
        if self.screen is message.screen:
            self.pop_screen()
        if not procedures.resume_pending(self) and len(self.screen_stack) == 1:
            self.push_screen(self.home_screen())

    def home_screen(self) -> Screen[Any]:
        """The first screen of a visit: the catalogue of procedures."""
        from kiosk.catalogue import CatalogueScreen  # deferred: the attract screen does not need it

        return CatalogueScreen()

    def on_catalogue_screen_procedure_chosen(self, event: CatalogueScreen.ProcedureChosen) -> None:
        # Named by Textual's convention, not `@on(...)`: the catalogue is imported with its first screen.
        if not procedures.launch(self, event.procedure_code, needs_certificate=event.needs_certificate):
            self.show_error(_("This procedure cannot be done at this kiosk yet. Please ask at the counter."))

    @on(StartVisit)
    def start_visit(self) -> None:
        """The citizen touched "start" on the attract screen."""
        if len(self.screen_stack) > 1:
            return
        self.begin_session()
        self.push_screen(self.home_screen())

    # ----------------------------------------------------------------- session
    def begin_session(self) -> CitizenSession:
        """The current session, started now if there is none."""
        if self.session is None:
            self.wait_started()  # the backend has ended the sessions a killed run left (see `startup`)
            self.session = CitizenSession(temp_root=self.settings.kiosk.temp_dir)
            log.info("session %s started", self.session.id)
        self._last_activity = time.monotonic()
        return self.session

    @on(FinishSession)
    def finish_session(self) -> None:
        """The citizen pressed "Finish": end, wipe, say goodbye."""
        self.end_session(EndReason.FINISHED)

    def end_session(self, reason: EndReason) -> None:
        """Wipe the session and everything on screen, and go back to the attract screen."""
        session, self.session = self.session, None
        card_in = bool(session and session.reader) and reason is EndReason.FINISHED
        if session is not None:
            token = session.token
            session.wipe(reason)
            if token is not None:  # any token (a weak identification's too); revoking twice is harmless
                crash.revoke(self.backend, token)
        self._idle_warning = None
        listened = self.speech.enabled
        self.speech.reset()  # off, default volume, "read my data" off: the next citizen chooses again
        self._reset_screens()
        if reason is EndReason.FINISHED:
            goodbye = GoodbyeScreen(card_still_in=card_in)
            self.push_screen(goodbye)
            if listened:  # who listened hears the goodbye too (take the card and the papers)
                self.set_timer(SPEECH_SCREEN_DELAY, lambda: self.speech.say_farewell(goodbye))
        if self.card_bridge is not None:
            self.card_bridge.prepare_login_later()  # for the next citizen, in the default language

    def _reset_screens(self) -> None:
        # Every screen above the attract screen held (or may hold) citizen data: remove them all, so
        # their widgets and values are gone, then redraw the attract screen in the default language.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.copy_to_clipboard("")
        # A notice is part of a session too ("no card reader connected"...): not shown to the next citizen.
        self.clear_notifications()
        set_language(self.settings.ui.default_language)
        self.idle_extensions = 0
        self.set_low_vision(LowVision())
        self.call_later(self._redraw_attract)

    async def _redraw_attract(self) -> None:
        attract = self.screen_stack[0]
        await attract.recompose()
        forget_queries(attract)  # its cached query results are the old widgets
        if isinstance(attract, KioskScreen):
            attract.add_chrome()

    # ----------------------------------------------------------------- inactivity
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp):
            self._last_activity = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.session is None or self._idle_warning is not None or self._staff_open:
            return
        times = self.idle_times()
        if time.monotonic() - self._last_activity >= times.before_warning:
            self._idle_warning = IdleWarning(times.warning)
            self.push_screen(self._idle_warning, self._idle_answer)

    def _idle_answer(self, more_time: bool | None) -> None:
        self._idle_warning = None
        if more_time:
            self._last_activity = time.monotonic()
            self.idle_extensions += 1  # never refused (WCAG 2.2.1 asks for at least MIN_EXTENSIONS)
            if self.idle_extensions == MIN_EXTENSIONS:
                log.info("more time asked for %d times in this session", MIN_EXTENSIONS)
        elif self.session is not None:
            self.end_session(EndReason.IDLE)

    def idle_times(self) -> IdleTimes:
        """The idle times of this session: longer with a low-vision mode on (kiosk.timing)."""
        ui = self.settings.ui
        return idle_times(ui.idle_warning_seconds, ui.idle_wipe_seconds, slower=self.low_vision.any)

    # ----------------------------------------------------------------- low vision
    @on(LowVisionChosen)
    def _low_vision_chosen(self, message: LowVisionChosen) -> None:
        self.set_low_vision(message.modes)

    def set_low_vision(self, modes: LowVision) -> None:
        """Show the kiosk in `modes` (the attract screen's buttons; back to none when a session ends)."""
        self.low_vision = modes
        themes.apply(self, modes)

    # ----------------------------------------------------------------- language
    @on(LanguageChosen)
    async def _language_chosen(self, message: LanguageChosen) -> None:
        await self.change_language(message.language)

    async def change_language(self, language: str) -> None:
        if language not in self.settings.ui.languages or language == current_language():
            return
        set_language(language)
        for screen in self.screen_stack:
            await screen.recompose()
            if isinstance(screen, KioskScreen | KioskModal):
                screen.add_chrome()
        self._read_screen_soon()
        if self.card_bridge is not None:
            self.card_bridge.prepare_login_later()  # the login screen built ahead, in this language

    # ----------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the actions of `APP_ACTIONS` run; any other is logged by its name and does nothing."""
        if action in APP_ACTIONS:
            return True
        # The name only (at most 40 characters): its parameters may carry what somebody typed.
        log.warning("app action refused: %.40r", action)
        return False

    # ----------------------------------------------------------------- staff
    def action_nothing(self) -> None:
        """Keys a citizen must not be able to use."""

    def action_staff_chord(self) -> None:
        now = time.monotonic()
        self._chord = [t for t in self._chord if now - t < STAFF_CHORD_SECONDS] + [now]
        if len(self._chord) >= STAFF_CHORD_PRESSES:
            self._chord.clear()
            self.action_staff()

    def action_staff(self) -> None:
        if self._staff_open:
            return
        self._staff_open = True
        self.push_screen(StaffPinModal(self.staff_lock), self._staff_pin_answer)

    def _staff_pin_answer(self, granted: bool | None) -> None:
        if granted:
            self.push_screen(StaffMenu(self.staff_extra_buttons), lambda _: self._staff_closed())
        else:
            self._staff_closed()

    def _staff_closed(self) -> None:
        self._staff_open = False
        self._last_activity = time.monotonic()

    def staff_extra_buttons(self) -> Iterable[Widget]:
        """Buttons other parts add to the staff menu (test cards in training mode)."""
        if not self.settings.training:
            return ()
        # Imported here: it loads the test-card code, which only a training kiosk may ever run.
        from kiosk.procedures.training import training_buttons

        return training_buttons(self)

    @on(StaffExit)
    def shutdown(self) -> None:
        if self.session is not None:
            self.end_session(EndReason.STAFF)
        self.exit()

    # ----------------------------------------------------------------- errors
    def show_error(self, message: str, title: str | None = None) -> None:
        self.push_screen(ErrorModal(message, title))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        # Staff get the worker's name, the type and the frames; the message itself may carry citizen data.
        log.error("worker %r failed", event.worker.name)
        self.crashed(event.worker.error or RuntimeError("worker failed"), fail_tests=False)

    # ----------------------------------------------------------------- crashes (see kiosk.crash)
    def _handle_exception(self, error: Exception) -> None:
        """Where Textual sends every exception nothing caught (message loops, timers, workers with
        `exit_on_error`). Textual's own closes the app and prints a traceback with every frame's locals on
        the citizen's screen; there is no public hook for it, so this private method is overridden
        (pinned by tests/e2e/shell/test_crash.py)."""
        self.crashed(error)

    async def _on_message(self, message: Message) -> None:
        # An exception in one of the App's own handlers stops the App's message loop, hence the kiosk,
        # once `_handle_exception` returns: caught here first, the kiosk goes on (private, pinned too).
        try:
            await super()._on_message(message)
        except Exception as error:
            self.crashed(error)

    def crashed(self, error: BaseException, *, fail_tests: bool = True) -> None:
        """An unexpected exception: the session ends (wiped, token revoked, screens gone), the plain error
        screen shows, the detail goes to the log; after too many in a row, or with no screen to show it
        on (starting, closing), the kiosk exits without a traceback, wiped, for its supervisor to restart.
        """
        error = crash.unwrap(error)
        log.error("unexpected error, the session ends: %s", crash.report(error))
        if fail_tests and self._exception is None and isinstance(error, Exception):
            # Textual's test harness raises it when the test's app closes: a crash still fails a test.
            self._exception = error
        self._crashes.add()
        if not self.is_running or self._crashes.many():
            self._wipe_at_exit()
            self.exit(return_code=1)
            return
        self.end_session(EndReason.ERROR)
        self.set_timer(crash.ERROR_SCREEN_DELAY_SECONDS, self._show_crash)

    def _show_crash(self) -> None:
        if not self.screen_stack[0].is_running:
            # The attract screen itself failed: its message loop has stopped for good, and Textual cannot
            # replace the bottom screen of the stack (`switch_screen` fails on it). Nobody could start a
            # visit any more: the kiosk exits, wiped, and its supervisor starts it again.
            log.error("the attract screen failed: the kiosk exits to be started again")
            self._wipe_at_exit()
            self.exit(return_code=1)
            return
        self.show_error(_("The kiosk could not complete this step. Please try again, or ask at the counter."))

    def _wipe_at_exit(self) -> None:
        self.speech.reset()
        session, self.session = self.session, None
        if session is None:
            return
        token = session.token
        session.wipe(EndReason.EXIT)
        if token is not None:
            crash.revoke(self.backend, token, wait=crash.EXIT_REVOKE_SECONDS)

    # ----------------------------------------------------------------- speech (see kiosk.speech)
    def _screen_changed(self, screen: Screen[Any]) -> None:
        self.speech.stop()  # whatever was said was about the screen that went
        self._read_screen_soon()

    def _read_screen_soon(self) -> None:
        if not self.speech.enabled:
            return
        if self._speech_timer is not None:
            self._speech_timer.stop()
        self._speech_timer = self.set_timer(SPEECH_SCREEN_DELAY, self._read_screen)

    def _read_screen(self) -> None:
        self._speech_timer = None
        if self.screen_stack:  # not when the timer outlived the app's screens (the app is closing)
            self.speech.say_screen(self.screen)

    @on(ReadAgain)
    def _read_again(self) -> None:
        self._read_screen_soon()

    @on(ReadPart)
    def _read_part(self, message: ReadPart) -> None:
        self.speech.say_part(message.part)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if self.speech.enabled and self._speech_timer is None:
            self.speech.focused(event.widget)

    @on(PinPad.Changed)
    def _pin_typed(self, message: PinPad.Changed) -> None:
        self.speech.key_in_masked_field()

    async def on_key(self, event: events.Key) -> None:
        focused = self.focused
        if self.speech.enabled and isinstance(focused, Input) and focused.password and event.is_printable:
            self.speech.key_in_masked_field()
        if self.speech.enabled:  # after the key's binding ran: an arrow moved a list's highlight?
            self.call_after_refresh(lambda: self.speech.highlight_moved(self.focused))

    @on(SpeechToggle)
    def action_speech_toggle(self) -> None:
        self.speech.toggle(self.screen)

    def action_speech_repeat(self) -> None:
        self.speech.repeat()

    def action_speech_stop(self) -> None:
        self.speech.stop()

    def action_speech_volume(self, steps: int) -> None:
        self.speech.change_volume(steps)

    def action_speech_personal(self) -> None:
        self.speech.toggle_read_personal()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notice on screen is spoken too. The kiosk's own notices are plain text (`markup=False`:
        tests/unit/shell/test_no_markup_sinks.py checks every call, as it would Textual's `notify`); one
        with markup is shown as Textual shows it and not spoken (its tags would be read out)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        if not markup:
            self.speech.say(" ".join(p for p in (title, message) if p), remember=False)
