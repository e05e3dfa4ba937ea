"""The frame every procedure shares: one screen per step with the procedure's title, a step indicator
("Pas 2 de 4"), the step's fields, and Back / Cancel / Next; a loading step; a review screen before
anything is sent; a result screen with the print step.

A step declares its fields (`FIELDS`: text fields, choices, pick-lists, checkboxes) and its cross-field
`RULES`; the frame composes them from the flow's state, writes every change back through `Flow.update`,
checks them when Next is pressed (each problem next to its field) and then shows the next step of the
procedure's list. Steps write no `next()`; a step whose Next does something else (send, print, log in)
overrides `proceed()`.

Blocking backend calls run in thread workers (`@work(thread=True, exclusive=True, exit_on_error=False)`)
that catch the backend's typed errors and answer with a message; nothing blocks the event loop. A failed
load ends the procedure with the reason, except a pick-list's options that did not come because the service
did not answer: the citizen may already be typing in that step, so the step stays as it is (no modal, which
would take their keys), the problem is shown and spoken at the pick-list, and the options are asked for
again a few times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from contract.documents import Document
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.fields import (
    Choice,
    Field,
    FieldError,
    FieldSpec,
    PickList,
    Rule,
    Tick,
    live_issues,
)
from kiosk.procedures.flow import Flow, S, Submission
from kiosk.procedures.paper import print_document
from kiosk.procedures.validation import Issue, describe, normalise_text
from kiosk.screens.base import KioskScreen
from widgets.char_counter import CharCounter
from widgets.plain import ShownHighlighter, plain, shown
from widgets.step_indicator import StepIndicator
from widgets.text_area import FieldArea

if TYPE_CHECKING:
    from kiosk.backend.client import BackendClient

log = logging.getLogger(__name__)

#: The printable document a result step shows.
D = TypeVar("D", bound=Document)

#: A pick-list whose options did not come (the service did not answer) asks again after this many
#: seconds, this many times, before it tells the citizen to go back or ask at the counter.
PICK_RETRY_SECONDS = 3.0
PICK_RETRIES = 4
#: What the pick-list shows meanwhile: in its prompt (short) and under it (what happened, what follows).
PICK_RETRYING_PROMPT = N_("Not loaded: trying again…")
PICK_RETRYING = N_(
    "The list could not be loaded: the city hall's service did not answer. It will be tried again in a few "
    "seconds."
)
PICK_GAVE_UP_PROMPT = N_("The list could not be loaded")
PICK_GAVE_UP = N_(
    "The list could not be loaded: the city hall's service did not answer. Please go back and try again "
    "later, or ask at the counter."
)

__all__ = [
    "Choice",
    "Doing",
    "FieldSpec",
    "Flow",
    "LoadingStep",
    "NothingToPrint",
    "PickList",
    "ResultStep",
    "ReviewStep",
    "Rule",
    "StepScreen",
    "Tick",
]


# ------------------------------------------------------------------------------------------- steps
class StepScreen(KioskScreen, Generic[S]):
    """One step of a procedure. Subclasses set STEP (the step's name), FIELDS and RULES, and compose_body()
    when the step shows more than its fields."""

    CSS_PATH = "procedures.tcss"
    STEP: ClassVar[str] = ""
    NEXT_LABEL: ClassVar[str] = N_("Next")
    SHOW_BACK: ClassVar[bool] = True
    SHOW_NEXT: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = ()
    RULES: ClassVar[tuple[Rule, ...]] = ()

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"step-back": "back"}

    @dataclass
    class Fetched(Message):
        """A value the step asked the backend for (`fetch`), for the state attribute `name`."""

        name: str
        value: object

    @dataclass
    class FetchFailed(Message):
        """A `fetch` failed: the citizen's message; the state attribute it was for; whether asking again
        may help (the service did not answer)."""

        message: str
        name: str = ""
        transient: bool = False

    def __init__(self, flow: Flow[S], **kwargs: Any) -> None:
        super().__init__(classes="procedure-step", **kwargs)
        self.flow = flow
        # Pick-lists whose options did not come: how many times they were asked for, and what is shown.
        self._pick_tries: dict[str, int] = {}
        self._pick_issues: dict[str, Issue] = {}

    @classmethod
    def applies(cls, state: Any) -> bool:
        """Whether this step is part of the run with this state (counted by the indicator, shown by Next)."""
        return True

    @property
    def state(self) -> S:
        return self.flow.state

    @property
    def token(self) -> str:
        """The citizen's backend token ("" when not identified: the backend then refuses)."""
        session = self.kiosk.session
        return session.token if session is not None and session.token else ""

    # --- layout
    def compose(self) -> ComposeResult:
        steps = self.flow.steps()
        with Vertical(id="step-frame"):
            yield Static(plain(_(self.flow.title)), id="step-title")
            if type(self) in steps:
                yield StepIndicator(
                    self.flow.step_number(type(self)),
                    len(steps),
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

    def compose_fields(self, fields: Iterable[Field]) -> ComposeResult:
        for spec in fields:
            yield from self.compose_field(spec)

    def compose_field(self, spec: Field) -> ComposeResult:
        value = getattr(self.state, spec.name)
        if isinstance(spec, FieldSpec):
            yield from self._compose_text(spec, str(value))
        elif isinstance(spec, Choice):
            yield Label(plain(_(spec.label)), classes="field-label")
            with RadioSet(id=spec.name, classes="choice"):
                for code, label in spec.options.items():
                    yield RadioButton(plain(_(label)), value=value == code, id=f"{spec.name}-{code}")
        elif isinstance(spec, PickList):
            options: tuple[tuple[str, str], ...] = getattr(self.state, spec.options)
            trouble = self._pick_issues.get(spec.name)
            yield Label(plain(_(spec.label)), classes="field-label")
            yield Select(
                [(Text(shown(name)), code) for code, name in options],
                prompt=escape(self._pick_prompt(spec, options)),
                value=Select.NULL if value is None else value,
                id=spec.name,
                classes="choice",
            )
            yield Static(
                plain(describe(trouble)) if trouble else "", id=f"{spec.name}-error", classes="field-error"
            )
        else:
            yield Checkbox(plain(_(spec.label)), value=bool(value), id=spec.name)

    def _compose_text(self, spec: FieldSpec, value: str) -> ComposeResult:
        with Vertical(classes="field", id=f"field-{spec.name}"):
            yield Label(plain(_(spec.label)), classes="field-label")
            if spec.hint:
                yield Static(plain(_(spec.hint)), classes="field-hint")
            if spec.multiline:
                area = FieldArea(value, id=f"f-{spec.name}", soft_wrap=True, classes="field-input")
                area.show_line_numbers = False
                yield area
            else:
                yield Input(
                    value,
                    placeholder=_(spec.placeholder) if spec.placeholder else "",
                    id=f"f-{spec.name}",
                    password=spec.password,
                    restrict=spec.restrict,
                    highlighter=ShownHighlighter(),
                    classes="field-input",
                )
            with Horizontal(classes="field-status"):
                yield FieldError("", id=f"e-{spec.name}")
                if spec.max_length is not None:
                    yield CharCounter(spec.max_length, _counted(spec, value), id=f"c-{spec.name}")

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.focus_first)
        for spec in self.FIELDS:
            if isinstance(spec, PickList) and spec.load is not None and not getattr(self.state, spec.options):
                self.load_options(spec)

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

    # --- loading from the backend (one worker for every step)
    def load_options(self, spec: PickList) -> None:
        """Ask the backend for a pick-list's options, with the citizen's token; `fetched()` follows."""
        load, token, language = spec.load, self.token, self.flow.document_language()
        if load is not None:
            self.fetch(spec.options, lambda backend: tuple(load(backend, token, language)))

    def fetch(self, name: str, load: Callable[[BackendClient], object]) -> None:
        """Ask the backend (in a thread) for the value of the state attribute `name`; `fetched()` follows.
        A failure ends the procedure with the reason (a pick-list's options: see `_pick_failed`)."""
        self._fetch(name, load)

    @work(thread=True, exclusive=True, exit_on_error=False, group="procedure-load", description="Loading")
    def _fetch(self, name: str, load: Callable[[BackendClient], object]) -> None:
        try:
            value = load(self.kiosk.backend)
        except api.BackendError as exc:
            transient = isinstance(exc, api.BackendUnavailable)
            self.post_message(self.FetchFailed(api.citizen_message(exc), name, transient))
        else:
            self.post_message(self.Fetched(name, value))

    @on(Fetched)
    async def _fetched(self, event: Fetched) -> None:
        self.flow.update(**{event.name: event.value})
        await self.fetched(event.name)

    async def fetched(self, name: str) -> None:
        """Hook: the state attribute `name` came from the backend."""
        for spec in self.FIELDS:
            if isinstance(spec, PickList) and spec.options == name:
                options: tuple[tuple[str, str], ...] = getattr(self.state, name)
                select: Select[str] = self.query_one(f"#{spec.name}", Select)
                select.prompt = escape(_(spec.prompt))
                select.set_options([(Text(shown(label)), code) for code, label in options])
                if self._pick_issues.pop(spec.name, None) is not None:
                    self._show_issue(spec.name, None)

    @on(FetchFailed)
    def _fetch_failed(self, event: FetchFailed) -> None:
        spec = self._pick_list_of(event.name) if event.transient else None
        if spec is not None:
            self._pick_failed(spec)
            return
        self.flow.cancel()
        self.kiosk.show_error(event.message)

    def _pick_list_of(self, options: str) -> PickList | None:
        """This step's pick-list whose options are the state attribute `options`, if any."""
        return next((s for s in self.FIELDS if isinstance(s, PickList) and s.options == options), None)

    def _pick_failed(self, spec: PickList) -> None:
        """A pick-list's options did not come: everything else on the step stays as it is (the citizen may
        be typing); the problem is shown at the list and spoken, and the options asked for again in a few
        seconds, `PICK_RETRIES` times."""
        tries = self._pick_tries.get(spec.name, 0) + 1
        self._pick_tries[spec.name] = tries
        again = tries <= PICK_RETRIES
        issue = Issue(PICK_RETRYING if again else PICK_GAVE_UP)
        self._pick_issues[spec.name] = issue
        log.warning("the options of %s did not come (try %d)", spec.name, tries)
        for select in self.query(f"#{spec.name}").results(Select):
            select.prompt = escape(self._pick_prompt(spec, ()))
        self._show_issue(spec.name, issue)
        if tries == 1 or not again:
            # Spoken as every notice is; a toast, not a modal: it takes no keys.
            self.app.notify(describe(issue), severity="warning", timeout=8, markup=False)
        if again:
            self.set_timer(PICK_RETRY_SECONDS, lambda: self.load_options(spec))

    def _pick_prompt(self, spec: PickList, options: tuple[tuple[str, str], ...]) -> str:
        """What a pick-list's closed list says: choose; loading; or that its options did not come."""
        if options or spec.load is None:
            return _(spec.prompt)
        trouble = self._pick_issues.get(spec.name)
        if trouble is None:
            return _(spec.loading_prompt)
        return _(PICK_RETRYING_PROMPT) if trouble.message == PICK_RETRYING else _(PICK_GAVE_UP_PROMPT)

    # --- fields
    def _field(self, widget_id: str | None) -> Field | None:
        name = widget_id.removeprefix("f-") if widget_id else None
        return next((s for s in self.FIELDS if s.name == name), None)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self._typed(event.input.id, event.value)

    @on(TextArea.Changed)
    def _area_changed(self, event: TextArea.Changed) -> None:
        self._typed(event.text_area.id, event.text_area.text)

    def _typed(self, widget_id: str | None, value: str) -> None:
        spec = self._field(widget_id)
        if not isinstance(spec, FieldSpec) or not (widget_id or "").startswith("f-"):
            return
        self.flow.update(**{spec.name: value})
        for counter in self.query(f"#c-{spec.name}").results(CharCounter):
            counter.count = _counted(spec, value)
        self._show_issues(spec, live_issues(spec, value))

    @on(RadioSet.Changed)
    def _chosen(self, event: RadioSet.Changed) -> None:
        spec = self._field(event.radio_set.id)
        if isinstance(spec, Choice) and 0 <= event.index < len(spec.options):
            self._set(spec.name, list(spec.options)[event.index])

    @on(Checkbox.Changed)
    def _ticked(self, event: Checkbox.Changed) -> None:
        spec = self._field(event.checkbox.id)
        if isinstance(spec, Tick):
            self._set(spec.name, event.value)

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        spec = self._field(event.select.id)
        if isinstance(spec, PickList):
            self._set(spec.name, None if event.value is Select.NULL else event.value)

    def _set(self, name: str, value: object) -> None:
        self.flow.update(**{name: value})
        if value:
            self._show_issue(name, None)

    def _show_issues(self, spec: FieldSpec, issues: list[Issue]) -> None:
        for error in self.query(f"#e-{spec.name}").results(FieldError):
            error.update(plain("\n".join(describe(i) for i in issues), lines=True))
        for box in self.query(f"#field-{spec.name}"):
            box.set_class(bool(issues), "-invalid")

    def _show_issue(self, name: str, issue: Issue | None) -> None:
        for error in self.query(f"#{name}-error").results(Static):
            error.update(plain(describe(issue)) if issue else "")

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        # Enter in a one-line field moves on, like Tab.
        event.stop()
        self.focus_next()

    def validate(self) -> bool:
        """Check every field, show each problem next to its field, focus the first one; True = all good.
        Text fields first; then the pick-lists that must be chosen and the rules, one at a time."""
        first: Widget | None = None
        for spec in self.FIELDS:
            if not isinstance(spec, FieldSpec) or not self.query(f"#f-{spec.name}"):
                continue
            issues = spec.check(str(getattr(self.state, spec.name)))
            self._show_issues(spec, issues)
            if issues and first is None:
                first = self.query_one(f"#f-{spec.name}")
        if first is not None:
            first.focus()
            first.scroll_visible()
            return False
        chosen = [_chosen_rule(s) for s in self.FIELDS if isinstance(s, PickList)]
        for rule in (*chosen, *self.RULES):
            issue = rule.check(self.state)
            if issue is not None:
                # A list whose options did not come keeps saying so (it says what to do).
                self._show_issue(rule.field, self._pick_issues.get(rule.field, issue))
                target = rule.focus or rule.field
                self.query_one(f"#f-{target}" if self.query(f"#f-{target}") else f"#{target}").focus()
                return False
        return True

    # --- navigation
    @on(Button.Pressed, "#step-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.flow.cancel()

    @on(Button.Pressed, "#step-next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.next()

    def action_back(self) -> None:
        if self.SHOW_BACK:
            self.flow.back(self)

    def next(self) -> None:
        """Next pressed (or Ctrl+Enter): nothing while Next is disabled; the checks; then `proceed()`."""
        found = self.query("#step-next").results(Button)
        button = next(found, None)
        if button is not None and button.disabled:
            return
        if self.validate():
            self.proceed()

    def proceed(self) -> None:
        """The step passed its checks: the next step of the procedure."""
        self.flow.next(self)

    def on_key(self, event: events.Key) -> None:
        # Ctrl+Enter (or F2) sends the step from anywhere, including from inside a multi-line field.
        if event.key in ("ctrl+enter", "f2") and self.SHOW_NEXT:
            event.stop()
            self.next()


def _counted(spec: FieldSpec, value: str) -> int:
    """The length the counter shows: what the checks count (`e` + a combining accent is one `é`)."""
    return len(normalise_text(value, multiline=spec.multiline))


def _chosen_rule(spec: PickList) -> Rule:
    """A pick-list that must be chosen, as a rule."""

    def check(state: Any) -> Issue | None:
        return Issue(spec.required) if getattr(state, spec.name) is None else None

    return Rule(spec.name, check)


# ------------------------------------------------------------------------------------------- loading
class LoadingStep(StepScreen[S]):
    """A step that shows what the backend answers (`load()`, into the state attribute LOADS): a waiting
    line until it comes, Next disabled; then the step is composed again with it (`compose_loaded`)."""

    LOADS: ClassVar[str] = ""
    LOADING: ClassVar[str] = N_("Loading…")

    def load(self, backend: BackendClient, token: str, language: str) -> object:
        """Blocking (runs in a thread worker): the value, from the backend."""
        raise NotImplementedError

    def compose_loaded(self, value: Any) -> ComposeResult:
        yield from ()

    def loaded(self, value: Any) -> None:
        """Hook, after the loaded step was composed: enable Next and focus it."""
        self.query_one("#step-next", Button).disabled = False
        self.query_one("#step-next", Button).focus()

    def focus_first(self) -> None:
        # The answer may come before the first refresh: then the loaded step's focus is the one.
        value = getattr(self.state, self.LOADS)
        if value is None:
            super().focus_first()
        else:
            self.loaded(value)

    def compose_body(self) -> ComposeResult:
        value = getattr(self.state, self.LOADS)
        if value is None:
            yield Static(plain(_(self.LOADING)), id=f"{self.LOADS}-loading")
        else:
            yield from self.compose_loaded(value)

    def on_mount(self) -> None:
        super().on_mount()
        if getattr(self.state, self.LOADS) is None:
            self.query_one("#step-next", Button).disabled = True
            token, language = self.token, self.flow.document_language()
            self.fetch(self.LOADS, lambda backend: self.load(backend, token, language))

    async def fetched(self, name: str) -> None:
        await self.recompose()
        self.add_chrome()
        self.loaded(getattr(self.state, name))


# ------------------------------------------------------------------------------------------- review
def compose_rows(rows: Iterable[tuple[str, str]]) -> ComposeResult:
    """(label message id, value) pairs, label and value side by side; a value is shown as plain text."""
    for label, value in rows:
        with Horizontal(classes="review-row"):
            yield Label(plain(_(label)), classes="review-label")
            yield Static(plain(value or "—", lines=True), classes="review-value")


class ReviewStep(StepScreen[S]):
    """What will be sent, row by row; "Send" runs the procedure's `submit` in a worker. A failure shows its
    reason and keeps everything; "Send" again retries with the same idempotency key."""

    STEP = N_("Review")
    NEXT_LABEL = N_("Send")
    INTRO: ClassVar[str] = N_("Please check the details. Nothing has been sent yet.")
    """What the screen says above the rows (a confirmation says what will happen)."""

    @dataclass
    class Sent(Message):
        result: object

    @dataclass
    class Failed(Message):
        message: str
        end_flow: bool = False
        code: str | None = None
        """The backend's error code, when it refused the submission (`Rejected`)."""

    @dataclass
    class Progress(Message):
        done: int
        total: int

    def rows(self) -> Iterable[tuple[str, str]]:
        """(label message id, value) pairs shown for review."""
        return ()

    def compose_body(self) -> ComposeResult:
        yield Static(plain(_(self.INTRO)), classes="intro")
        yield from compose_rows(self.rows())
        yield Static("", id="send-status")
        yield ProgressBar(total=100, show_eta=False, id="send-progress", classes="hidden")

    def proceed(self) -> None:
        self.query_one("#step-next", Button).disabled = True
        self.query_one("#send-status", Static).update(_("Sending…"))
        session = self.kiosk.session
        self._send(
            Submission(
                state=self.state,
                backend=self.kiosk.backend,
                token=session.token if session is not None else None,
                language=self.flow.document_language(),
                key=lambda body: self.flow.idempotency_key(self.flow.code, body),
                progress=self.report_progress,
            )
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="procedure-submit", description="Sending")
    def _send(self, submission: Submission[S]) -> None:
        submit = self.flow.procedure.submit
        assert submit is not None, f"{self.flow.code}: a review step without a submission"
        try:
            result = submit(submission)
        except api.BackendError as exc:
            code = str(exc.code) if isinstance(exc, api.Rejected) else None
            self.post_message(self.Failed(api.citizen_message(exc), end_flow=api.ends_flow(exc), code=code))
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
        """Thread-safe: called by an upload while it runs."""
        self.post_message(self.Progress(done, total))

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        bar = self.query_one("#send-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=max(event.total, 1), progress=event.done)

    @on(Sent)
    def _sent(self, event: Sent) -> None:
        self.flow.result(self, event.result)

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.query_one("#send-status", Static).update("")
        self.query_one("#step-next", Button).disabled = False
        self.query_one("#send-progress", ProgressBar).add_class("hidden")
        if event.end_flow:
            self.flow.cancel()
        elif event.code is not None:
            self.refused(event.code)
        self.kiosk.show_error(event.message)

    def refused(self, code: str) -> None:
        """Hook: the backend refused the submission with `code` (before its message is shown); e.g. go
        back to the step whose choice it refused."""


# ------------------------------------------------------------------------------------------- result
class ResultStep(StepScreen[S], Generic[S, D]):
    """The outcome, with the print step. Back is gone (it was sent); "Other procedures" returns to the
    procedures. `result` is what the submission answered, `document` the printable document in it (the
    procedure's `document`, or the answer itself); Print prints it."""

    STEP = N_("Done")
    SHOW_BACK = False
    NEXT_LABEL = N_("Print")

    def __init__(self, flow: Flow[S], *, result: object, **kwargs: Any) -> None:
        super().__init__(flow, **kwargs)
        self.result = result
        pick = flow.procedure.document
        self.document = cast(D, pick(result) if pick is not None else result)
        self.printed: str | None = None

    def cancel_label(self) -> str:
        return _("Other procedures")

    def headline(self) -> str:
        return ""

    def rows(self) -> Iterable[tuple[str, str]]:
        return ()

    def compose_body(self) -> ComposeResult:
        yield Static(plain(self.headline()), id="result-headline")
        yield from compose_rows(self.rows())
        yield Static(plain(self._print_status()), id="print-status")

    def _print_status(self) -> str:
        if self.printed is None:
            return _("Press Print to get it on paper.")
        return self.printed

    def focus_first(self) -> None:
        self.query_one("#step-next", Button).focus()

    def proceed(self) -> None:
        print_document(self, self.document, self._printed)

    def _printed(self, outcome: str) -> None:
        self.printed = outcome
        for status in self.query("#print-status").results(Static):
            status.update(plain(outcome))


class NothingToPrint(ResultStep[S, Any]):
    """A result whose answer is not a printable document (an appointment cancelled, an application
    withdrawn): the headline and the rows, no Print; "Other procedures" has the focus."""

    SHOW_NEXT = False

    def compose_body(self) -> ComposeResult:
        yield Static(plain(self.headline()), id="result-headline")
        yield from compose_rows(self.rows())

    def focus_first(self) -> None:
        self.query_one("#step-cancel", Button).focus()


# ------------------------------------------------------------------------------------------- actions
class Doing:
    """A step of one of a procedure's actions, the one whose code is `ACTION` (the state's `action`, chosen
    on an earlier step): put before the step's own class."""

    ACTION: ClassVar[str] = ""

    @classmethod
    def applies(cls, state: Any) -> bool:
        return bool(state.action == cls.ACTION)
