"""The kinds of field a procedure step declares, and what the frame does with each: a text field
(`FieldSpec`), a set of radio buttons (`Choice`), a pick-list the backend fills (`PickList`), a checkbox
(`Tick`), and a rule over several fields (`Rule`) whose `Issue` is shown at one of them.

Every field names the attribute of the procedure's state it reads and writes; the frame composes the
widget from that value and writes it back through `Flow.update`, so no step handles a widget's events.
Pure data: no Textual here beyond the error label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.widgets import Static

from kiosk.i18n import N_
from kiosk.procedures.validation import Issue, check_text

if TYPE_CHECKING:
    from kiosk.backend.client import BackendClient

#: The message of an empty required field (shown only when Next is pressed, not while typing).
REQUIRED = N_("This field is required: please fill it in.")


def no_issues(value: str) -> list[Issue]:
    return []


@dataclass(frozen=True)
class FieldSpec:
    """A text field: the state attribute it edits, its label, its checks, and how it is typed."""

    name: str
    label: str
    check: Callable[[str], list[Issue]] = no_issues
    max_length: int | None = None
    multiline: bool = False
    placeholder: str = ""
    hint: str = ""
    password: bool = False
    restrict: str | None = None


def free_text(
    name: str, label: str, *, max_length: int, multiline: bool = False, placeholder: str = "", hint: str = ""
) -> FieldSpec:
    """A required field of free text: its one length limit is both checked and kept while typing."""
    return FieldSpec(
        name,
        label,
        lambda v: check_text(v, max_length=max_length, multiline=multiline),
        max_length=max_length,
        multiline=multiline,
        placeholder=placeholder,
        hint=hint,
    )


@dataclass(frozen=True)
class Choice:
    """Radio buttons: one of `options` (code -> label message id), kept in the state as the code. The
    buttons' ids are `<name>-<code>`."""

    name: str
    label: str
    options: Mapping[str, str]


@dataclass(frozen=True)
class PickList:
    """A drop-down list of options (code, name) kept in the state attribute `options`, the chosen code (or
    None) in `name`. The options are the backend's, asked for with `load` when the step is shown, or, with
    no `load`, put in the state by an earlier step (from the list it showed the citizen)."""

    name: str
    options: str
    label: str
    prompt: str
    required: str
    """The message shown when Next is pressed with nothing chosen."""
    load: Callable[[BackendClient, str, str], Sequence[tuple[str, str]]] | None = None
    """Blocking: (client, the citizen's token ("" when not identified), document language) -> options.
    Runs in a thread worker."""
    loading_prompt: str = ""
    """What the closed list says while `load` runs."""


@dataclass(frozen=True)
class Tick:
    """A checkbox, kept in the state as a bool."""

    name: str
    label: str


@dataclass(frozen=True)
class Rule:
    """A check over the whole state, run when Next is pressed after every field passed: its `Issue` is
    shown at the field `field` (a `Choice`, `PickList` or `Tick`), and the focus goes to `focus` (that
    field's widget when None)."""

    field: str
    check: Callable[[Any], Issue | None]
    focus: str | None = None


Field = FieldSpec | Choice | PickList | Tick


def live_issues(spec: FieldSpec, value: str) -> list[Issue]:
    """What to show while typing: everything but "required" (that one waits for Next)."""
    return [i for i in spec.check(value) if i.message != REQUIRED]


class FieldError(Static):
    DEFAULT_CSS = """
    FieldError { color: $error; text-style: bold; height: auto; width: 1fr; }
    """
