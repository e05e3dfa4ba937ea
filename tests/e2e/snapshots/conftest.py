"""Golden screens: fixtures and helpers for the SVG snapshots of tests/e2e/snapshots.

Every screen is shot at 120x40 and at 80x24 within one run of the app (`Shots.take`: the terminal is
resized, the screen exported, and the SVG compared with its file in `__snapshots__/`), so a procedure is
driven once for both sizes. What makes the screens the same on every run:

- the reference backend with its demo data, its clock pinned at `PINNED_NOW` and its CSV codes counted
  from 1 (`pinned/sitecustomize.py`, loaded by that backend's process only), one backend per test so
  registry numbers never depend on which tests ran before;
- certificates with fixed dates and serial numbers (`certificate()`), a fixed kiosk id and key, the
  settings shown as coming from `/etc/ovac/config.toml`;
- no animation (`animation_level = "none"`: the loading indicator is a still text) and no blinking
  cursor (`cursor_blink = False` on every field before each shot).

Regenerate deliberately: `.venv/bin/pytest tests/e2e/snapshots --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pytest_textual_snapshot import SVGImageExtension  # type: ignore[import-untyped]
from syrupy.assertion import SnapshotAssertion
from textual.pilot import Pilot
from textual.screen import Screen

import municipal.timeutil
from devstack import backend
from devstack.backend import BackendInfo
from eid.errors import PinLocked, TokenNotFound, WrongPin
from eid.token import CardCertificate, CardToken
from kiosk.app import KioskApp
from kiosk.backend.client import BackendClient
from printing.printers import Printer, PrintOutcome, PrintProgress, PrintStatus
from tests.fixtures.app import make_settings
from tests.fixtures.backend import TestCA
from tests.harness import Driver, make_app

HERE = Path(__file__).parent
#: The backend's clock for every golden screen (a Monday morning in Mataró, 10:00 local time).
PINNED_NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: Shot in this order; the last size stays, and the tests drive the app at it.
SIZES = ((120, 40), (80, 24))
KIOSK_ID = "kiosk-snapshots"
#: The verification address printed and shown with a CSV (the backend's own has a random port).
PUBLIC_BASE_URL = "https://seu.mataro.example"
KIOSK_KEY = "snapshot-kiosk-key-not-secret-0001"
#: The config path the staff menu shows (the real file is in the test's temp folder).
SHOWN_CONFIG = Path("/etc/ovac/config.toml")
#: A reader name no reader has: the snapshot apps never watch the machine's readers.
NO_READER = "no-reader-for-the-snapshots"

S = TypeVar("S", bound=Screen[Any])


# ------------------------------------------------------------------------------------------- shots
class Shots:
    """The golden screens of one test: `await shots.take(driver, "name")` shoots the current screen at
    every size of `SIZES`; `shots.check()` (at the end) fails listing every screen that changed."""

    def __init__(self, snapshot: SnapshotAssertion) -> None:
        self._snapshot = snapshot.use_extension(SVGImageExtension)
        self.changed: list[str] = []
        self.taken: list[str] = []

    async def take(self, driver: Driver, name: str) -> None:
        pilot, app = driver.pilot, driver.app
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            svg = app.export_screenshot(title="OVAC")
            shot = f"{name}-{width}x{height}"
            self.taken.append(shot)
            if not self._snapshot(name=shot) == svg:
                self.changed.append(shot)

    async def next(
        self, driver: Driver, step: type[S], name: str = "", *, showing: str | Callable[[S], str] = ""
    ) -> S:
        """Touch Next and wait for the screen `step` and the text it is `showing` (or that
        `showing(screen)` gives); then shoot it as `name`, if named."""
        await driver.click("#step-next")
        screen = await driver.wait_screen(step)
        text = showing(screen) if callable(showing) else showing
        if text:
            await driver.wait_for(text)
        if name:
            await self.take(driver, name)
        return screen

    def check(self) -> None:
        assert not self.changed, f"golden screens that changed: {self.changed}"


async def settle(pilot: Pilot[Any]) -> None:
    """Let layout and pending messages finish, with every cursor still."""
    app = pilot.app
    app.animation_level = "none"
    for _ in range(2):
        await pilot.pause()
        for widget in app.screen.query("*"):
            if getattr(widget, "cursor_blink", False):
                widget.cursor_blink = False  # type: ignore[attr-defined]
        await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.fixture
def shots(snapshot: SnapshotAssertion) -> Iterator[Shots]:
    taken = Shots(snapshot)
    yield taken


def field(value: Any, *path: str) -> str:
    """A value of what the backend answered, along `path` (a model's attribute, or a dict's key)."""
    for name in path:
        value = value[name] if isinstance(value, dict) else getattr(value, name)
    return str(value)


# ------------------------------------------------------------------------------------------- backend
@dataclass
class Pki:
    """The CA the snapshot backend trusts, and one it does not."""

    trusted: TestCA
    untrusted: TestCA
    anchors: Path


@pytest.fixture(scope="session")
def snapshot_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    anchors = tmp_path_factory.mktemp("snapshot-anchors")
    pki = Pki(TestCA("AC DNIE 901 (PROVES)"), TestCA("AC DNIE 999 (NO DE CONFIANÇA)"), anchors)
    (anchors / "trusted.pem").write_bytes(pki.trusted.pem)
    return pki


#: Serial number of the revoked certificate (`certificate(..., serial=REVOKED_SERIAL)`).
REVOKED_SERIAL = 0x5A9B0000000000000000000000000001


@contextlib.contextmanager
def pinned_backend(anchors: Path) -> Iterator[BackendInfo]:
    """The reference backend with the demo data, its clock at PINNED_NOW and CSV codes counted from 1."""
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "OVAC_PINNED_NOW")}
    real_now = municipal.timeutil.now
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE / "pinned"), saved["PYTHONPATH"]) if p)
    os.environ["OVAC_PINNED_NOW"] = PINNED_NOW.isoformat()
    municipal.timeutil.now = lambda: PINNED_NOW  # the demo data is seeded in this process
    try:
        with backend.running(
            trust_anchors=anchors,
            revoked_serials=[REVOKED_SERIAL],
            training=True,
            public_base_url=PUBLIC_BASE_URL,
            kiosk_id=KIOSK_ID,
            kiosk_key=KIOSK_KEY,
        ) as info:
            _restore(saved, real_now)
            yield info
    finally:
        _restore(saved, real_now)


def _restore(saved: dict[str, str | None], real_now: Any) -> None:
    municipal.timeutil.now = real_now
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def server(snapshot_pki: Pki) -> Iterator[BackendInfo]:
    """A fresh pinned backend per test: numbers and CSVs do not depend on the tests run before."""
    with pinned_backend(snapshot_pki.anchors) as info:
        yield info


# ------------------------------------------------------------------------------------------- the app
def snapshot_app(
    tmp_path: Path,
    server: BackendInfo,
    *,
    printer: Printer | None = None,
    cards: Any = None,
    **overrides: dict[str, Any],
) -> KioskApp:
    """A kiosk in training mode on `server`, printing with `printer` (default: a printer that prints)."""
    settings = make_settings(
        tmp_path,
        backend={"url": server.url, "kiosk_key": server.kiosk_key, "connect_timeout_seconds": 1.0,
                 "read_timeout_seconds": 10.0, "retries": 0},
        kiosk={"id": server.kiosk_id},
        eid={"readers": [NO_READER]},
        **overrides,
    )  # fmt: skip
    settings = settings.model_copy(update={"source": SHOWN_CONFIG})
    return make_app(
        settings,
        watch_cards=False,
        backend=BackendClient(settings),
        printer=printer if printer is not None else StatePrinter(),
        cards=cards,
    )


# ------------------------------------------------------------------------------------------- printer
class StatePrinter(Printer):
    """A printer (the printing layer's `Printer` protocol) that reports the states it is told to.

    The print step shows what the printer reports; the real cupsd states behind each one are covered by
    tests/e2e/printing. `progress` is reported first, then the job waits for `release` (when given) and
    ends with `outcome`."""

    def __init__(
        self,
        outcome: PrintStatus = PrintStatus.PRINTED,
        progress: tuple[PrintProgress, ...] = (),
        release: threading.Event | None = None,
    ) -> None:
        self.outcome = outcome
        self.progress = progress
        self.release = release
        self.jobs = 0

    @property
    def description(self) -> str:
        return "golden-screens printer"

    def submit(
        self,
        pdf_path: Path,
        title: str,
        *,
        on_progress: Any = None,
        cancel: threading.Event | None = None,
    ) -> PrintOutcome:
        self.jobs += 1
        for step in self.progress:
            if on_progress is not None:
                on_progress(step)
        if self.release is not None:
            while not self.release.wait(0.05):
                if cancel is not None and cancel.is_set():
                    return PrintOutcome(PrintStatus.ABORTED, "cancelled")
        return PrintOutcome(self.outcome, "golden screens")


# ------------------------------------------------------------------------------------------- cards
_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def _key(name: str) -> rsa.RSAPrivateKey:
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


def certificate(
    ca: TestCA,
    *,
    id_number: str = "12345678Z",
    given_name: str = "CARMEN",
    surnames: str = "ESPAÑOLA ESPAÑOLA",
    not_before: dt.datetime = dt.datetime(2024, 1, 15, tzinfo=dt.UTC),
    not_after: dt.datetime = dt.datetime(2029, 1, 15, tzinfo=dt.UTC),
    serial: int = 0x5A9B0000000000000000000000000100,
) -> tuple[bytes, rsa.RSAPrivateKey]:
    """A DNIe-shaped authentication certificate with fixed dates (DER) and its key."""
    surname1, _, surname2 = surnames.partition(" ")
    issued = ca.issue(
        id_number,
        given_name,
        surname1,
        surname2,
        valid=(not_before, not_after),
        serial=serial,
        key=_key(f"{id_number}-{serial}"),
    )
    return issued.der, issued.key


class FakeCardToken(CardToken):
    """A card's token for the login screen: its certificate, and how it answers a PIN.

    `pin_answers` maps a PIN to what the card does with it: "ok" signs with the certificate's key (the
    backend checks that signature and the chain for real), `WrongPin(n)` / `PinLocked()` are raised.
    """

    def __init__(self, der: bytes, key: rsa.RSAPrivateKey, pin_answers: dict[str, Any]) -> None:
        super().__init__(None)
        self._der = der
        self._private = key
        self._answers = pin_answers

    def authentication_certificate(self) -> CardCertificate:
        return CardCertificate("CertAutenticacion", b"\x01", self._der)

    def sign_challenge(self, pin: str, challenge: bytes, cert: CardCertificate) -> bytes:
        answer = self._answers.get(pin, WrongPin(2))
        if isinstance(answer, Exception):
            raise answer
        return self._private.sign(challenge, padding.PKCS1v15(), hashes.SHA256())


class FakeCards:
    """The card provider (`eid.token.TokenProvider`): the card in any reader is `token`, found once
    `ready` is set (left unset, the card is still being read); `token=None` is a card with no usable
    token (unsupported)."""

    def __init__(self, token: CardToken | None, ready: threading.Event | None = None) -> None:
        self.token = token
        self.ready = ready

    def find(self, reader: str) -> CardToken:
        if self.ready is not None:
            self.ready.wait(30)
        if self.token is None:
            raise TokenNotFound()
        return self.token


__all__ = [
    "field",
    "FakeCardToken",
    "FakeCards",
    "PinLocked",
    "Shots",
    "StatePrinter",
    "WrongPin",
    "certificate",
    "snapshot_app",
]
