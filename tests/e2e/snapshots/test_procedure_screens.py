"""Golden screens of every step of every procedure, at 120x40 and 80x24, against the pinned backend.

One app run per procedure: each step is shot at both sizes (`Shots.take`) and the flow goes on. The
certificate procedures log in with a certificate of the snapshot CA (the backend checks it for real);
the deixalleria ones with the weak identification, as a citizen without a card does.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from devstack.backend import BackendInfo
from kiosk.app import KioskApp
from kiosk.printstep import PrintScreen
from kiosk.procedures import launch
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
from tests.e2e.procedures.helpers import paste, press_button, type_text, wait_for, wait_screen, wait_text
from tests.e2e.snapshots.conftest import Pki, Shots, certificate, snapshot_app

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


async def start(app: KioskApp, pilot: Any, code: str) -> None:
    app.start_visit()
    await pilot.pause()
    assert launch(app, code)


async def print_it(pilot: Any, shots: Shots, name: str) -> None:
    """Print from the result screen: shoot the printed modal, continue, shoot the result again."""
    result = pilot.app.screen
    await press_button(pilot, "#step-next")
    await wait_screen(pilot, PrintScreen)

    def ended() -> bool:
        done = pilot.app.screen.query("#print-done")
        return bool(done) and bool(done.first().display)

    await wait_for(pilot, ended, "the print to end")
    await shots.take(pilot, f"{name}-printed")
    await press_button(pilot, "#print-done")
    await wait_for(pilot, lambda: pilot.app.screen is result, "the result screen again")
    await shots.take(pilot, f"{name}-after-print")


async def test_padro_volant_individual(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "volant_individual")
        await wait_screen(pilot, InsertCardScreen)
        await shots.take(pilot, "insert-card")
        await certificate_login(app, snapshot_pki)
        from kiosk.procedures import resume_pending

        assert resume_pending(app)
        await wait_screen(pilot, RegistrationStep)
        await wait_text(pilot, "Consteu al padró de Mataró")
        await shots.take(pilot, "1-registration")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, DocumentStep)
        await shots.take(pilot, "2-document")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, PadroReview)
        await shots.take(pilot, "3-review")
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, PadroResult)
        await wait_text(pilot, result.document.csv)
        await shots.take(pilot, "4-result")
        await print_it(pilot, shots, "4-result")
    shots.check()


async def test_padro_volant_collectiu_and_certificat(
    tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots
) -> None:
    """The other two padró documents: the same steps, another choice, another result."""
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await certificate_login(app, snapshot_pki)
        for code in ("volant_collectiu", "certificat_convivencia"):
            await start(app, pilot, code)
            await wait_screen(pilot, RegistrationStep)
            await wait_text(pilot, "Consteu al padró de Mataró")
            await press_button(pilot, "#step-next")
            await wait_screen(pilot, DocumentStep)
            await shots.take(pilot, f"{code}-2-document")
            await press_button(pilot, "#step-next")
            await wait_screen(pilot, PadroReview)
            await shots.take(pilot, f"{code}-3-review")
            await press_button(pilot, "#step-next")
            result = await wait_screen(pilot, PadroResult)
            await wait_text(pilot, result.document.csv)
            await shots.take(pilot, f"{code}-4-result")
            await press_button(pilot, "#step-cancel")  # "Other procedures"
            await wait_for(pilot, lambda: not isinstance(app.screen, PadroResult), "the catalogue")
    shots.check()


async def test_instancia(tmp_path: Path, server: BackendInfo, snapshot_pki: Pki, shots: Shots) -> None:
    media = tmp_path / "media"
    media.mkdir()
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await certificate_login(app, snapshot_pki)
        await start(app, pilot, "instancia_generica")
        subject = await wait_screen(pilot, SubjectStep)
        await wait_for(pilot, lambda: bool(subject.flow.data.get("departments")), "the departments")
        await shots.take(pilot, "1-subject-empty")
        await type_text(pilot, "#f-subject", "Fanal espatllat al carrer d'en Pau")
        app.screen.query_one("#department").focus()
        await pilot.press("enter", "down", "down", "enter")
        await wait_for(pilot, lambda: bool(subject.flow.data.get("department")), "a department chosen")
        await shots.take(pilot, "1-subject")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, RequestStep)
        await paste(
            pilot, "#f-exposo", "Que el fanal del carrer d'en Pau, 12, no funciona des de fa dues setmanes."
        )
        await paste(pilot, "#f-solicito", "Que el reparin.")
        await shots.take(pilot, "2-request")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, AttachmentsStep)
        await wait_text(pilot, "No s'ha trobat cap llapis USB")
        await shots.take(pilot, "3-attachments-no-stick")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, InstanciaContact)
        await shots.take(pilot, "4-contact")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, InstanciaReview)
        await shots.take(pilot, "5-review")
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, InstanciaResult)
        await wait_text(pilot, result.document.registry_number)
        await shots.take(pilot, "6-result")
    shots.check()


async def test_bustia(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "bustia")
        await wait_screen(pilot, MessageStep)
        await shots.take(pilot, "1-message-empty")
        await press_button(pilot, "#kind-suggeriment")
        await type_text(pilot, "#f-topic", "Fanals")
        await paste(pilot, "#f-text", "Caldria més llum al carrer d'en Pau.\nGràcies!")
        await shots.take(pilot, "1-message")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaContact)
        await shots.take(pilot, "2-contact")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, BustiaReview)
        await shots.take(pilot, "3-review")
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, BustiaResult)
        await wait_text(pilot, result.document.reference)
        await shots.take(pilot, "4-result")
    shots.check()


async def identify(pilot: Any, shots: Shots, who: tuple[str, str, str], name: str) -> None:
    await wait_screen(pilot, WeakIdentifyStep)
    await shots.take(pilot, f"{name}-1-identify-empty")
    await type_text(pilot, "#f-weak_id_number", who[0])
    await type_text(pilot, "#f-weak_birth_date", who[1])
    await type_text(pilot, "#f-weak_postal_code", who[2])
    await shots.take(pilot, f"{name}-1-identify")
    await press_button(pilot, "#step-next")


async def test_deixalleria_consulta(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "deixalleria_consulta")
        await identify(pilot, shots, CARMEN, "consulta")
        await wait_screen(pilot, SummaryStep)
        await wait_text(pilot, "Bonificació")
        await shots.take(pilot, "consulta-2-summary")
    shots.check()


async def test_deixalleria_targeta(tmp_path: Path, server: BackendInfo, shots: Shots) -> None:
    app = snapshot_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "deixalleria_targeta")
        await identify(pilot, shots, NO_CARD, "targeta")
        await wait_screen(pilot, SummaryStep)
        await wait_text(pilot, "Encara no teniu targeta de la deixalleria.")
        await shots.take(pilot, "targeta-2-summary")
        await press_button(pilot, "#card-action")
        await wait_screen(pilot, CardRequestStep)
        await shots.take(pilot, "targeta-3-request")
        await press_button(pilot, "#delivery-pickup")
        await press_button(pilot, "#step-next")
        await wait_screen(pilot, CardReview)
        await shots.take(pilot, "targeta-4-review")
        await press_button(pilot, "#step-next")
        result = await wait_screen(pilot, CardResult)
        await wait_text(pilot, result.request.card.number)
        await shots.take(pilot, "targeta-5-result")
    shots.check()
