"""Compatibility: the frame before `Flow[S]`, for the procedures not yet ported to kiosk.procedures.frame.

The frame every procedure shares: one screen per step with the procedure's title, a step indicator
("Pas 2 de 4"), the step's fields, and Back / Cancel / Next; a review screen before anything is sent;
a result screen with the print step.

A `Flow` is one run of a procedure. It holds what the citizen entered (so that a language change, which
recomposes every screen, or going Back loses nothing), the screen depth the flow started at (Cancel
returns there), and the idempotency key of each submission (a retry after a network failure reuses
it, so the backend never registers twice; changing the data makes a new one). A flow's data lives in
the screens and the flow only, never outside the session; the session's wipe removes the screens.

Blocking backend calls run in thread workers (`@work(thread=True, exclusive=True, exit_on_error=False)`)
that catch the backend's typed errors and answer with a message; nothing blocks the event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, ProgressBar, Static, TextArea

from contract.documents import Document
from kiosk.i18n import N_, _, current_language
from kiosk.procedures import backend as api
from kiosk.procedures.validation import Issue, describe
from kiosk.screens.base import KioskScreen
from widgets.char_counter import CharCounter
from widgets.plain import plain
from widgets.step_indicator import StepIndicator

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

#: The document a result screen shows and prints.
D = TypeVar("D", bound=Document)


# ------------------------------------------------------------------------------------------- the flow
class Flow:
    """One run of a procedure at the kiosk."""

    def __init__(self, app: KioskApp, code: str, title: str, steps: Iterable[str]):
        self.app = app
        self.code = code
        self.title = title
        """Message id of the procedure's title (translated when shown)."""
        self.steps = list(steps)
        """Message ids of the step names, in order."""
        self.data: dict[str, Any] = {}
        self.base_depth = len(app.screen_stack)
        self._keys: dict[str, tuple[str, str]] = {}
        self._closers: list[Callable[[], None]] = []

    def step_number(self, step: str) -> int:
        return self.steps.index(step) + 1

    def idempotency_key(self, what: str, body: Any) -> str:
        """The same key for the same submission (a retry), a new one when the data changed."""
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        known = self._keys.get(what)
        if known is None or known[0] != fingerprint:
            known = (fingerprint, uuid.uuid4().hex)
            self._keys[what] = known
        return known[1]

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run `closer` when the flow ends (cancelled, finished, or the session wiped)."""
        self._closers.append(closer)

    def close(self) -> None:
        for closer in self._closers:
            try:
                closer()
            except Exception:
                log.exception("procedure clean-up failed")
        self._closers.clear()
        self.data.clear()

    def unwind(self) -> None:
        """Remove every screen of this flow (back to where it started)."""
        while len(self.app.screen_stack) > max(self.base_depth, 1):
            self.app.pop_screen()

    def cancel(self) -> None:
        self.unwind()
        self.close()

    def document_language(self) -> str:
        """Receipts are printed in Catalan, or in Spanish when the citizen uses the kiosk in Spanish."""
        return "es" if current_language() == "es" else "ca"


# ------------------------------------------------------------------------------------------- fields
@dataclass(frozen=True)
class FieldSpec:
    """A text field of a step: where its value lives in `flow.data`, its label, and its checks."""

    name: str
    label: str
    check: Callable[[str], list[Issue]]
    max_length: int | None = None
    multiline: bool = False
    placeholder: str = ""
    hint: str = ""
    password: bool = False
    restrict: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FieldError(Static):
    DEFAULT_CSS = """
    FieldError { color: $error; text-style: bold; height: auto; width: 1fr; }
    """


def live_issues(spec: FieldSpec, value: str) -> list[Issue]:
    """What to show while typing: everything but "required" (that one waits for Next)."""
    return [i for i in spec.check(value) if i.message != N_("This field is required.")]


# ------------------------------------------------------------------------------------------- screens
class StepScreen(KioskScreen):
    """One step of a procedure. Subclasses set STEP (a step name of the flow) and compose_body()."""

    CSS_PATH = "procedures.tcss"
    STEP: ClassVar[str] = ""
    NEXT_LABEL: ClassVar[str] = N_("Next")
    SHOW_BACK: ClassVar[bool] = True
    SHOW_NEXT: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[FieldSpec, ...]] = ()

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(self, flow: Flow, **kwargs: Any) -> None:
        super().__init__(classes="procedure-step", **kwargs)
        self.flow = flow

    @property
    def token(self) -> str:
        """The citizen's backend token ("" when not identified: the backend then refuses)."""
        session = self.kiosk.session
        return session.token if session is not None and session.token else ""

    # --- layout
    def compose(self) -> ComposeResult:
        with Vertical(id="step-frame"):
            yield Static(plain(_(self.flow.title)), id="step-title")
            if self.STEP in self.flow.steps:
                yield StepIndicator(
                    self.flow.step_number(self.STEP),
                    len(self.flow.steps),
                    _(self.STEP),
                    template=_("Step {step} of {total}"),
                    id="step-indicator",
                )
            with VerticalScroll(id="step-body"):
                yield from self.compose_body()
            with Horizontal(id="step-nav"):
                if self.SHOW_BACK:
                    yield Button(_("Back"), id="step-back", classes="nav")
                yield Button(plain(self.cancel_label()), id="step-cancel", variant="warning", classes="nav")
                if self.SHOW_NEXT:
                    yield Button(plain(_(self.NEXT_LABEL)), id="step-next", variant="primary", classes="nav")

    def compose_body(self) -> ComposeResult:
        yield from self.compose_fields(self.FIELDS)

    def cancel_label(self) -> str:
        return _("Cancel")

    def compose_fields(self, specs: Iterable[FieldSpec]) -> ComposeResult:
        for spec in specs:
            value = str(self.flow.data.get(spec.name, ""))
            with Vertical(classes="field", id=f"field-{spec.name}"):
                yield Label(plain(_(spec.label)), classes="field-label")
                if spec.hint:
                    yield Static(plain(_(spec.hint)), classes="field-hint")
                if spec.multiline:
                    area = TextArea(value, id=f"f-{spec.name}", soft_wrap=True, classes="field-input")
                    area.show_line_numbers = False
                    yield area
                else:
                    yield Input(
                        value,
                        placeholder=_(spec.placeholder) if spec.placeholder else "",
                        id=f"f-{spec.name}",
                        password=spec.password,
                        restrict=spec.restrict,
                        classes="field-input",
                    )
                with Horizontal(classes="field-status"):
                    yield FieldError("", id=f"e-{spec.name}")
                    if spec.max_length is not None:
                        yield CharCounter(spec.max_length, len(value), id=f"c-{spec.name}")

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.focus_first)

    def focus_first(self) -> None:
        for widget in self.query(".field-input, RadioSet, Checkbox, FilePicker, .choice"):
            if widget.focusable:
                widget.focus()
                return
        for button_id in ("#step-next", "#step-cancel"):
            found = self.query(button_id)
            if found:
                found.first().focus()
                return

    # --- fields
    def _spec(self, widget_id: str | None) -> FieldSpec | None:
        if not widget_id or not widget_id.startswith("f-"):
            return None
        name = widget_id[2:]
        return next((s for s in self.all_fields() if s.name == name), None)

    def all_fields(self) -> tuple[FieldSpec, ...]:
        return self.FIELDS

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        spec = self._spec(event.input.id)
        if spec is not None:
            self._changed(spec, event.value)

    @on(TextArea.Changed)
    def _area_changed(self, event: TextArea.Changed) -> None:
        spec = self._spec(event.text_area.id)
        if spec is not None:
            self._changed(spec, event.text_area.text)

    def _changed(self, spec: FieldSpec, value: str) -> None:
        self.flow.data[spec.name] = value
        for counter in self.query(f"#c-{spec.name}").results(CharCounter):
            counter.count = len(value.strip())
        self._show_issues(spec, live_issues(spec, value))
        self.field_changed(spec, value)

    def field_changed(self, spec: FieldSpec, value: str) -> None:
        """Hook: a field's value changed."""

    def _show_issues(self, spec: FieldSpec, issues: list[Issue]) -> None:
        for error in self.query(f"#e-{spec.name}").results(FieldError):
            error.update(plain("\n".join(describe(i) for i in issues), lines=True))
        for box in self.query(f"#field-{spec.name}"):
            box.set_class(bool(issues), "-invalid")

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        # Enter in a one-line field moves on, like Tab.
        event.stop()
        self.focus_next()

    def validate_fields(self, specs: Iterable[FieldSpec] | None = None) -> bool:
        """Check every field, show each problem next to its field, focus the first one; True = all good."""
        first: Widget | None = None
        for spec in specs if specs is not None else self.all_fields():
            if not self.query(f"#f-{spec.name}"):
                continue
            issues = spec.check(str(self.flow.data.get(spec.name, "")))
            self._show_issues(spec, issues)
            if issues and first is None:
                first = self.query_one(f"#f-{spec.name}")
        if first is not None:
            first.focus()
            first.scroll_visible()
            return False
        return True

    # --- navigation
    @on(Button.Pressed, "#step-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#step-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.flow.cancel()

    @on(Button.Pressed, "#step-next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.next()

    def action_back(self) -> None:
        if not self.SHOW_BACK:
            return
        if len(self.app.screen_stack) - 1 <= self.flow.base_depth:
            self.flow.cancel()  # Back on the first step leaves the procedure
        else:
            self.app.pop_screen()

    def next(self) -> None:
        """Next pressed: check this step and push the following one."""

    def go(self, screen: StepScreen) -> None:
        self.app.push_screen(screen)

    def on_key(self, event: events.Key) -> None:
        # Ctrl+Enter (or F2) sends the step from anywhere, including from inside a multi-line field.
        if event.key in ("ctrl+enter", "f2") and self.SHOW_NEXT:
            event.stop()
            self.next()


# ------------------------------------------------------------------------------------------- review
class ReviewStep(StepScreen):
    """What will be sent, row by row; "Send" runs `submit()` in a worker. A failure shows its reason and
    keeps everything; "Send" again retries with the same idempotency key."""

    STEP = N_("Review")
    NEXT_LABEL = N_("Send")

    class Sent(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, message: str, *, end_flow: bool = False) -> None:
            super().__init__()
            self.message = message
            self.end_flow = end_flow

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    def rows(self) -> Iterable[tuple[str, str]]:
        """(label message id, value) pairs shown for review; a value is shown as plain text (`plain`)."""
        return ()

    def submit(self) -> Any:
        """Blocking: send to the backend (runs in a thread worker). Raise the client's errors."""
        raise NotImplementedError

    def result_screen(self, result: Any) -> StepScreen:
        raise NotImplementedError

    def compose_body(self) -> ComposeResult:
        yield Static(_("Please check the details. Nothing has been sent yet."), classes="intro")
        for label, value in self.rows():
            with Horizontal(classes="review-row"):
                yield Label(plain(_(label)), classes="review-label")
                yield Static(plain(value or "—", lines=True), classes="review-value")
        yield Static("", id="send-status")
        yield ProgressBar(total=100, show_eta=False, id="send-progress", classes="hidden")

    def next(self) -> None:
        button = self.query_one("#step-next", Button)
        if button.disabled:
            return
        button.disabled = True
        self.query_one("#send-status", Static).update(_("Sending…"))
        self._send()

    @work(thread=True, exclusive=True, exit_on_error=False, group="procedure-submit", description="Sending")
    def _send(self) -> None:
        try:
            result = self.submit()
        except api.BackendError as exc:
            self.post_message(self.Failed(api.citizen_message(exc), end_flow=api.ends_flow(exc)))
        except Exception:
            log.exception("submission of %s failed", self.flow.code)
            self.post_message(
                self.Failed(
                    _("The kiosk could not complete this step. Please try again, or ask at the counter.")
                )
            )
        else:
            self.post_message(self.Sent(result))

    def report_progress(self, done: int, total: int) -> None:
        """Thread-safe: called by the upload while it runs."""
        self.post_message(self.Progress(done, total))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        bar = self.query_one("#send-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=max(event.total, 1), progress=event.done)

    @on(Sent)
    def _sent(self, event: Sent) -> None:
        screen = self.result_screen(event.result)
        self.flow.unwind()
        self.app.push_screen(screen)

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.query_one("#send-status", Static).update("")
        self.query_one("#step-next", Button).disabled = False
        self.query_one("#send-progress", ProgressBar).add_class("hidden")
        if event.end_flow:
            self.flow.cancel()
        self.kiosk.show_error(event.message)


# ------------------------------------------------------------------------------------------- result
class ResultStep(StepScreen, Generic[D]):
    """The outcome, with the print step. Back is gone (it was sent); Done returns to the procedures.
    `document` is the document the backend issued, as the client returned it; Print prints it."""

    STEP = N_("Done")
    SHOW_BACK = False
    NEXT_LABEL = N_("Print")

    def __init__(self, flow: Flow, document: D, **kwargs: Any) -> None:
        super().__init__(flow, **kwargs)
        self.document: D = document
        self.printed: str | None = None

    def cancel_label(self) -> str:
        return _("Other procedures")

    def headline(self) -> str:
        return ""

    def rows(self) -> Iterable[tuple[str, str]]:
        return ()

    def compose_body(self) -> ComposeResult:
        yield Static(plain(self.headline()), id="result-headline")
        for label, value in self.rows():
            with Horizontal(classes="review-row"):
                yield Label(plain(_(label)), classes="review-label")
                yield Static(plain(value or "—", lines=True), classes="review-value")
        yield Static(plain(self._print_status()), id="print-status")

    def _print_status(self) -> str:
        if self.printed is None:
            return _("Press Print to get it on paper.")
        return self.printed

    def focus_first(self) -> None:
        self.query_one("#step-next", Button).focus()

    def next(self) -> None:
        from kiosk.procedures.paper import print_document

        print_document(self, self.document, self._printed)

    def _printed(self, outcome: str) -> None:
        self.printed = outcome
        for status in self.query("#print-status").results(Static):
            status.update(plain(outcome))


def review_pairs(data: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(label, str(data.get(name, "")).strip()) for name, label in labels.items()]
