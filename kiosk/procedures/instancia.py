"""Instància genèrica: subject and addressee department, "Exposo" and "Sol·licito", attachments from a USB
stick, contact and notification preference; review; the registry entry number and the printed receipt.
Needs a certificate login. A retried submission reuses its idempotency key: one registry entry only.

The sticks are given back (kiosk.procedures.sticks) when the citizen leaves the attachments step forward,
and in any case when the instància is sent, cancelled or the session ends; the copies taken stay."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from contract.documents import InstanciaReceipt
from contract.limits import LONG_TEXT_MAX, SUBJECT_MAX
from kiosk.backend.client import BackendClient
from kiosk.i18n import N_, _
from kiosk.procedures import backend as api
from kiosk.procedures.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES,
    Attached,
    AttachmentError,
    Candidate,
    Listing,
    StickScanner,
    check_addition,
    copy_into,
    discard,
    human_size,
)
from kiosk.procedures.fields import Choice, FieldSpec, PickList, Rule, free_text
from kiosk.procedures.flow import Flow, Procedure, Submission, fresh
from kiosk.procedures.frame import ResultStep, ReviewStep, StepScreen
from kiosk.procedures.sticks import StickRelease
from kiosk.procedures.validation import (
    Issue,
    check_email,
    check_phone,
    describe,
    normalise_phone,
    normalise_text,
)
from widgets.file_picker import FilePicker, PickerEntry
from widgets.plain import plain

log = logging.getLogger(__name__)

CHANNELS = {
    "paper": N_("By post, on paper, to my address"),
    "electronic": N_("Electronically (you will get an email when there is a notification)"),
}
#: Seconds between two listings of the USB sticks (a stick plugged in later appears within this time).
RESCAN_SECONDS = 1.0


@dataclass(frozen=True)
class InstanciaState:
    subject: str = ""
    departments: tuple[tuple[str, str], ...] = ()
    department: str | None = None
    exposo: str = ""
    solicito: str = ""
    attached: tuple[Attached, ...] = ()
    scanner: StickScanner | None = None
    """The USB sticks' lister (kept across Back, so that a scan still running is never doubled)."""
    sticks: StickRelease | None = None
    """Gives the sticks back (ejects them, tells the citizen), made with the scanner."""
    next_slot: int = 0
    channel: str = "paper"
    email: str = ""
    phone: str = ""


def departments(backend: BackendClient, token: str, language: str) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in backend.departments(language)]


SUBJECT = free_text(
    "subject", N_("Subject"), max_length=SUBJECT_MAX, placeholder=N_("In a few words, what is it about?")
)
DEPARTMENT = PickList(
    "department",
    "departments",
    load=departments,
    label=N_("Addressed to"),
    prompt=N_("Choose the department"),
    loading_prompt=N_("Loading the departments…"),
    required=N_("Choose the department your request goes to."),
)
EXPOSO = free_text("exposo", N_("Exposo (the facts)"), max_length=LONG_TEXT_MAX, multiline=True)
SOLICITO = free_text(
    "solicito", N_("Sol·licito (what you ask for)"), max_length=LONG_TEXT_MAX, multiline=True
)
CHANNEL = Choice("channel", N_("How do you want to receive the answer?"), CHANNELS)
EMAIL = FieldSpec("email", N_("Email"), check_email, placeholder="nom@exemple.cat")
PHONE = FieldSpec("phone", N_("Phone"), check_phone, placeholder="600 000 000")


def email_for_electronic(state: InstanciaState) -> Issue | None:
    if state.channel == "electronic" and not state.email.strip():
        return Issue(
            N_(
                "Electronic notification needs an email address. Type your email, or choose to receive the "
                "answer by post."
            )
        )
    return None


class SubjectStep(StepScreen[InstanciaState]):
    STEP = N_("Subject")
    FIELDS = (SUBJECT, DEPARTMENT)


class RequestStep(StepScreen[InstanciaState]):
    STEP = N_("Your request")
    FIELDS = (EXPOSO, SOLICITO)


# ---------------------------------------------------------------------------------------- attachments
class AttachmentsStep(StepScreen[InstanciaState]):
    """The files on the USB stick, each with its verdict; a touch chooses one or takes it back."""

    STEP = N_("Attachments")

    @dataclass
    class Scanned(Message):
        listing: Listing

    @dataclass
    class Copied(Message):
        attached: Attached

    @dataclass
    class CopyFailed(Message):
        key: str
        issue: Issue

    def __init__(self, flow: Flow[InstanciaState], **kwargs: Any) -> None:
        super().__init__(flow, **kwargs)
        self._candidates: list[Candidate] = []
        self._notices: list[Issue] = []
        self._notes: dict[str, Issue] = {}
        self._copying: set[str] = set()

    @property
    def scanner(self) -> StickScanner:
        scanner = self.state.scanner
        if scanner is None:
            settings = self.kiosk.settings.attachments
            scanner = StickScanner(settings.mount_roots)
            sticks = StickRelease(self.app, scanner, settings.eject_command, settings.eject_timeout_seconds)
            self.flow.update(scanner=scanner, sticks=sticks)
            session = self.kiosk.session
            if session is not None:  # card pulled, inactivity, Finish: the sticks are given back too
                session.add_wipe_listener(sticks.session_ended)
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
            self._entries(),
            empty_text=_("No USB stick found, or it has no files. Plug it in, or go on without attachments."),
            id="picker",
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._scan()
        self.set_interval(RESCAN_SECONDS, self._scan, name="rescan")

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan", description="Listing the stick")
    def _scan(self) -> None:
        if self.app.screen is not self:  # a later step is shown: the stick is left alone (or ejected)
            return
        listing = self.scanner.scan_if_idle()  # None while the previous scan still runs: never two at once
        if listing is not None:
            self.post_message(self.Scanned(listing))

    @on(Scanned)
    def _scanned(self, event: Scanned) -> None:
        self._candidates = event.listing.candidates
        self._notices = event.listing.notices
        self._refresh()

    def _summary(self) -> Content:
        attached = self.state.attached
        return plain(
            _("Attached: {count} of {limit} files, {size} in total").format(
                count=len(attached), limit=MAX_FILES, size=human_size(sum(a.size for a in attached))
            )
        )

    def _entries(self) -> list[PickerEntry]:
        attached = self.state.attached
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
            picker.show(self._entries(), "\n".join(describe(n) for n in self._notices))
        for summary in self.query("#attach-summary").results(Static):
            summary.update(self._summary())

    @on(FilePicker.Toggled, "#picker")
    def _toggled(self, event: FilePicker.Toggled) -> None:
        attached = self.state.attached
        taken = next((a for a in attached if a.key == event.key), None)
        if taken is not None:
            self.flow.update(attached=tuple(a for a in attached if a is not taken))
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
        slot = self.state.next_slot
        self.flow.update(next_slot=slot + 1)
        self._copy(candidate, session.temp_dir / "attachments", slot)

    def _pending(self) -> list[Candidate]:
        return [c for c in self._candidates if c.key in self._copying]

    @work(thread=True, exit_on_error=False, group="copy", description="Copying an attachment")
    def _copy(self, candidate: Candidate, folder: Path, slot: int) -> None:
        try:
            attached = copy_into(candidate, folder, slot)
        except AttachmentError as exc:
            self.post_message(self.CopyFailed(candidate.key, exc.issue))
        except Exception as exc:  # never left "copying…" for ever (Next would wait for it): told, and logged
            # The kind only: an OSError's text carries the file's path, and a file name can be a name.
            log.warning("copying an attachment failed (%s)", type(exc).__name__)
            self.post_message(
                self.CopyFailed(
                    candidate.key,
                    Issue(N_("The file could not be read. Choose it again, or bring it on paper.")),
                )
            )
        else:
            self.post_message(self.Copied(attached))

    @on(Copied)
    def _copied(self, event: Copied) -> None:
        self._copying.discard(event.attached.key)
        if self.flow.closed:  # the flow was cancelled while the file was copied
            discard(event.attached)
            return
        self.flow.update(attached=(*self.state.attached, event.attached))
        self._refresh()

    @on(CopyFailed)
    def _copy_failed(self, event: CopyFailed) -> None:
        self._copying.discard(event.key)
        self._notes[event.key] = event.issue
        self._refresh()

    def proceed(self) -> None:
        if self._copying:
            self.kiosk.show_error(_("Please wait: the files are still being copied."))
            return
        super().proceed()
        release_sticks(self.state)


def release_sticks(state: InstanciaState) -> None:
    """The citizen is done with the sticks: eject them and say so (see `StickRelease`)."""
    if state.sticks is not None:
        state.sticks.release()


# ---------------------------------------------------------------------------------------- contact
class ContactStep(StepScreen[InstanciaState]):
    STEP = N_("Contact")
    FIELDS = (CHANNEL, EMAIL, PHONE)
    RULES = (Rule("channel", email_for_electronic, focus="email"),)

    def compose_body(self) -> ComposeResult:
        yield from self.compose_field(CHANNEL)
        with Vertical(id="channel-note"):
            yield Static("", id="channel-error", classes="field-error")
        yield from self.compose_fields((EMAIL, PHONE))


# ---------------------------------------------------------------------------------------- review, result
def fields_of(state: InstanciaState, language: str) -> dict[str, Any]:
    return {
        "subject": normalise_text(state.subject),
        "exposo": normalise_text(state.exposo, multiline=True),
        "solicito": normalise_text(state.solicito, multiline=True),
        "department": state.department,
        "contact": {"email": state.email.strip() or None, "phone": normalise_phone(state.phone) or None},
        "notification_channel": state.channel,
        "language": language,
    }


class InstanciaReview(ReviewStep[InstanciaState]):
    def rows(self) -> Iterable[tuple[str, str]]:
        fields = fields_of(self.state, self.flow.document_language())
        departments = dict(self.state.departments)
        yield N_("Subject"), fields["subject"]
        yield N_("Addressed to"), departments.get(fields["department"], fields["department"])
        yield N_("Exposo"), fields["exposo"]
        yield N_("Sol·licito"), fields["solicito"]
        attached = self.state.attached
        yield N_("Attachments"), "\n".join(f"{a.name} ({human_size(a.size)})" for a in attached) or _("None")
        yield N_("Answer"), _(CHANNELS[fields["notification_channel"]])
        yield N_("Email"), fields["contact"]["email"] or ""
        yield N_("Phone"), fields["contact"]["phone"] or ""


def submit(s: Submission[InstanciaState]) -> InstanciaReceipt:
    fields, attached = fields_of(s.state, s.language), s.state.attached
    key = s.key([fields, [(a.name, a.sha256) for a in attached]])
    return s.backend.submit_instancia(
        s.token or "", fields, [a.copy for a in attached], idempotency_key=key, progress=s.progress
    )


class InstanciaResult(ResultStep[InstanciaState, InstanciaReceipt]):
    def on_mount(self) -> None:
        super().on_mount()
        release_sticks(self.state)  # sent: a stick plugged in again since is given back too

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


def _closing(state: InstanciaState) -> None:
    """Cancelled or finished: the copies go, the sticks are given back."""
    for attached in state.attached:
        discard(attached)
    release_sticks(state)


SPEC = Procedure(
    codes=("instancia_generica",),
    title=N_("Instància genèrica"),
    steps=(SubjectStep, RequestStep, AttachmentsStep, ContactStep, InstanciaReview, InstanciaResult),
    start=fresh(InstanciaState),
    submit=submit,
    closing=_closing,
)
