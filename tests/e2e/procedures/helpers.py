"""The kiosks of the procedure tests (real backend, printer, cards) and what the flows share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, text
from textual.screen import Screen

from devstack import backend as backend_stack
from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from devstack.pcsc import PcscInfo
from kiosk import procedures
from kiosk.app import KioskApp
from kiosk.procedures.frame import StepScreen
from municipal.catalogue_data import PROCEDURES
from tests.fixtures.app import make_settings
from tests.harness import TIMEOUT, Driver, S, make_app

SIZE = (80, 24)
#: A reader name no reader has.
NO_READER = "no-reader-for-this-test"
#: The codes the reference catalogue marks as needing a certificate login.
CERTIFICATE_CODES = frozenset(code for code, _topic, certificate, *_ in PROCEDURES if certificate)


def launch(app: KioskApp, code: str) -> bool:
    """Start a procedure as the catalogue screen does, with the reference catalogue's needs_certificate."""
    return procedures.launch(app, code, needs_certificate=code in CERTIFICATE_CODES)


async def new_visit(driver: Driver) -> None:
    """A citizen's visit begins (the catalogue screen), as a touch on the attract screen does."""
    driver.app.start_visit()
    await driver.pause()


async def begin(driver: Driver, code: str, first: type[S], timeout: float = TIMEOUT) -> S:
    """A new visit and the procedure `code` started in it; the procedure's first screen, once shown."""
    await new_visit(driver)
    assert launch(driver.app, code)
    return await driver.wait_screen(first, timeout)


class Backend(Protocol):
    """What a kiosk needs to know of the backend it talks to (a `BackendInfo`, or a test's own server)."""

    @property
    def url(self) -> str: ...
    @property
    def kiosk_id(self) -> str: ...
    @property
    def kiosk_key(self) -> str: ...


@contextmanager
def card_trusting_backend(pcsc: PcscInfo) -> Iterator[BackendInfo]:
    """The reference backend, in training mode, trusting the test cards' CAs and reading their CRLs."""
    with backend_stack.running(
        trust_anchors=pcsc.cards.ca_dir, crls=pcsc.cards.crl_dir, training=True
    ) as info:
        yield info


def kiosk_app(
    tmp_path: Path, server: Backend, cups: CupsInfo | None = None, **overrides: dict[str, Any]
) -> KioskApp:
    """A kiosk in training mode talking to `server`, printing on `cups`'s `file:` queue (or, without
    `cups`, into the folder `tmp_path/printed`)."""
    # The PC/SC readers are machine-wide: a test that uses no card watches no reader, so a card another
    # test inserts never starts a login here.
    overrides.setdefault("eid", {"readers": [NO_READER]})
    if cups is not None:
        overrides.setdefault(
            "printer",
            {"kind": "cups", "name": cups.file_queue, "cups_server": cups.server, "timeout_seconds": 30},
        )
    backend = {"url": server.url, "kiosk_key": server.kiosk_key, "connect_timeout_seconds": 1.0,
               "read_timeout_seconds": 10.0, "retries": 0}  # fmt: skip
    backend.update(overrides.pop("backend", {}))
    kiosk = {"id": server.kiosk_id, **overrides.pop("kiosk", {})}
    settings = make_settings(tmp_path, backend=backend, kiosk=kiosk, **overrides)
    return make_app(settings)


def offline_app(tmp_path: Path, reader: str = NO_READER) -> KioskApp:
    """A kiosk with the default settings (no backend running behind them) that watches no card reader:
    for screens that need neither, such as a procedure's first step."""
    return make_app(make_settings(tmp_path, eid={"readers": [reader]}), watch_cards=False)


def db_rows(server: BackendInfo, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


async def next_step(driver: Driver, kind: type[S], timeout: float = TIMEOUT) -> S:
    """Touch the step's Next; the screen it leads to, once it is a `kind`."""
    await driver.click("#step-next")
    return await driver.wait_screen(kind, timeout)


async def print_and_continue(driver: Driver, cups: CupsInfo | None = None) -> str:
    """Press Print on a result screen, wait for the paper, continue; the printed text (file: queue)."""
    if cups is not None:
        # Emptied, never deleted: cupsd does not create a file: queue's output again (devstack.cups).
        cups.reset_file_queue()
    result = driver.app.screen
    await driver.click("#step-next")
    return await printed(driver, result, cups)


async def printed(driver: Driver, result: Screen[Any], cups: CupsInfo | None = None) -> str:
    """The print screen over `result` (Print pressed, or printing by itself): wait for the paper,
    continue; the printed text (file: queue; empty it before the print starts)."""
    from kiosk.printstep import PrintScreen
    from tests.unit.printing import pdftools

    await driver.wait_screen(PrintScreen, timeout=20)

    def ended() -> bool:
        done = driver.app.screen.query("#print-done")
        return bool(done) and bool(done.first().display)

    await driver.wait_for(ended, timeout=40, what="the print to end")
    await driver.click("#print-done")
    await driver.wait_for(lambda: driver.app.screen is result, what="the result screen again")
    if cups is None:
        return ""
    await driver.wait_for(
        lambda: cups.file_output.exists() and cups.file_output.stat().st_size > 0, what="the PDF"
    )
    return " ".join(pdftools.text(cups.file_output).split())


PIN = "Prova2026"
#: The procedure tests use the second virtual reader (others' tests mostly use the first; pcscd is shared).
READER_INDEX = 1


async def card_in(driver: Driver, pcsc: PcscInfo, card: str = "dnie3-valid") -> None:
    """Insert a test card into the procedure tests' reader; wait for the login screen and its PIN pad."""
    from kiosk.login import LoginScreen

    pcsc.control.insert(card, reader=READER_INDEX)
    await driver.wait_screen(LoginScreen, timeout=20)
    await driver.wait_for(lambda: bool(driver.app.screen.query("PinPad")), timeout=20, what="the PIN pad")


async def card_login(driver: Driver, pcsc: PcscInfo, card: str = "dnie3-valid", pin: str = PIN) -> None:
    """Insert a test card, type its PIN on the login screen, and wait until the login screen is gone."""
    from kiosk.login import LoginScreen

    await card_in(driver, pcsc, card)
    await driver.press(*pin)
    await driver.press("enter")
    await driver.wait_for(
        lambda: not isinstance(driver.app.screen, LoginScreen), timeout=30, what="the login to end"
    )


def card_app(
    tmp_path: Path,
    server: BackendInfo,
    pcsc: PcscInfo,
    cups: CupsInfo | None = None,
    mount_roots: list[Path] | None = None,
) -> KioskApp:
    """A kiosk that watches one virtual reader and reads the test cards."""
    reader = pcsc.readers[READER_INDEX]
    if mount_roots is not None:
        return kiosk_app(
            tmp_path,
            server,
            cups,
            eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [reader]},
            attachments={"mount_roots": [str(p) for p in mount_roots]},
        )
    return kiosk_app(
        tmp_path, server, cups, eid={"pkcs11_module": str(pcsc.pkcs11_module), "readers": [reader]}
    )


@dataclass(frozen=True)
class CardStack:
    """The virtual readers with the test cards (emptied, PIN counters reset after each test: the
    `testcards` fixture) and a backend that trusts the cards."""

    pcsc: PcscInfo
    backend: BackendInfo

    def app(
        self, tmp_path: Path, cups: CupsInfo | None = None, mount_roots: list[Path] | None = None
    ) -> KioskApp:
        """`card_app` on this stack."""
        return card_app(tmp_path, self.backend, self.pcsc, cups, mount_roots)


async def begin_with_card(
    driver: Driver, pcsc: PcscInfo, code: str, first: type[S], card: str = "dnie3-valid"
) -> S:
    """`begin` for a procedure that needs a certificate login: the insert-card screen, the test card and
    its PIN, then the procedure's first step."""
    from kiosk.procedures.identify import InsertCardScreen

    await begin(driver, code, InsertCardScreen)
    await card_login(driver, pcsc, card)
    return await driver.wait_screen(first, timeout=20)


async def begin_after_login(
    driver: Driver, pcsc: PcscInfo, code: str, first: type[S], timeout: float = TIMEOUT
) -> S:
    """The card first, then the procedure: a new visit, a card login on the catalogue (a certificate
    login, checked), then `code` started; its first step, once shown."""
    from kiosk.procedures import has_certificate_login

    await new_visit(driver)
    await card_login(driver, pcsc)
    assert has_certificate_login(driver.app.session)
    assert launch(driver.app, code)
    return await driver.wait_screen(first, timeout)


#: The fields of the weak identification (ID number, birth date, postal code), in their order on screen.
WEAK_FIELDS = ("#f-weak_id_number", "#f-weak_birth_date", "#f-weak_postal_code")


async def type_weak_identity(driver: Driver, who: tuple[str, str, str]) -> None:
    """Type an ID number, a birth date and a postal code into the weak identification's fields."""
    for value, field in zip(who, WEAK_FIELDS, strict=True):
        await driver.type(value, into=field)


async def bustia_message(driver: Driver, topic: str, text: str, kind: str | None = None) -> None:
    """The bústia's first step filled in (a topic typed, a text pasted, optionally its kind chosen) and
    passed: the contact step is shown."""
    from kiosk.procedures.bustia import ContactStep

    await driver.type(topic, into="#f-topic")
    await driver.paste(text, into="#f-text")
    if kind is not None:
        await driver.click(f"#kind-{kind}")
    await driver.click("#step-next")
    await driver.wait_screen(ContactStep)


async def pick(driver: Driver, step: StepScreen[Any], name: str, options: str, downs: int) -> str:
    """Open the pick-list `name` of `step` once its options (the state attribute `options`) came, and take
    the `downs`-th one down, as a citizen would with the keyboard; the chosen code."""
    await driver.wait_for(lambda: bool(getattr(step.state, options)), what=f"the {options}")
    step.query_one(f"#{name}").focus()
    await driver.press("enter", *(["down"] * downs), "enter")
    await driver.wait_for(lambda: getattr(step.state, name) is not None, what=f"a {name} chosen")
    chosen: str = getattr(step.state, name)
    return chosen
