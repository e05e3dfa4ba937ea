"""The catalogue screen: the backend's procedures grouped by topic and searchable; for each, whether it
needs a digital certificate and whether it can be completed at this kiosk, and for the others what to
bring, where to go and when. When the backend cannot be reached it says so plainly, with "Try again".

Choosing a procedure that can be completed here posts `CatalogueScreen.ProcedureChosen(code)`; the app
decides which flow starts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from contract.v1 import ProcedureOut
from kiosk.backend.client import BackendClient, BackendError
from kiosk.i18n import _, current_language
from kiosk.screens.base import KioskScreen
from kiosk.speech import ReadAgain, ReadPart
from widgets.plain import ShownHighlighter, plain


def _fold(text: str) -> str:
    """Lower case without accents, so that 'volant' finds 'Volant' and 'padro' finds 'Padró'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def matches(procedure: ProcedureOut, query: str) -> bool:
    words = _fold(query).split()
    haystack = _fold(" ".join((procedure.title, procedure.summary, procedure.topic.name)))
    return all(word in haystack for word in words)


class ProcedureButton(Button):
    """An item of the list. Only one item at a time is a Tab stop (the `tab-stop` one: the first, or the
    last one chosen), so Tab leaves the list for the chosen procedure's Start instead of walking every
    item; the arrow keys move through the items (`ProcedureList`)."""

    def allow_focus(self) -> bool:
        return super().allow_focus() and self.has_class("tab-stop")


class ProcedureList(VerticalScroll, can_focus=False):
    """The list of procedures: one Tab stop (its current item, never the container), arrows within. Speech
    says each item's place in it ("item 3 of 28": `spoken_items`, a `kiosk.speech.ItemList`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("home", "move(-1000)", show=False),
        Binding("end", "move(1000)", show=False),
    ]

    def items(self) -> list[ProcedureButton]:
        return list(self.query(ProcedureButton).results(ProcedureButton))

    def spoken_items(self) -> list[ProcedureButton]:
        return self.items()

    def make_stop(self, item: ProcedureButton | None) -> None:
        """`item` (or, with None, the first item) becomes the list's one Tab stop."""
        items = self.items()
        if item is None and items:
            item = items[0]
        for other in items:
            other.set_class(other is item, "tab-stop")

    def action_move(self, by: int) -> None:
        items = self.items()
        current = next((i for i, item in enumerate(items) if item.has_class("tab-stop")), 0)
        if not items:
            return
        target = items[max(0, min(len(items) - 1, current + by))]
        self.make_stop(target)
        target.focus()


class DetailPane(VerticalScroll):
    """The chosen procedure's detail. A Tab stop only when it has no Start button and is longer than the
    screen (so that what to bring, where and when can be scrolled by keyboard)."""

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0 and not self.query("#catalogue-start")


class CatalogueScreen(KioskScreen):
    CSS_PATH = Path(__file__).parent / "catalogue.tcss"

    @dataclass
    class Loaded(Message):
        procedures: list[ProcedureOut]

    @dataclass
    class Failed(Message):
        message: str

    @dataclass
    class ProcedureChosen(Message):
        """The citizen chose a procedure that this kiosk completes (the app starts its flow); whether it
        needs a certificate login is the catalogue's word (asked for the card when not said)."""

        procedure_code: str
        needs_certificate: bool = True

    def __init__(self) -> None:
        super().__init__()
        self.procedures: list[ProcedureOut] = []
        self.selected: ProcedureOut | None = None

    def compose(self) -> ComposeResult:
        yield Label(_("What would you like to do?"), id="catalogue-title")
        yield Input(
            placeholder=_("Search a procedure (e.g. volant, deixalleria)"),
            id="catalogue-search",
            highlighter=ShownHighlighter(),  # a pasted ESC is drawn as a placeholder, never sent as it is
        )
        with Horizontal(id="catalogue-body"):
            yield ProcedureList(LoadingIndicator(), id="catalogue-list")
            yield DetailPane(id="catalogue-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    # --- loading -----------------------------------------------------------------------------------

    def _client(self) -> BackendClient:
        return self.kiosk.backend

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="catalogue", description="Loading catalogue"
    )
    def load(self) -> None:
        client = self._client()
        try:
            procedures = client.catalogue(current_language())
        except BackendError:
            self.post_message(
                self.Failed(
                    _(
                        "The City Council's services cannot be reached right now, so the list of "
                        "procedures cannot be shown. Please try again in a few minutes, or ask at the "
                        "Citizen Service Office."
                    )
                )
            )
            return
        self.post_message(self.Loaded(procedures))

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        self.procedures = message.procedures
        await self._show_list(self.query_one("#catalogue-search", Input).value)
        self.post_message(ReadAgain())  # the screen was read before the list came: read it with the list

    @on(Failed)
    async def _failed(self, message: Failed) -> None:
        listing = self.query_one("#catalogue-list", VerticalScroll)
        await listing.remove_children()
        await listing.mount(
            Static(plain(message.message), id="catalogue-message"),
            Button(_("Try again"), id="catalogue-retry", variant="primary", classes="big"),
        )
        await self.query_one("#catalogue-detail", VerticalScroll).remove_children()

    @on(Button.Pressed, "#catalogue-retry")
    async def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        listing = self.query_one("#catalogue-list", VerticalScroll)
        await listing.remove_children()
        await listing.mount(LoadingIndicator())
        self.load()

    # --- list, search and detail -------------------------------------------------------------------

    @on(Input.Changed, "#catalogue-search")
    async def _search(self, event: Input.Changed) -> None:
        if self.procedures:
            await self._show_list(event.value)

    async def _show_list(self, query: str) -> None:
        listing = self.query_one("#catalogue-list", ProcedureList)
        await listing.remove_children()
        shown = [p for p in self.procedures if matches(p, query)]
        if not shown:
            await listing.mount(
                Static(
                    _("No procedure matches your search. Try another word, or ask at the counter."),
                    id="catalogue-message",
                )
            )
            return
        widgets: list[Label | ProcedureButton] = []
        topic = None
        for procedure in shown:
            if procedure.topic.code != topic:
                topic = procedure.topic.code
                widgets.append(Label(plain(procedure.topic.name), classes="topic-heading"))
            marker = "▶ " if procedure.completable_here else "ⓘ "
            chosen = self.selected is not None and self.selected.code == procedure.code
            widgets.append(
                ProcedureButton(
                    plain(marker + procedure.title),
                    id=f"proc-{procedure.code}",
                    classes="procedure tab-stop" if chosen else "procedure",
                )
            )
        await listing.mount_all(widgets)
        if not listing.query(".tab-stop"):
            listing.make_stop(None)

    @on(Button.Pressed, ".procedure")
    async def _selected(self, event: Button.Pressed) -> None:
        event.stop()
        code = (event.button.id or "").removeprefix("proc-")
        procedure = next((p for p in self.procedures if p.code == code), None)
        if isinstance(event.button, ProcedureButton):
            self.query_one("#catalogue-list", ProcedureList).make_stop(event.button)
        if procedure is not None:
            await self.show_detail(procedure)
            # Said to who listens: whether it can be done here, or what to bring and where to go.
            self.post_message(ReadPart(self.query_one("#catalogue-detail")))

    async def show_detail(self, procedure: ProcedureOut) -> None:
        self.selected = procedure
        detail = self.query_one("#catalogue-detail", VerticalScroll)
        await detail.remove_children()
        parts: list[Static | Label | Button] = [
            Label(plain(procedure.title), classes="detail-title"),
            Static(plain(procedure.summary, lines=True)),
        ]
        if procedure.needs_certificate:
            parts.append(
                Static(
                    _("You need your DNIe or another digital certificate card."), classes="badge-certificate"
                )
            )
        else:
            parts.append(Static(_("No digital certificate needed."), classes="badge-certificate"))
        if procedure.needs_certificate and procedure.accepts:  # the catalogue says which identification
            phone = "handoff" in procedure.accepts
            badge = _("Or with your phone: idCAT Mòbil or Cl@ve.") if phone else _("Not with the phone.")
            parts.append(Static(plain(badge), classes="badge-certificate"))
        if procedure.completable_here:
            parts.append(Static(_("You can complete it here, at this kiosk."), classes="badge-here"))
            parts.append(Button(_("Start"), id="catalogue-start", variant="success", classes="big"))
        else:
            parts.append(Static(_("It cannot be completed at this kiosk."), classes="badge-elsewhere"))
            if procedure.what_to_bring:
                parts.append(Label(_("What to bring"), classes="detail-heading"))
                parts.extend(Static(plain(f"• {item}")) for item in procedure.what_to_bring)
            if procedure.where_to_go:
                parts.append(Label(_("Where to go"), classes="detail-heading"))
                parts.append(Static(plain(procedure.where_to_go, lines=True)))
            if procedure.hours:
                parts.append(Label(_("Opening hours"), classes="detail-heading"))
                parts.append(Static(plain(procedure.hours, lines=True)))
        await detail.mount_all(parts)
        detail.scroll_home(animate=False)

    @on(Button.Pressed, "#catalogue-start")
    def _start(self, event: Button.Pressed) -> None:
        event.stop()
        if self.selected is not None and self.selected.completable_here:
            self.post_message(self.ProcedureChosen(self.selected.code, self.selected.needs_certificate))
