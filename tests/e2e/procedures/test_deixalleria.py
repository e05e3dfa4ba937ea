"""Deixalleria at the kiosk without a card (weak identification) and after a card login, against the real
backend."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import Static

from devstack.backend import BackendInfo
from devstack.cups import CupsInfo
from kiosk.app import KioskApp
from kiosk.procedures import has_certificate_login
from kiosk.procedures.deixalleria import CardRequestStep, CardResult, CardReview, SummaryStep
from kiosk.procedures.identify_weak import WeakIdentifyStep
from tests.e2e.procedures.helpers import (
    SIZE,
    CardStack,
    begin,
    begin_after_login,
    db_rows,
    kiosk_app,
    next_step,
    print_and_continue,
    type_weak_identity,
)
from tests.harness import Driver, drive

CARMEN = ("12345678Z", "15/04/1980", "08301")  # dnie3-valid: 8 visits last year, 3 this year
NO_CARD = ("56789012B", "28/02/1950", "08303")  # pin-last-try: registered, no deixalleria card


async def identify(app: KioskApp, driver: Driver, who: tuple[str, str, str], code: str) -> None:
    await begin(driver, code, WeakIdentifyStep)
    assert "Pas 1 de 2" in driver.text()
    await type_weak_identity(driver, who)
    await driver.click("#step-next")


async def identified(driver: Driver, who: tuple[str, str, str], code: str) -> SummaryStep:
    """`identify`, and the summary that follows it."""
    await identify(driver.app, driver, who, code)
    return await driver.wait_screen(SummaryStep)


def summary_values(driver: Driver) -> list[str]:
    """The summary's rows (card, visits): at 80x24 the card's row can be scrolled above the fold once the
    focus reaches the button below the visits, so they are read from the widgets, not the screen."""
    return [str(value.content) for value in driver.screen.query(".review-value").results(Static)]


async def test_visits_and_bonus_without_a_card(
    tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    async with drive(app, size=SIZE) as driver:
        screen = await identified(driver, CARMEN, "deixalleria_consulta")
        text = await driver.wait_for("Bonificació")
        summary = screen.state.summary
        assert summary is not None and summary.card is not None
        year = summary.year
        assert summary.visits_this_year == 3 and summary.visits_last_year == 8
        assert f"Usos el {year}" in text and f"Usos el {year - 1}" in text
        assert f"Bonificació de la taxa d'escombraries del {year}: 17,50 € (8 usos el {year - 1})" in text
        assert "Amb 1 ús més aquest any arribareu a 12,00 €" in text
        card_row = " ".join(summary_values(driver))
        assert summary.card.number in card_row and "Activa" in card_row
        assert "Pas 2 de 2" in text
        # A weak identification never counts as a certificate login.
        assert app.session is not None and app.session.scope == "deixalleria"
        assert not has_certificate_login(app.session)
        printed = await print_and_continue(driver, cups_stack)
    assert summary.card.number in printed and "17,50" in printed
    [row] = db_rows(backend_server, "select kind from issued_documents where csv = :c", c=summary.csv)
    assert row.kind == "deixalleria_summary"


async def test_request_a_card_to_pick_up(
    tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await identified(driver, NO_CARD, "deixalleria_targeta")
        await driver.wait_for("Encara no teniu targeta de la deixalleria.")
        await driver.click("#card-action")
        await driver.wait_screen(CardRequestStep)
        assert "Pas 3 de 5" in driver.text()
        await driver.click("#delivery-pickup")
        await next_step(driver, CardReview)
        assert "L'aniré a buscar a la deixalleria" in driver.text()
        result = await next_step(driver, CardResult)
        number = result.request.card.number
        text = await driver.wait_for(number)
        assert "Sol·licitada, en camí" in text and "Pas 5 de 5" in text
        printed = await print_and_continue(driver, cups_stack)
    rows = db_rows(
        backend_server,
        "select number, status, delivery from deixalleria_cards where id_number = :i",
        i=NO_CARD[0],
    )
    assert [(r.number, r.status, r.delivery) for r in rows] == [(number, "requested", "pickup")]
    assert number in printed


async def test_wrong_details_are_refused_plainly(tmp_path: Path, backend_server: BackendInfo) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await identify(app, driver, ("12345678Z", "16/04/1980", "08301"), "deixalleria_consulta")
        await driver.wait_for("Les dades no coincideixen amb les del padró.")
        assert isinstance(app.screen, WeakIdentifyStep)
        assert app.session is not None and app.session.token is None


async def test_invalid_id_number_is_caught_before_sending(
    tmp_path: Path, backend_server: BackendInfo
) -> None:
    app = kiosk_app(tmp_path, backend_server)
    async with drive(app, size=SIZE) as driver:
        await identify(app, driver, ("12345678A", "31/02/1980", "8301"), "deixalleria_consulta")
        assert "No és un DNI o NIE vàlid" in driver.text_of("#e-weak_id_number")
        assert "Escriviu la data com a dia/mes/any" in driver.text_of("#e-weak_birth_date")
        assert "No és un codi postal vàlid" in driver.text_of("#e-weak_postal_code")
        assert "No és un DNI o NIE vàlid" in driver.text()
        assert isinstance(app.screen, WeakIdentifyStep)


async def test_visits_and_bonus_after_a_card_login(
    tmp_path: Path, card_stack: CardStack, cups_stack: CupsInfo
) -> None:
    app = card_stack.app(tmp_path, cups_stack)
    async with drive(app, size=SIZE) as driver:
        # dnie3-valid: Carmen
        screen = await begin_after_login(driver, card_stack.pcsc, "deixalleria_consulta", SummaryStep)
        text = await driver.wait_for("Bonificació")
        summary = screen.state.summary
        assert summary is not None and summary.card is not None
        assert summary.visits_this_year == 3 and summary.visits_last_year == 8
        assert "Pas 1 de 1" in text  # the card identified her: no DNI, birth date and postal code asked
        assert not any(isinstance(s, WeakIdentifyStep) for s in app.screen_stack)
        assert app.session is not None and app.session.scope == "full"
        printed = await print_and_continue(driver, cups_stack)
    assert summary.card.number in printed and "17,50" in printed
    [row] = db_rows(card_stack.backend, "select kind from issued_documents where csv = :c", c=summary.csv)
    assert row.kind == "deixalleria_summary"


async def test_replace_a_lost_card(tmp_path: Path, backend_server: BackendInfo, cups_stack: CupsInfo) -> None:
    # Somebody of the demo padró with an active card whom no other test uses (Carmen's card stays active).
    [who] = db_rows(
        backend_server,
        "select p.id_number, p.birth_date, a.postal_code, c.number from deixalleria_cards c"
        " join people p on p.id_number = c.id_number"
        " join registrations r on r.person_id = p.id and r.left_on is null"
        " join addresses a on a.id = r.address_id"
        " where c.status = 'active' and c.id_number not in (:carmen, :no_card) order by c.number limit 1",
        carmen=CARMEN[0],
        no_card=NO_CARD[0],
    )
    born = who.birth_date if isinstance(who.birth_date, date) else date.fromisoformat(str(who.birth_date))
    app = kiosk_app(tmp_path, backend_server, cups_stack)
    async with drive(app, size=SIZE) as driver:
        await identified(driver, (who.id_number, f"{born:%d/%m/%Y}", who.postal_code), "deixalleria_consulta")
        await driver.wait_for("Heu perdut la targeta? Demaneu-ne una altra")
        assert any(who.number in value for value in summary_values(driver))
        await driver.click("#card-action")
        await driver.wait_screen(CardRequestStep)
        assert "La targeta actual s'anul·larà com a perduda" in " ".join(driver.text().split())
        await next_step(driver, CardReview)  # posted to the padró address, the default
        assert "Substitució d'una targeta perduda" in driver.text()
        result = await next_step(driver, CardResult)
        number = result.request.card.number
        assert number != who.number
        await driver.wait_for(number)
        printed = await print_and_continue(driver, cups_stack)
    cards = db_rows(
        backend_server,
        "select number, status, delivery from deixalleria_cards where id_number = :i order by requested_at",
        i=who.id_number,
    )
    assert {(c.number, c.status) for c in cards} == {(who.number, "lost"), (number, "requested")}
    assert number in printed
