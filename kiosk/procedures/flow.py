"""A procedure as data (`Procedure`: its codes, title, steps, submission and printable document) and one
run of it at the kiosk (`Flow`).

A flow holds the citizen's answers in one frozen dataclass, `flow.state`, changed only through
`flow.update(**changes)`: a step's widgets are composed from it, so going Back, a language change (which
recomposes every screen) or a recompose after loading loses nothing. The flow knows the screens it pushed:
Next pushes the step after the current one in the procedure's list, Back on its first screen and Cancel
remove them all, whatever else is on the stack. It also keeps the idempotency key of each submission (a
retry after a network failure reuses it, so the backend never registers twice; changed data makes a new
one). A flow's state lives in its screens only; the session's wipe removes the screens.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.screen import Screen

from contract.documents import Document
from kiosk.i18n import current_language

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from kiosk.backend.client import BackendClient
    from kiosk.procedures.frame import ReviewStep, StepScreen
    from kiosk.services import KioskNavigation
    from kiosk.session import CitizenSession

log = logging.getLogger(__name__)

#: A procedure's state: a frozen dataclass.
S = TypeVar("S", bound="DataclassInstance")
#: What a procedure's submission returns.
R = TypeVar("R")


@dataclass(frozen=True)
class Submission(Generic[S]):
    """What `Procedure.submit` gets: the state, the client, the citizen's token (None: not identified),
    the document language, the idempotency key of a body (`key(body)`: the same for a retry of the same
    body), and a progress callback (thread-safe)."""

    state: S
    backend: BackendClient
    token: str | None
    language: str
    key: Callable[[object], str]
    progress: Callable[[int, int], None]


def fresh(state: Callable[[], S]) -> Callable[[str, CitizenSession], S]:
    """A procedure's `start` when every run begins alike, whatever the code and the session: `state()`
    (e.g. `start=fresh(BustiaState)`, a state whose fields all have defaults)."""

    def start(code: str, session: CitizenSession) -> S:
        return state()

    return start


@dataclass(frozen=True)
class Procedure(Generic[S, R]):
    """A procedure the kiosk completes: what a procedure module registers (as its `SPEC`)."""

    codes: tuple[str, ...]
    """The catalogue codes this procedure completes (the code is passed to `start`)."""
    title: str
    """Message id of the title (translated when shown)."""
    steps: tuple[type[StepScreen[Any]], ...]
    """The steps in order: the indicator counts those that `applies()`, Next goes to the next of them."""
    start: Callable[[str, CitizenSession], S]
    """The first state for a catalogue code and the session it runs in."""
    submit: Callable[[Submission[S]], R] | None = None
    """Blocking: send the reviewed state (runs in a thread worker); raises the client's errors."""
    document: Callable[[R], Document] | None = None
    """The printable document in a submission's answer (None: the answer is it)."""
    closing: Callable[[S], None] | None = None
    """Clean-up of the state when the flow ends (temp files)."""

    def run(self, app: KioskNavigation, code: str, session: CitizenSession) -> Flow[S]:
        """Start this procedure for catalogue `code` on top of the current screen."""
        flow = Flow(app, self, code, self.start(code, session))
        flow.begin()
        return flow


class Flow(Generic[S]):
    """One run of a procedure at the kiosk."""

    def __init__(self, app: KioskNavigation, procedure: Procedure[S, Any], code: str, state: S) -> None:
        self.app = app
        self.procedure = procedure
        self.code = code
        self.state: S = state
        self._screens: list[Screen[Any]] = []
        self._keys: dict[str, tuple[str, str]] = {}
        self._closed = False

    @property
    def title(self) -> str:
        return self.procedure.title

    # --- state
    def update(self, **changes: Any) -> S:
        """The one way the state changes."""
        self.state = dataclasses.replace(self.state, **changes)
        return self.state

    # --- steps
    def steps(self) -> list[type[StepScreen[S]]]:
        """The steps of this run, as far as known now."""
        return [step for step in self.procedure.steps if step.applies(self.state)]

    def step_names(self) -> list[str]:
        return [step.STEP for step in self.steps()]

    def step_number(self, step: type[StepScreen[S]]) -> int:
        return self.steps().index(step) + 1

    def begin(self) -> None:
        self.show(self.steps()[0](self))

    def following(self, step: type[StepScreen[S]]) -> type[StepScreen[S]] | None:
        steps = self.steps()
        at = steps.index(step) + 1 if step in steps else len(steps)
        return steps[at] if at < len(steps) else None

    def next(self, after: StepScreen[S], *, replace: bool = False) -> None:
        """Show the step after `after`; with `replace`, remove this flow's screens first (what was sent
        or the identification cannot be gone back to)."""
        step = self.following(type(after))
        if step is None:
            return
        if replace:
            self.unwind()
        self.show(step(self))

    def result(self, after: ReviewStep[S], result: object) -> None:
        """The review was sent: its screens go, the result step comes."""
        step = self.following(type(after))
        assert step is not None, f"{self.procedure.codes[0]}: no result step after the review"
        self.unwind()
        self.show(step(self, result=result))

    def show(self, screen: Screen[Any]) -> None:
        self._screens.append(screen)
        self.app.push_screen(screen)

    def back(self, screen: Screen[Any]) -> None:
        """Back from `screen`: the previous step, or out of the procedure from its first screen."""
        if self._screens[:1] == [screen]:
            self.cancel()
        elif self.app.screen is screen:
            self._screens.remove(screen)
            self.app.pop_screen()

    def unwind(self) -> None:
        """Remove every screen of this flow (and what was opened above them)."""
        while self._screens:
            if self._screens[-1] not in self.app.screen_stack:
                self._screens.pop()
            elif len(self.app.screen_stack) > 1:
                if self.app.screen is self._screens[-1]:
                    self._screens.pop()
                self.app.pop_screen()
            else:
                break

    def cancel(self) -> None:
        self.unwind()
        self.close()

    def close(self) -> None:
        """Run the procedure's clean-up (once): cancelled, finished, or the session wiped."""
        if self._closed:
            return
        self._closed = True
        if self.procedure.closing is not None:
            try:
                self.procedure.closing(self.state)
            except Exception:
                log.exception("procedure clean-up failed")

    @property
    def closed(self) -> bool:
        return self._closed

    # --- submission
    def idempotency_key(self, what: str, body: object) -> str:
        """The same key for the same submission (a retry), a new one when the data changed."""
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        known = self._keys.get(what)
        if known is None or known[0] != fingerprint:
            known = (fingerprint, uuid.uuid4().hex)
            self._keys[what] = known
        return known[1]

    def document_language(self) -> str:
        """Receipts are printed in Catalan, or in Spanish when the citizen uses the kiosk in Spanish."""
        return "es" if current_language() == "es" else "ca"
