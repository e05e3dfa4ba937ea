"""Identification with the phone at the kiosk, over real HTTP: a training backend with the
identity-provider simulator and devstack's SMS sink, the kiosk run with Pilot, the citizen's phone played
with requests through the simulator's pages (the one-time code read from the SMS sink), CUPS for the
volant. The QR code the kiosk draws is read back from the screen and decoded with zbarimg."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, RadioButton

from contract.handoffs import HandoffOut
from devstack.cups import CupsInfo
from kiosk.login.handoff import HandoffScreen
from kiosk.procedures.identify import InsertCardScreen
from kiosk.procedures.padro import DocumentStep, PadroResult, PadroReview, RegistrationStep
from kiosk.speech import read_screen
from tests.e2e.procedures.helpers import begin, db_rows, kiosk_app, next_step, print_and_continue
from tests.harness import Driver, drive
from tests.integration.handoff.conftest import Phone, Stack, running
from tests.integration.handoff.test_handoff import CARMEN, JORDI, MARIA

SIZE = (100, 40)
#: The QR code's characters: two modules a character, top and bottom.
BLOCKS = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path) -> Iterator[Stack]:
    with running(tmp_path_factory.mktemp("kiosk-handoff"), backend_trust_anchors, None) as found:
        yield found


@pytest.fixture(scope="module")
def short_stack(tmp_path_factory: pytest.TempPathFactory, backend_trust_anchors: Path) -> Iterator[Stack]:
    """A server whose hand-offs expire after 3 seconds."""
    config = "[handoff]\nseconds = 3\ninterval_seconds = 1\nslow_down_seconds = 1\n"
    folder = tmp_path_factory.mktemp("kiosk-handoff-short")
    with running(folder, backend_trust_anchors, None, config) as found:
        yield found


async def phone_screen(driver: Driver, code: str = "volant_individual") -> tuple[HandoffScreen, HandoffOut]:
    """A visit, the procedure chosen, "use your phone" touched; the hand-off screen once its QR is shown,
    and its hand-off."""
    await begin(driver, code, InsertCardScreen)
    await driver.click("#insert-card-phone")
    screen = await driver.wait_screen(HandoffScreen)
    await driver.wait_for(lambda: screen.handoff is not None and screen.state == "waiting", what="the QR")
    assert screen.handoff is not None
    return screen, screen.handoff


def shown_matrix(driver: Driver) -> list[list[bool]]:
    """The QR code's modules as the screen draws them (two rows a line of text)."""
    art = driver.text_of("#handoff-qr")
    rows: list[list[bool]] = []
    for line in art.split("\n"):
        pairs = [BLOCKS[char] for char in line]
        rows.append([top for top, _ in pairs])
        rows.append([bottom for _, bottom in pairs])
    return rows


def decode(matrix: list[list[bool]], folder: Path) -> str:
    """What zbarimg reads in `matrix`, drawn as an image (a netpbm bitmap: the modules as the screen
    shows them, not segno's own QR object; 4 pixels a module, a quiet zone of 4)."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg is not installed (Debian package zbar-tools, in the Makefile's APT_PACKAGES)")
    width = len(matrix[0])
    # The art's last line of text may hold one padding row of light modules: the code is square.
    square = matrix[:width]
    assert len(square) == width and not any(any(row) for row in matrix[width:])
    border, scale = 4, 4
    light = [False] * (width + 2 * border)
    rows = [[False] * border + row + [False] * border for row in square]
    padded = [light] * border + rows + [light] * border
    lines = [f"P1\n{len(light) * scale} {len(padded) * scale}"]
    for row in padded:
        line = " ".join("1" if dark else "0" for dark in row for _ in range(scale))
        lines.extend([line] * scale)
    image = folder / "qr.pbm"
    image.write_text("\n".join(lines) + "\n", encoding="ascii")
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


async def test_a_volant_with_the_phone_from_qr_to_paper(
    tmp_path: Path, stack: Stack, cups_stack: CupsInfo
) -> None:
    app = kiosk_app(tmp_path, stack.server, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await begin(driver, "volant_individual", InsertCardScreen)
        # Both ways are offered, the phone as a control of its own (keyboard, touch, speech).
        assert driver.shown("#insert-card-phone") and driver.shown("#insert-card-cancel")
        reading = read_screen(app.screen)
        assert "idCAT Mòbil" in reading and "Cl@ve" in reading
        await driver.click("#insert-card-phone")
        screen = await driver.wait_screen(HandoffScreen)
        await driver.wait_for(lambda: screen.handoff is not None, what="the hand-off")
        handoff = screen.handoff
        assert handoff is not None
        # The URL and the code in text; the QR decodes to the URL with the code in it.
        assert driver.text_of("#handoff-url") == handoff.verification_uri
        assert handoff.user_code in driver.text_of("#handoff-code")
        left = driver.text_of("#handoff-countdown")
        assert "9:5" in left or "10:00" in left
        decoded = decode(shown_matrix(driver), tmp_path)
        assert decoded == handoff.verification_uri_complete
        assert decoded == f"{driver.text_of('#handoff-url')}?code={handoff.user_code.replace('-', '')}"
        # Speech reads a description of the QR code, never its drawing characters.
        reading = read_screen(app.screen)
        assert "QR" in reading and handoff.user_code in reading
        assert not set(reading) & set("█▀▄")
        assert app.screen.focused is app.screen.query_one("#handoff-cancel", Button)

        # The phone: the QR's URL, a test identity, the code the SMS sink received.
        phone = Phone(stack)
        seen = sum(1 for m in stack.sms.messages() if m["to"] == CARMEN.phone)
        assert phone.open(decoded).status_code == 200 and "SIMULADOR" in phone.page
        assert phone.choose(CARMEN.id_number).status_code == 200
        assert phone.enter(stack.sms_code(CARMEN.phone, seen)).status_code == 200
        assert "Ja us heu identificat" in phone.page

        # The kiosk goes on by itself to the volant that waited.
        await driver.wait_screen(RegistrationStep, timeout=20)
        session = app.session
        assert session is not None and session.scope == "handoff" and session.token
        await driver.wait_for("Consteu al padró de Mataró")
        step = await next_step(driver, DocumentStep)
        # The certificat de convivència takes a card only: not offered after a phone login, and told why.
        assert step.query_one("#kind-certificat_convivencia", RadioButton).disabled
        await driver.wait_for("necessita el DNIe", words=True)
        await next_step(driver, PadroReview)
        result = await next_step(driver, PadroResult, timeout=20)
        csv = result.document.csv
        printed = await print_and_continue(driver, cups_stack)
    assert csv in printed and "CARMEN" in printed and "DOCUMENT DE PROVA" in printed
    [row] = db_rows(stack.server, "select kind from issued_documents where csv = :c", c=csv)
    assert row.kind == "volant_individual"
    sessions = db_rows(stack.server, "select id_number from citizen_sessions where scope = 'handoff'")
    assert CARMEN.id_number in [s.id_number for s in sessions]


async def test_cancel_goes_back_and_cancels_the_handoff(tmp_path: Path, stack: Stack) -> None:
    app = kiosk_app(tmp_path, stack.server)
    async with drive(app, size=SIZE) as driver:
        screen, handoff = await phone_screen(driver)
        await driver.click("#handoff-cancel")
        await driver.wait_screen(InsertCardScreen)

        def cancelled() -> bool:
            rows = db_rows(stack.server, "select status from auth_handoffs where user_code = :c",
                           c=handoff.user_code.replace("-", ""))  # fmt: skip
            return bool(rows) and rows[0].status == "cancelled"

        await driver.wait_for(cancelled, what="the hand-off cancelled at the backend")
        # The phone cannot use it any more; Escape leaves a new one too.
        assert Phone(stack).open(handoff.verification_uri_complete).status_code == 404
        await driver.click("#insert-card-phone")
        again = await driver.wait_screen(HandoffScreen)
        await driver.wait_for(lambda: again.state == "waiting", what="the second QR")
        await driver.press("escape")
        await driver.wait_screen(InsertCardScreen)
    assert app.session is None or not app.session.token


async def test_denied_on_the_phone_then_started_again(tmp_path: Path, stack: Stack) -> None:
    app = kiosk_app(tmp_path, stack.server)
    async with drive(app, size=SIZE) as driver:
        screen, handoff = await phone_screen(driver)
        phone = Phone(stack)
        phone.open(handoff.verification_uri_complete)
        phone.choose("")  # "No, cancel" at the identity provider
        await driver.wait_for(lambda: screen.state == "ended", timeout=20, what="the denial")
        assert "cancel·lat" in driver.text_of("#handoff-status") or "not completed" in driver.text_of(
            "#handoff-status"
        )
        assert driver.text_of("#handoff-qr") == ""
        assert app.screen.focused is app.screen.query_one("#handoff-retry", Button)
        # Start again: a new hand-off, and this time the citizen identifies.
        await driver.press("enter")
        await driver.wait_for(
            lambda: screen.state == "waiting" and screen.handoff not in (None, handoff), what="a new QR"
        )
        second = screen.handoff
        assert second is not None and second.user_code != handoff.user_code
        phone = Phone(stack)
        seen = sum(1 for m in stack.sms.messages() if m["to"] == JORDI.phone)
        phone.open(second.verification_uri_complete)
        phone.choose(JORDI.id_number)
        phone.enter(stack.sms_code(JORDI.phone, seen))
        await driver.wait_screen(RegistrationStep, timeout=20)


async def test_expiry_is_shown_and_nobody_is_signed_in(tmp_path: Path, short_stack: Stack) -> None:
    app = kiosk_app(tmp_path, short_stack.server)
    async with drive(app, size=SIZE) as driver:
        screen, handoff = await phone_screen(driver)
        assert handoff.expires_in == 3
        # The phone gets as far as the code, too late.
        phone = Phone(short_stack)
        phone.open(handoff.verification_uri_complete)
        phone.choose(MARIA.id_number)
        await driver.wait_for(lambda: screen.state == "ended", timeout=15, what="the expiry")
        status = driver.text_of("#handoff-status")
        assert "temps" in status or "run out" in status
        assert isinstance(app.screen, HandoffScreen)
    session = app.session
    assert session is None or not session.token


async def test_a_certificate_only_procedure_offers_no_phone(tmp_path: Path, stack: Stack) -> None:
    app = kiosk_app(tmp_path, stack.server)
    async with drive(app, size=SIZE) as driver:
        # As after the catalogue screen was shown: the client knows what each procedure accepts.
        await driver.pause()
        app.backend.catalogue()
        await begin(driver, "certificat_convivencia", InsertCardScreen)
        assert not app.screen.query("#insert-card-phone")
        assert driver.shown("#insert-card-cancel")
