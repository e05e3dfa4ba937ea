"""Instància genèrica: subject and addressee department, "Exposo" and "Sol·licito", attachments from a USB
stick, contact and notification preference; review; the registry entry number and the printed receipt.
Needs a certificate login. A retried submission reuses its idempotency key: one registry entry only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, RadioButton, RadioSet, Select, Static

from contract.documents import InstanciaReceipt
from contract.limits import LONG_TEXT_MAX, SUBJECT_MAX
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES,
    Attached,
    AttachmentError,
    Candidate,
    StickScanner,
    check_addition,
    copy_into,
    discard,
    human_size,
)
from kiosk.procedures.legacy import FieldSpec, Flow, ResultStep, ReviewStep, StepScreen
from kiosk.procedures.validation import (
    Issue,
    check_email,
    check_phone,
    check_text,
    describe,
    normalise_phone,
    normalise_text,
)
from widgets.file_picker import FilePicker, PickerEntry
from widgets.plain import plain, shown

if TYPE_CHECKING:
    from kiosk.app import KioskApp

TITLE = N_("Instància genèrica")
STEPS = (N_("Subject"), N_("Your request"), N_("Attachments"), N_("Contact"), N_("Review"), N_("Done"))
CHANNELS = {
    "paper": N_("By post, on paper, to my address"),
    "electronic": N_("Electronically (you will get an email when there is a notification)"),
}
#: Seconds between two listings of the USB sticks (a stick plugged in later appears within this time).
RESCAN_SECONDS = 1.0

SUBJECT = FieldSpec(
    "subject",
    N_("Subject"),
    lambda v: check_text(v, max_length=SUBJECT_MAX),
    max_length=SUBJECT_MAX,
    placeholder=N_("In a few words, what is it about?"),
)
EXPOSO = FieldSpec(
    "exposo",
    N_("Exposo (the facts)"),
    lambda v: check_text(v, max_length=LONG_TEXT_MAX, multiline=True),
    max_length=LONG_TEXT_MAX,
    multiline=True,
)
SOLICITO = FieldSpec(
    "solicito",
    N_("Sol·licito (what you ask for)"),
    lambda v: check_text(v, max_length=LONG_TEXT_MAX, multiline=True),
    max_length=LONG_TEXT_MAX,
    multiline=True,
)
EMAIL = FieldSpec("email", N_("Email"), check_email, placeholder="nom@exemple.cat")
PHONE = FieldSpec("phone", N_("Phone"), check_phone, placeholder="600 000 000")


def start(app: KioskApp) -> None:
    flow = Flow(app, "instancia_generica", TITLE, STEPS)
    flow.data["attached"] = []
    flow.data["channel"] = "paper"
    flow.on_close(lambda: _discard_all(flow))
    app.push_screen(SubjectStep(flow))


def _discard_all(flow: Flow) -> None:
    for attached in flow.data.get("attached", []):
        discard(attached)


def attached_of(flow: Flow) -> list[Attached]:
    found: list[Attached] = flow.data.setdefault("attached", [])
    return found


# ---------------------------------------------------------------------------------------- subject
class SubjectStep(StepScreen):
    STEP = STEPS[0]
    FIELDS = (SUBJECT,)

    class Departments(Message):
        def __init__(self, departments: list[tuple[str, str]] | None, error: str = "") -> None:
            super().__init__()
            self.departments = departments
            self.error = error

    def compose_body(self) -> ComposeResult:
        yield from self.compose_fields(self.FIELDS)
        yield Label(_("Addressed to"), classes="field-label")
        departments: list[tuple[str, str]] = self.flow.data.get("departments") or []
        yield Select(
            [(Text(shown(name)), code) for code, name in departments],
            prompt=_("Choose the department") if departments else _("Loading the departments…"),
            value=self.flow.data.get("department", Select.NULL),
            id="department",
            classes="choice",
        )
        yield Static("", id="department-error", classes="field-error")

    def on_mount(self) -> None:
        super().on_mount()
        if not self.flow.data.get("departments"):
            self._load(self.flow.document_language())

    @work(thread=True, exclusive=True, exit_on_error=False, group="departments", description="Departments")
    def _load(self, language: str) -> None:
        try:
            found = api.client(self.app).departments(language)
        except api.BackendError as exc:
            self.post_message(self.Departments(None, api.citizen_message(exc)))
        else:
            self.post_message(self.Departments([(d.code, d.name) for d in found]))

    @on(Departments)
    def _departments(self, event: Departments) -> None:
        if event.departments is None:
            self.flow.cancel()
            self.kiosk.show_error(event.error)
            return
        self.flow.data["departments"] = event.departments
        select = self.query_one("#department", Select)
        select.prompt = _("Choose the department")
        select.set_options([(Text(shown(name)), code) for code, name in event.departments])

    @on(Select.Changed, "#department")
    def _department(self, event: Select.Changed) -> None:
        if event.value is Select.NULL:
            self.flow.data.pop("department", None)
        else:
            self.flow.data["department"] = event.value
            self.query_one("#department-error", Static).update("")

    def next(self) -> None:
        if not self.validate_fields():
            return
        if not self.flow.data.get("department"):
            self.query_one("#department-error", Static).update(
                _("Choose the department your request goes to.")
            )
            self.query_one("#department", Select).focus()
            return
        self.go(RequestStep(self.flow))


class RequestStep(StepScreen):
    STEP = STEPS[1]
    FIELDS = (EXPOSO, SOLICITO)

    def next(self) -> None:
        if self.validate_fields():
            self.go(AttachmentsStep(self.flow))


# ---------------------------------------------------------------------------------------- attachments
class AttachmentsStep(StepScreen):
    """The files on the USB stick, each with its verdict; a touch chooses one or takes it back."""

    STEP = STEPS[2]

    class Scanned(Message):
        def __init__(self, candidates: list[Candidate], overflow: Issue | None = None) -> None:
            super().__init__()
            self.candidates = candidates
            self.overflow = overflow

    class Copied(Message):
        def __init__(self, attached: Attached) -> None:
            super().__init__()
            self.attached = attached

    class CopyFailed(Message):
        def __init__(self, key: str, issue: Issue) -> None:
            super().__init__()
            self.key = key
            self.issue = issue

    def __init__(self, flow: Flow, **kwargs: Any) -> None:
        super().__init__(flow, **kwargs)
        self._candidates: list[Candidate] = []
        self._overflow: Issue | None = None
        self._notes: dict[str, Issue] = {}
        self._copying: set[str] = set()

    @property
    def scanner(self) -> StickScanner:
        scanner = self.flow.data.get("scanner")
        if scanner is None:
            scanner = StickScanner(self.kiosk.settings.attachments.mount_roots)
            self.flow.data["scanner"] = scanner
        assert isinstance(scanner, StickScanner)
        return scanner

    def compose_body(self) -> ComposeResult:
        yield Static(
            plain(
                _(
                    "Plug your USB stick into the kiosk: its PDF, JPEG and PNG files appear below. Touch a "
                    "file (or press Enter) to attach it or to take it back. Up to {count} files of {size} "
                    "each. Attachments are optional."
                ).format(count=MAX_FILES, size=human_size(MAX_FILE_BYTES))
            ),
            classes="intro",
        )
        yield Static(self._summary(), id="attach-summary", classes="field-label")
        yield FilePicker(
            self._entries(), empty_text=_("No USB stick found, or it has no files."), id="picker"
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._scan()
        self.set_interval(RESCAN_SECONDS, self._scan, name="rescan")

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan", description="Listing the stick")
    def _scan(self) -> None:
        listing = self.scanner.scan_if_idle()  # None while the previous scan still runs: never two at once
        if listing is not None:
            self.post_message(self.Scanned(listing.candidates, listing.overflow))

    @on(Scanned)
    def _scanned(self, event: Scanned) -> None:
        self._candidates = event.candidates
        self._overflow = event.overflow
        self._refresh()

    def _summary(self) -> Content:
        attached = attached_of(self.flow)
        return plain(
            _("Attached: {count} of {limit} files, {size} in total").format(
                count=len(attached), limit=MAX_FILES, size=human_size(sum(a.size for a in attached))
            )
        )

    def _entries(self) -> list[PickerEntry]:
        attached = attached_of(self.flow)
        chosen = {a.key for a in attached}
        entries = [PickerEntry(a.key, human_size(a.size), chosen=True, note=_("attached")) for a in attached]
        for c in self._candidates:
            if c.key in chosen:
                continue
            issue = c.refusal or self._notes.get(c.key)
            note = describe(issue) if issue else (_("copying…") if c.key in self._copying else "")
            entries.append(PickerEntry(c.key, human_size(c.size), note=note, refused=issue is not None))
        return entries

    def _refresh(self) -> None:
        for picker in self.query("#picker").results(FilePicker):
            picker.show(self._entries(), describe(self._overflow) if self._overflow else "")
        for summary in self.query("#attach-summary").results(Static):
            summary.update(self._summary())

    @on(FilePicker.Toggled, "#picker")
    def _toggled(self, event: FilePicker.Toggled) -> None:
        attached = attached_of(self.flow)
        taken = next((a for a in attached if a.key == event.key), None)
        if taken is not None:
            attached.remove(taken)
            discard(taken)
            self._refresh()
            return
        candidate = next((c for c in self._candidates if c.key == event.key), None)
        if candidate is None or candidate.key in self._copying:
            return
        issue = check_addition([*attached, *self._pending()], candidate)
        if issue is not None:
            self._notes[candidate.key] = issue
            self._refresh()
            return
        self._notes.pop(candidate.key, None)
        self._copying.add(candidate.key)
        self._refresh()
        session = self.kiosk.session
        if session is None:
            return
        slot = int(self.flow.data.get("next_slot", 0))
        self.flow.data["next_slot"] = slot + 1
        self._copy(candidate, session.temp_dir / "attachments", slot)

    def _pending(self) -> list[Candidate]:
        return [c for c in self._candidates if c.key in self._copying]

    @work(thread=True, exit_on_error=False, group="copy", description="Copying an attachment")
    def _copy(self, candidate: Candidate, folder: Path, slot: int) -> None:
        try:
            attached = copy_into(candidate, folder, slot)
        except AttachmentError as exc:
            self.post_message(self.CopyFailed(candidate.key, exc.issue))
        else:
            self.post_message(self.Copied(attached))

    @on(Copied)
    def _copied(self, event: Copied) -> None:
        self._copying.discard(event.attached.key)
        if "attached" not in self.flow.data:  # the flow was cancelled while the file was copied
            discard(event.attached)
            return
        attached_of(self.flow).append(event.attached)
        self._refresh()

    @on(CopyFailed)
    def _copy_failed(self, event: CopyFailed) -> None:
        self._copying.discard(event.key)
        self._notes[event.key] = event.issue
        self._refresh()

    def next(self) -> None:
        if self._copying:
            self.kiosk.show_error(_("Please wait: the files are still being copied."))
            return
        self.go(ContactStep(self.flow))


# ---------------------------------------------------------------------------------------- contact
class ContactStep(StepScreen):
    STEP = STEPS[3]
    FIELDS = (EMAIL, PHONE)

    def compose_body(self) -> ComposeResult:
        yield Label(_("How do you want to receive the answer?"), classes="field-label")
        with RadioSet(id="channel", classes="choice"):
            for code, label in CHANNELS.items():
                yield RadioButton(
                    plain(_(label)), value=self.flow.data.get("channel") == code, id=f"channel-{code}"
                )
        with Vertical(id="channel-note"):
            yield Static("", id="channel-error", classes="field-error")
        yield from self.compose_fields(self.FIELDS)

    @on(RadioSet.Changed, "#channel")
    def _channel(self, event: RadioSet.Changed) -> None:
        if event.pressed.id:
            self.flow.data["channel"] = event.pressed.id.removeprefix("channel-")
            self.query_one("#channel-error", Static).update("")

    def next(self) -> None:
        if not self.validate_fields():
            return
        if self.flow.data.get("channel") == "electronic" and not str(self.flow.data.get("email", "")).strip():
            self.query_one("#channel-error", Static).update(
                _("Electronic notification needs an email address.")
            )
            self.query_one("#f-email").focus()
            return
        self.go(InstanciaReview(self.flow))


# ---------------------------------------------------------------------------------------- review, result
def fields_of(flow: Flow) -> dict[str, Any]:
    data = flow.data
    return {
        "subject": normalise_text(str(data.get("subject", ""))),
        "exposo": normalise_text(str(data.get("exposo", "")), multiline=True),
        "solicito": normalise_text(str(data.get("solicito", "")), multiline=True),
        "department": data.get("department"),
        "contact": {
            "email": str(data.get("email", "")).strip() or None,
            "phone": normalise_phone(str(data.get("phone", ""))) or None,
        },
        "notification_channel": data.get("channel", "paper"),
        "language": flow.document_language(),
    }


class InstanciaReview(ReviewStep):
    STEP = STEPS[4]

    def rows(self) -> Iterable[tuple[str, str]]:
        fields = fields_of(self.flow)
        departments = dict(self.flow.data.get("departments") or [])
        yield N_("Subject"), fields["subject"]
        yield N_("Addressed to"), departments.get(fields["department"], fields["department"])
        yield N_("Exposo"), fields["exposo"]
        yield N_("Sol·licito"), fields["solicito"]
        attached = attached_of(self.flow)
        yield N_("Attachments"), "\n".join(f"{a.name} ({human_size(a.size)})" for a in attached) or _("None")
        yield N_("Answer"), _(CHANNELS[fields["notification_channel"]])
        yield N_("Email"), fields["contact"]["email"] or ""
        yield N_("Phone"), fields["contact"]["phone"] or ""

    def submit(self) -> InstanciaReceipt:
        fields = fields_of(self.flow)
        attached = attached_of(self.flow)
        token = self.token
        key = self.flow.idempotency_key("instancia", [fields, [(a.name, a.sha256) for a in attached]])
        return api.client(self.app).submit_instancia(
            token, fields, [a.copy for a in attached], idempotency_key=key, progress=self.report_progress
        )

    def result_screen(self, result: InstanciaReceipt) -> StepScreen:
        return InstanciaResult(self.flow, result)


class InstanciaResult(ResultStep[InstanciaReceipt]):
    STEP = STEPS[5]

    def headline(self) -> str:
        return _("Your instància has been registered with number {number}").format(
            number=self.document.registry_number
        )

    def rows(self) -> Iterable[tuple[str, str]]:
        d = self.document
        yield N_("Registry number"), d.registry_number
        yield N_("Date and time"), api.local_time(d.registered_at)
        yield N_("Addressed to"), d.department.name
        yield N_("Subject"), d.subject
        yield (
            N_("Attachments"),
            "\n".join(f"{a.name} ({human_size(a.size)}) SHA-256 {a.sha256[:16]}…" for a in d.attachments)
            or _("None"),
        )
