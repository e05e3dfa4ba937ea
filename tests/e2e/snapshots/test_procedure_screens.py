"""Golden screens of every step of every procedure, at 120x40 and 80x24, against the pinned backend.

One app run per procedure: each step is shot at both sizes (`Shots.take`) and the flow goes on. The
certificate procedures log in with a certificate of the snapshot CA (the backend checks it for real);
the deixalleria ones with the weak identification, as a citizen without a card does.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.printstep import PrintScreen
from kiosk.procedures.bustia import BustiaResult, BustiaReview, MessageStep
from kiosk.procedures.bustia import ContactStep as BustiaContact
from kiosk.procedures.deixalleria import CardRequestStep, CardResult, CardReview, SummaryStep
from kiosk.procedures.identify import InsertCardScreen
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
from tests.e2e.procedures.helpers import launch
from tests.e2e.snapshots.conftest import Pki, Shots, certificate, snapshot_app
from tests.harness import Driver, drive

SIZE = (80, 24)
CARMEN = ("12345678Z", "15/04/1980", "08301")  # in the demo padró, with a deixalleria card
NO_CARD = ("56789012B", "28/02/1950", "08303")  # in the demo padró, without a deixalleria card


async def certificate_login(app: KioskApp, pki: Pki) -> None:
    """Carmen logs in with a certificate of the trusted snapshot CA (what a card login ends with)."""
    der, key = certificate(pki.trusted)

    def login() -> str:
        challenge = app.backend.create_challenge()
        signature = key.sign(challenge.nonce, padding.PKCS1v15(), hashes.SHA256())
        return app.backend.login_with_certificate(challenge.challenge_id, der, signature).token

    token = await asyncio.to_thread(login)
    session = app.begin_session()
    session.token, session.scope = token, "full"
    assert base64.b64encode(der)  # the certificate is the one a card would carry


@asynccontextmanager
async def logged_in(tmp_path: Path, server: BackendInfo, pki: Pki) -> AsyncIterator[tuple[KioskApp, Driver]]:
    """A snapshot kiosk at `SIZE` driven, Carmen logged in with a certificate (`certificate_login`)."""
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SIZE) as driver:
        await certificate_login(app, pki)
        yield app, driver


async def start(app: KioskApp, driver: Driver, code: str) -> None:
    app.start_visit()
    await driver.pause()
    assert launch(app, code)


async def print_it(driver: Driver, shots: Shots, name: str) -> None:
    """Print from the result screen: shoot the printed modal, continue, shoot the result again."""
    result = driver.app.screen
    await driver.click("#step-next")
    await driver.wait_screen(PrintScreen)

    def ended() -> bool:
        done = driver.app.screen.query("#print-done")
        return bool(done) and bool(done.first().display)

    await driver.wait_for(ended, what="the print to end")
    await shots.take(driver, f"{name}-printed")
    await driver.click("#print-done")
    await driver.wait_for(lambda: driver.app.screen is result, what="the result screen again")
    await shots.take(driver, f"{name}-after-print")


async def padro(driver: Driver, shots: Shots, prefix: str = "", *, shoot_registration: bool = False) -> None:
    """A padró procedure from its first step to the result, each step shot (as `prefix` + its number)."""
    await driver.wait_screen(RegistrationStep)
    await driver.wait_for("Consteu al padró de Mataró")
    if shoot_registration:
        await shots.take(driver, f"{prefix}1-registration")
    await shots.next(driver, DocumentStep, f"{prefix}2-document")
    await shots.next(driver, PadroReview, f"{prefix}3-review")
    await shots.next(driver, PadroResult, f"{prefix}4-result", showing=lambda result: result.document.csv)


async def instancia(driver: Driver, shots: Shots, attachments: str) -> None:
    """The instància from its subject step to the result, each step shot; the attachments step (no stick
    in) as `attachments`."""
    subject = await driver.wait_screen(SubjectStep)
    await driver.wait_for(lambda: bool(subject.state.departments), what="the departments")
    await shots.take(driver, "1-subject-empty")
    await driver.type("Fanal espatllat al carrer d'en Pau", into="#f-subject")
    driver.app.screen.query_one("#department").focus()
    await driver.press("enter", "down", "down", "enter")
    await driver.wait_for(lambda: bool(subject.state.department), what="a department chosen")
    await shots.take(driver, "1-subject")
    await shots.next(driver, RequestStep)
    await driver.paste(
        "Que el fanal del carrer d'en Pau, 12, no funciona des de fa dues setmanes.", into="#f-exposo"
    )
    await driver.paste("Que el reparin.", into="#f-solicito")
    await shots.take(driver, "2-request")
    await shots.next(driver, AttachmentsStep, attachments, showing="No s'ha trobat cap llapis USB")
    await shots.next(driver, InstanciaContact, "4-contact")
    await shots.next(driver, InstanciaReview, "5-review")
    await shots.next(
        driver, InstanciaResult, "6-result", showing=lambda result: result.document.registry_number
    )


async def bustia(driver: Driver, shots: Shots) -> None:
    """The bústia from its message step, empty then filled in, to the result, each step shot."""
    await driver.wait_screen(MessageStep)
    await shots.take(driver, "1-message-empty")
    await driver.click("#kind-suggeriment")
    await driver.type("Fanals", into="#f-topic")
    await driver.paste("Caldria més llum al carrer d'en Pau.\nGràcies!", into="#f-text")
    await shots.take(driver, "1-message")
    await shots.next(driver, BustiaContact, "2-contact")
    await shots.next(driver, BustiaReview, "3-review")
    await shots.next(driver, BustiaResult, "4-result", showing=lambda result: result.document.reference)


async def targeta(driver: Driver, shots: Shots, summary: str) -> None:
    """The deixalleria card request of a citizen without a card: the weak identification, the summary
    `showing` its `summary` text, the request, its review and result, each step shot."""
    await identify(driver, shots, NO_CARD, "targeta", summary)
    await driver.click("#card-action")
    await driver.wait_screen(CardRequestStep)
    await shots.take(driver, "targeta-3-request")
    await driver.click("#delivery-pickup")
    await shots.next(driver, CardReview, "targeta-4-review")
    await shots.next(
        driver, CardResult, "targeta-5-result", showing=lambda result: result.request.card.number
    )


async def test_padro_volant_individual(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SIZE) as driver:
        await start(app, driver, "volant_individual")
        await driver.wait_screen(InsertCardScreen)
        await shots.take(driver, "insert-card")
        await certificate_login(app, snapshot_pki)
        from kiosk.procedures import resume_pending

        assert resume_pending(app)
        await padro(driver, shots, shoot_registration=True)
        await print_it(driver, shots, "4-result")
    shots.check()


async def test_padro_volant_collectiu_and_certificat(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    """The other two padró documents: the same steps, another choice, another result."""
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        for code in ("volant_collectiu", "certificat_convivencia"):
            await start(app, driver, code)
            await padro(driver, shots, f"{code}-")
            await driver.click("#step-cancel")  # "Other procedures"
            await driver.wait_for(lambda: not isinstance(app.screen, PadroResult), what="the catalogue")
    shots.check()


async def test_instancia(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    media = tmp_path / "media"
    media.mkdir()
    async with logged_in(tmp_path, server, snapshot_pki) as (app, driver):
        await start(app, driver, "instancia_generica")
        await instancia(driver, shots, "3-attachments-no-stick")
    shots.check()


async def test_bustia(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SIZE) as driver:
        await start(app, driver, "bustia")
        await bustia(driver, shots)
    shots.check()


async def identify(driver: Driver, shots: Shots, who: tuple[str, str, str], name: str, summary: str) -> None:
    """The weak identification of `who`, then their deixalleria summary `showing` its `summary` text."""
    await driver.wait_screen(WeakIdentifyStep)
    await shots.take(driver, f"{name}-1-identify-empty")
    await driver.type(who[0], into="#f-weak_id_number")
    await driver.type(who[1], into="#f-weak_birth_date")
    await driver.type(who[2], into="#f-weak_postal_code")
    await shots.take(driver, f"{name}-1-identify")
    await shots.next(driver, SummaryStep, f"{name}-2-summary", showing=summary)


async def test_deixalleria_consulta(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SIZE) as driver:
        await start(app, driver, "deixalleria_consulta")
        await identify(driver, shots, CARMEN, "consulta", "Bonificació")
    shots.check()


async def test_deixalleria_targeta(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with drive(app, size=SIZE) as driver:
        await start(app, driver, "deixalleria_targeta")
        await targeta(driver, shots, "Encara no teniu targeta de la deixalleria.")
    shots.check()
