"""Text that looks like markup, typed by a citizen or answered by the backend, is shown as text and never
run: on the real stack (reference backend with hostile rows in its database, pcscd with a test card,
CUPS), each string is typed into every text field of every procedure, or put where the backend answers
it (catalogue, departments, padró address, deixalleria centres, error messages), then the text is
touched where it is shown. The kiosk must still run, no file may be written, and the text must show
exactly as it was written.

`[@click=app.quit]` would end the kiosk with the session not wiped, `[@click=app.screenshot(...)]` would
write an SVG over any file the kiosk user can write, and `[/]` or `[b]x[/i]` would crash it
(`MarkupError`).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static, TextArea

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from devstack.pcsc import PcscInfo
from kiosk.app import KioskApp
from kiosk.catalogue import CatalogueScreen
from kiosk.procedures.bustia import BustiaResult, BustiaReview, ContactStep, MessageStep
from kiosk.procedures.deixalleria import SummaryStep
from kiosk.procedures.identify_weak import WeakIdentifyStep
from kiosk.procedures.instancia import (
    AttachmentsStep,
    InstanciaResult,
    InstanciaReview,
    RequestStep,
    SubjectStep,
)
from kiosk.procedures.instancia import ContactStep as InstanciaContact
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from kiosk.screens.error import ErrorModal
from testcards.control import TestCardControl
from tests.e2e.procedures.helpers import (
    WEAK_FIELDS,
    Backend,
    CardStack,
    begin,
    begin_with_card,
    bustia_message,
    card_trusting_backend,
    db_rows,
    kiosk_app,
    launch,
    next_step,
    type_weak_identity,
)
from tests.harness import Driver, drive

pytestmark = pytest.mark.timeout(240)

#: Big enough for every review row to be on screen without scrolling.
SIZE = (120, 50)
QUIT = "[@click=app.quit]TOCA AQUI[/]"
CLOSE_ALL = "[/]"
MISMATCH = "[b]x[/i]"
#: What a touch would run if these were markup: the visible part of each.
QUIT_SHOWS = "TOCA AQUI"
SHOT_SHOWS = "FES CLIC"
#: Demo data: the holder of the dnie3-valid test card (also known to the padró by these details).
CARMEN = ("12345678Z", "15/04/1980", "08301")


def screenshot(folder: Path) -> str:
    """Markup that, run, writes an SVG named config.toml into `folder`."""
    return f"[@click=app.screenshot('config.toml','{folder}')]{SHOT_SHOWS}[/]"


def all_of(folder: Path) -> str:
    """Every hostile string in one line (for fields typed once per test)."""
    return f"{QUIT} {screenshot(folder)} {CLOSE_ALL} {MISMATCH}"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "shots"
    folder.mkdir()
    return folder


def flow_state(app: KioskApp) -> Any:
    screen: Any = app.screen
    return screen.flow.state


def shown_values(app: KioskApp, selector: str = ".review-value") -> list[str]:
    """The texts of the current screen's Statics matching `selector`, whole (also when wrapped)."""
    return [str(w.content) for w in app.screen.query(selector).results(Static)]


async def touch_text(driver: Driver, visible: str) -> bool:
    """Touch the screen where `visible` is drawn (on its second cell); False if it is not drawn."""
    if visible not in driver.text():
        return False
    x, y = driver.where(visible)
    await driver.click(offset=(x + 1, y))
    await driver.pause(0.2)
    return True


async def touch_everything(driver: Driver, app: KioskApp, shots: Path) -> None:
    """Touch each hostile text where it shows; the kiosk still runs and wrote nothing."""
    for visible in (QUIT_SHOWS, SHOT_SHOWS):
        await touch_text(driver, visible)
        assert app.is_running and app.return_code is None, f"touching {visible!r} ended the kiosk"
    assert list(shots.iterdir()) == [], "a touch wrote a file"


def assert_still_here(app: KioskApp, shots: Path) -> None:
    assert app.is_running and app.return_code is None
    assert app.session is not None  # not ended, not wiped behind the citizen's back
    assert list(shots.iterdir()) == []


# ------------------------------------------------------------------------------------------- backends
def _hostile_rows(info: BackendInfo, folder: Path) -> None:
    """Put markup in the rows the kiosk shows: catalogue, topics, departments, Carmen's address and
    deixalleria visits."""
    first = db_rows(
        info,
        "select p.code from procedures p join topics t on t.code = p.topic "
        "order by t.position, p.position limit 1",
    )[0].code
    elsewhere = db_rows(
        info,
        "select p.code from procedures p join topics t on t.code = p.topic where not p.completable_here "
        "order by t.position, p.position limit 1",
    )[0].code
    topic = db_rows(info, "select code from topics order by position limit 1")[0].code
    statements = [
        ("update procedure_texts set title = :v where code = :c", {"v": QUIT, "c": first}),
        (
            "update procedure_texts set title = :t, summary = :s, what_to_bring = :w, where_to_go = :g, "
            "hours = :h where code = :c",
            {
                "t": f"Llicència {MISMATCH}",
                "s": screenshot(folder),
                "w": json.dumps([CLOSE_ALL, QUIT]),
                "g": MISMATCH,
                "h": CLOSE_ALL,
                "c": elsewhere,
            },
        ),
        (
            "update topics set name_ca = :v, name_es = :v, name_en = :v where code = :c",
            {"v": CLOSE_ALL, "c": topic},
        ),
    ]
    departments = [QUIT, screenshot(folder), CLOSE_ALL, MISMATCH]
    codes = [r.code for r in db_rows(info, "select code from departments order by position")]
    for code, name in zip(codes, departments * len(codes), strict=False):
        statements.append(
            (
                "update departments set name_ca = :v, name_es = :v, name_en = :v where code = :c",
                {"v": name, "c": code},
            )
        )
    statements += [
        (
            "update addresses set street = :v where id in (select r.address_id from registrations r "
            "join people p on p.id = r.person_id where p.id_number = :id)",
            {"v": QUIT, "id": CARMEN[0]},
        ),
        (
            "update deixalleria_visits set centre = :v where card_number in "
            "(select number from deixalleria_cards where id_number = :id)",
            {"v": f"{QUIT} {CLOSE_ALL}", "id": CARMEN[0]},
        ),
    ]
    from sqlalchemy import create_engine, text

    engine = create_engine(info.database_url)
    try:
        with engine.begin() as connection:
            for sql, params in statements:
                connection.execute(text(sql), params)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the backend's screenshot markup points (checked empty by the tests that show it)."""
    return tmp_path_factory.mktemp("hostile-shots")


@pytest.fixture(scope="module")
def hostile_backend(pcsc_stack: PcscInfo, hostile_folder: Path) -> Iterator[BackendInfo]:
    """The reference backend, trusting the test cards, with markup in the rows the kiosk shows."""
    with card_trusting_backend(pcsc_stack) as info:
        _hostile_rows(info, hostile_folder)
        yield info


@pytest.fixture
def hostile_cards(
    pcsc_stack: PcscInfo, testcards: TestCardControl, hostile_backend: BackendInfo
) -> CardStack:
    """The test cards, and the hostile backend that trusts them."""
    return CardStack(pcsc_stack, hostile_backend)


class _RefusingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with a refusal whose message is markup (what a broken or hostile backend,
    or anything in between, could send)."""

    message = QUIT + " " + CLOSE_ALL

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"code": "invalid_request", "message": self.message}).encode()
        self.send_response(422)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _refuse

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass(frozen=True)
class _Refusing:
    """Where the refusing server listens, as a kiosk is configured to reach its backend."""

    url: str
    kiosk_id: str = "mataro-demo-01"
    kiosk_key: str = "k" * 32


@pytest.fixture
def refusing_backend() -> Iterator[Backend]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="refusing-backend")
    thread.start()
    try:
        yield _Refusing(url=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------------- typed
@pytest.mark.parametrize("which", ["quit", "screenshot", "close_all", "mismatch"])
async def test_bustia_topic_and_message(
    which: str, tmp_path: Path, shots: Path, backend_server: BackendInfo, cups_stack: CupsInfo
) -> None:
    hostile = {"quit": QUIT, "screenshot": screenshot(shots), "close_all": CLOSE_ALL, "mismatch": MISMATCH}[
        which
    ]
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await driver.type(hostile, into="#f-topic")
        await driver.paste(f"{hostile}\n{hostile}", into="#f-text")
        typed = app.screen.query_one("#f-text", TextArea).text.strip()
        await next_step(driver, ContactStep)
        await next_step(driver, BustiaReview)
        values = shown_values(app)
        assert hostile in values and typed in values and f"{hostile}\n{hostile}" in typed
        if len(hostile) < 40:
            assert hostile in driver.text()
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
        result = await next_step(driver, BustiaResult, timeout=20)
        assert result.document.topic == hostile
        assert hostile in shown_values(app)
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
    rows = db_rows(
        backend_server,
        "select text from bustia_messages where reference = :r",
        r=result.document.reference,
    )
    assert [r.text for r in rows] == [typed]


async def test_contact_fields(tmp_path: Path, shots: Path, backend_server: BackendInfo) -> None:
    hostile = all_of(shots)
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "bustia", MessageStep)
        await bustia_message(driver, "Fanals", "Més llum, si us plau.")
        await driver.type(hostile, into="#f-email")
        await driver.type(hostile, into="#f-phone")
        await driver.click("#step-next")
        await driver.pause()
        assert isinstance(app.screen, ContactStep)  # refused: not an email, not a phone number
        assert app.screen.query_one("#f-email", Input).value == hostile
        assert app.screen.query_one("#f-phone", Input).value == hostile
        assert shown_values(app, "#e-email")[0] and shown_values(app, "#e-phone")[0]
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)


async def test_weak_identification_fields(tmp_path: Path, shots: Path, backend_server: BackendInfo) -> None:
    hostile = all_of(shots)
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "deixalleria_consulta", WeakIdentifyStep)
        for field in WEAK_FIELDS:
            app.screen.query_one(field).focus()
            await driver.pause()
            await driver.press(*hostile)
            await driver.pause()
        # What each field lets through of it (letters, digits and a few signs), never a bracket.
        values = [app.screen.query_one(f, Input).value for f in ("#f-weak_id_number", "#f-weak_birth_date")]
        assert values[0] and not any(c in "".join(values) for c in "[]@=(',)")
        await driver.click("#step-next")
        await driver.wait_for(lambda: any(shown_values(app, "#e-weak_id_number")), what="the field's error")
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)


async def test_instancia_fields_and_departments(
    tmp_path: Path, shots: Path, hostile_folder: Path, hostile_cards: CardStack, cups_stack: CupsInfo
) -> None:
    app = hostile_cards.app(tmp_path, cups_stack, mount_roots=[tmp_path / "no-stick"])
    subject = f"{QUIT} {CLOSE_ALL}"
    exposo = f"{screenshot(shots)}\n{MISMATCH}"
    solicito = f"{CLOSE_ALL}\n{QUIT}"
    async with drive(app, size=SIZE) as driver:
        await begin_with_card(driver, hostile_cards.pcsc, "instancia_generica", SubjectStep)
        await driver.type(subject, into="#f-subject")
        await driver.wait_for(lambda: bool(flow_state(app).departments), what="the departments")
        departments = dict(flow_state(app).departments)
        assert QUIT in departments.values() and CLOSE_ALL in departments.values()
        app.screen.query_one("#department").focus()
        await driver.press("enter")
        await driver.pause(0.3)
        # The list of departments is open: every name is shown as written.
        assert QUIT in driver.text() and MISMATCH in driver.text()
        await touch_everything(driver, app, hostile_folder)
        if app.screen.query_one("#department", Select).expanded:  # a touch may have chosen one
            await driver.press("escape")
            await driver.pause()
        assert isinstance(app.screen, SubjectStep)
        app.screen.query_one("#department").focus()
        await driver.press("enter", "down", "down", "enter")
        await driver.wait_for(lambda: bool(flow_state(app).department), what="a department chosen")
        chosen = departments[flow_state(app).department]
        assert chosen in (QUIT, screenshot(hostile_folder), CLOSE_ALL, MISMATCH)
        await touch_everything(driver, app, hostile_folder)
        await next_step(driver, RequestStep)
        await driver.paste(exposo, into="#f-exposo")
        await driver.paste(solicito, into="#f-solicito")
        # What the fields hold (the pasted text, whole; the review shows it as it is).
        exposo = app.screen.query_one("#f-exposo", TextArea).text.strip()
        solicito = app.screen.query_one("#f-solicito", TextArea).text.strip()
        await next_step(driver, AttachmentsStep)
        await next_step(driver, InstanciaContact)
        await next_step(driver, InstanciaReview)
        values = shown_values(app)
        assert subject in values and exposo in values and solicito in values and chosen in values
        assert subject in driver.text()
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
        result = await next_step(driver, InstanciaResult, timeout=30)
        values = shown_values(app)
        assert result.document.subject == subject and subject in values and chosen in values
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
        assert list(hostile_folder.iterdir()) == []


# ------------------------------------------------------------------------------------------- answered
async def test_catalogue_titles_topics_and_details(
    tmp_path: Path, hostile_folder: Path, hostile_backend: BackendInfo
) -> None:
    app = kiosk_app(tmp_path, hostile_backend)
    async with drive(app, size=SIZE) as driver:
        app.start_visit()
        await driver.wait_screen(CatalogueScreen)
        await driver.wait_for(lambda: bool(app.screen.query(".procedure")), what="the catalogue")
        await driver.pause()
        text = driver.text()
        assert f"▶ {QUIT}" in text and CLOSE_ALL in text and f"Llicència {MISMATCH}" in text
        # The procedure button whose title is markup: touched, it shows its detail, nothing more.
        await touch_text(driver, QUIT_SHOWS)
        await driver.wait_for(lambda: bool(app.screen.query("#catalogue-start")), what="the detail")
        assert QUIT in shown_values(app, ".detail-title") or QUIT in driver.text()
        await touch_everything(driver, app, hostile_folder)
        await touch_text(driver, f"Llicència {MISMATCH}")
        await driver.wait_for(lambda: bool(app.screen.query(".detail-heading")), what="the other detail")
        text = driver.text()
        assert f"• {CLOSE_ALL}" in text and f"• {QUIT}" in text and MISMATCH in text
        assert screenshot(hostile_folder) in [
            str(w.content) for w in app.screen.query("#catalogue-detail Static").results(Static)
        ]
        await touch_everything(driver, app, hostile_folder)
        assert app.is_running and list(hostile_folder.iterdir()) == []


async def test_padro_address(
    tmp_path: Path, shots: Path, hostile_cards: CardStack, cups_stack: CupsInfo
) -> None:
    app = hostile_cards.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        step = await begin_with_card(driver, hostile_cards.pcsc, "volant_individual", RegistrationStep)
        await driver.wait_for(lambda: step.state.registration is not None, what="the registration")
        await driver.pause()
        assert QUIT in driver.text()
        await touch_everything(driver, app, shots)
        await next_step(driver, DocumentStep)
        await next_step(driver, PadroReview)
        assert any(v.startswith(QUIT) for v in shown_values(app))
        await touch_everything(driver, app, shots)
        await next_step(driver, PadroResult, timeout=30)
        assert any(v.startswith(QUIT) for v in shown_values(app))
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)


async def test_deixalleria_centres(tmp_path: Path, shots: Path, hostile_backend: BackendInfo) -> None:
    app = kiosk_app(tmp_path, hostile_backend)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "deixalleria_consulta", WeakIdentifyStep)
        await type_weak_identity(driver, CARMEN)
        await next_step(driver, SummaryStep, timeout=20)
        await driver.wait_for(lambda: bool(app.screen.query(".visit")), what="the visits")
        visits = shown_values(app, ".visit")
        assert visits and all(f"{QUIT} {CLOSE_ALL}" in v for v in visits)
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)


async def test_backend_error_messages(tmp_path: Path, shots: Path, refusing_backend: Backend) -> None:
    message = _RefusingHandler.message
    app = kiosk_app(tmp_path, refusing_backend)
    async with drive(app, size=SIZE) as driver:
        # A refused submission: the backend's message in the error modal.
        await begin(driver, "bustia", MessageStep)
        await bustia_message(driver, "Fanals", "Més llum.")
        await next_step(driver, BustiaReview)
        await next_step(driver, ErrorModal, timeout=20)
        assert shown_values(app, "#error-message") == [message]
        assert message in driver.text()
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
        await driver.click("#error-ok")
        await driver.wait_screen(BustiaReview)
        await driver.click("#step-cancel")
        # A refused weak identification: the message under the fields.
        assert launch(app, "deixalleria_consulta")
        await driver.wait_screen(WeakIdentifyStep)
        await type_weak_identity(driver, CARMEN)
        await driver.click("#step-next")
        await driver.wait_for(lambda: shown_values(app, "#weak-status") == [message], what="the refusal")
        assert message in driver.text()
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
        await driver.click("#step-cancel")
        # Departments refused: the flow ends with the message.
        assert app.session is not None
        app.session.token = "not-a-real-token"
        app.session.scope = "full"
        assert launch(app, "instancia_generica")
        await driver.wait_screen(ErrorModal, timeout=20)
        assert shown_values(app, "#error-message") == [message]
        await touch_everything(driver, app, shots)
        assert_still_here(app, shots)
