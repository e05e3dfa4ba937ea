"""The backend's two web pages in a real browser (headless Chromium through Selenium, one browser for
the module): a document issued through the API, its printed URL opened as a phone's QR scanner would,
read in Catalan, Spanish and English, its PDF link followed; an unknown CSV; staff signing in, seeing a
kiosk that sends heartbeats, a faulty one and two stale ones (stale first, said in words), signing out
and then refused. Every page is checked with its style sheet applied (the Content-Security-Policy
allows it by its hash, and no script at all) and saved as a screenshot (`OVAC_SCREENSHOTS`, else the
test's temp folder)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy import Engine, create_engine, text

from contract.kiosks import HeartbeatIn, PrinterHealth
from devstack import backend, browser
from municipal.api.kiosks import register_staff
from tests.fixtures.backend import TestPKI, training_server
from tests.integration.backend.conftest import Api
from tests.unit.backend.test_web_page import beat

pytestmark = pytest.mark.timeout(180)

STAFF = ("fleet-desk", secrets.token_urlsafe(24))
#: The header band's red border: the page's style sheet was applied (the CSP let it in).
STYLED = "rgba(181, 18, 27, 1)"


@pytest.fixture(scope="module")
def server(backend_trust_anchors: Path) -> Iterator[backend.BackendInfo]:
    yield from training_server(backend_trust_anchors, [])


@pytest.fixture(scope="module")
def engine(server: backend.BackendInfo) -> Iterator[Engine]:
    engine = create_engine(server.database_url)
    register_staff(engine, *STAFF)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def driver() -> Iterator[webdriver.Chrome]:
    if reason := browser.missing():
        pytest.fail(reason)
    with browser.chromium(language="ca") as chromium:
        yield chromium


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("OVAC_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shot(driver: webdriver.Chrome, screens: Path, name: str) -> None:
    # The whole page, not only the window: a fleet's table is long.
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1100, max(600, min(height + 120, 3000)))
    assert driver.save_screenshot(str(screens / f"{name}.png"))


def arrive(driver: webdriver.Chrome, heading: str) -> None:
    """Wait for the page a click led to (its first heading): a click returns before a redirect is done."""
    wait = WebDriverWait(
        driver, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
    )
    wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == heading)


def styled(driver: webdriver.Chrome) -> bool:
    """The page's style sheet applied, and the browser reported no Content-Security-Policy violation."""
    log = driver.get_log("browser")  # type: ignore[no-untyped-call]  # selenium leaves it untyped
    refused = [e["message"] for e in log if "Content Security Policy" in e["message"]]
    assert refused == []
    header = driver.find_element(By.TAG_NAME, "header")
    return header.value_of_css_property("border-bottom-color") == STYLED


def test_a_printed_documents_url_opens_its_verification_page(
    server: backend.BackendInfo, engine: Engine, backend_pki: TestPKI, driver: webdriver.Chrome, screens: Path
) -> None:
    kiosk = server.add_kiosk(f"web-{secrets.token_hex(3)}")
    api = Api(server, engine, kiosk)
    token = api.login(backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA"))["token"]
    doc = api.post("/v1/padro/documents", token, json={"kind": "volant_collectiu"}).json()

    driver.get(doc["verify_url"])  # what the QR code holds
    assert driver.find_element(By.TAG_NAME, "h1").text == "Verificació de document"
    page = driver.find_element(By.TAG_NAME, "main").text
    assert doc["csv"] in page and "Volant d'empadronament col·lectiu" in page
    assert "CARMEN ESPAÑOLA ESPAÑOLA" in page and "***4567**" in page and "12345678Z" not in page
    assert "DOCUMENT DE PROVA" in page  # a training server's document says so
    assert doc["address"]["postal_code"] not in page
    assert styled(driver)
    shot(driver, screens, "verify-ca")

    driver.find_element(By.LINK_TEXT, "Castellano").click()
    arrive(driver, "Verificación de documento")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert "Volante de empadronamiento colectivo" in driver.find_element(By.TAG_NAME, "main").text
    shot(driver, screens, "verify-es")
    driver.find_element(By.LINK_TEXT, "English").click()
    arrive(driver, "Document verification")
    shot(driver, screens, "verify-en")

    driver.find_element(By.ID, "pdf").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url == doc["verify_url"] + "/pdf")
    pdf = requests.get(driver.current_url, timeout=30)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # A program at the same URL still reads the JSON.
    assert requests.get(doc["verify_url"], timeout=30).json()["csv"] == doc["csv"]


def test_an_unknown_code_is_a_page_that_says_so(
    server: backend.BackendInfo, driver: webdriver.Chrome, screens: Path
) -> None:
    driver.get(f"{server.url}/v1/verify/ABCDEFGHJKLMNPQRSTUV")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Document no trobat"
    assert "ABCDEFGHJKLMNPQRSTUV" in driver.find_element(By.TAG_NAME, "main").text
    assert styled(driver)
    shot(driver, screens, "verify-404")


def send(server: backend.BackendInfo, kiosk: tuple[str, str], heartbeat: HeartbeatIn) -> None:
    r = requests.post(
        server.url + "/v1/kiosks/heartbeat",
        json=heartbeat.model_dump(mode="json"),
        headers={"X-Kiosk-Id": kiosk[0], "X-Kiosk-Key": kiosk[1]},
        timeout=30,
    )
    assert r.status_code == 204, r.text


def test_staff_sign_in_see_the_fleet_and_sign_out(
    server: backend.BackendInfo, engine: Engine, driver: webdriver.Chrome, screens: Path
) -> None:
    tag = secrets.token_hex(2)
    working = server.add_kiosk(f"biblioteca-{tag}")
    send(server, working, beat())
    paperless = server.add_kiosk(f"ajuntament-{tag}")
    printer = PrinterHealth(state="stopped", reasons=["media-empty-error"], accepting_jobs=True)
    error_at = datetime.now(UTC) - timedelta(minutes=5)
    send(server, paperless, beat(printer=printer, last_error_code="printing:NoPaper", last_error_at=error_at))
    silent = server.add_kiosk(f"mercat-{tag}")
    send(server, silent, beat(reader_present=False, readers=0))
    with engine.begin() as connection:  # its last heartbeat came an hour ago
        connection.execute(
            text("UPDATE kiosk_heartbeats SET received_at = :at WHERE kiosk_id = :id"),
            {"at": datetime.now(UTC) - timedelta(hours=1), "id": silent[0]},
        )
    never, _ = server.add_kiosk(f"platja-{tag}")

    driver.get(server.url + "/staff")
    assert driver.current_url == server.url + "/staff/sign-in?lang=ca"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Accés del personal" and styled(driver)
    shot(driver, screens, "staff-sign-in")
    driver.find_element(By.ID, "staff_id").send_keys(STAFF[0])
    driver.find_element(By.ID, "key").send_keys(STAFF[1])
    driver.find_element(By.ID, "sign-in").click()
    arrive(driver, "Estat dels caixers")

    assert driver.current_url == server.url + "/staff?lang=ca"
    assert STAFF[1] not in driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text == "Estat dels caixers" and styled(driver)
    cookie = driver.get_cookie("ovac_staff")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert (
        cookie["path"] == "/staff" and not cookie["secure"] and cookie["expiry"] > datetime.now().timestamp()
    )
    rows = {
        row.get_attribute("id"): row.text
        for row in driver.find_elements(By.CSS_SELECTOR, "#kiosks tbody tr")
        if tag in (row.get_attribute("id") or "")
    }
    order = list(rows)
    # Stale first (by id), then faulty, then working: in words, not by colour alone.
    assert order == [
        f"kiosk-mercat-{tag}",
        f"kiosk-platja-{tag}",
        f"kiosk-ajuntament-{tag}",
        f"kiosk-biblioteca-{tag}",
    ]
    assert "SENSE SENYAL" in rows[f"kiosk-mercat-{tag}"] and "no connectat (0)" in rows[f"kiosk-mercat-{tag}"]
    assert "SENSE SENYAL" in rows[f"kiosk-platja-{tag}"] and "mai" in rows[f"kiosk-platja-{tag}"]
    faulty = rows[f"kiosk-ajuntament-{tag}"]
    assert "AVARIA" in faulty and "media-empty-error" in faulty and "printing:NoPaper" in faulty
    assert "Correcte" in rows[f"kiosk-biblioteca-{tag}"] and "12,3 GB" in rows[f"kiosk-biblioteca-{tag}"]
    # Mataró's clock (UTC+1 in winter, +2 in summer).
    local = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Madrid"))
    assert local.strftime("%d/%m/%Y %H:") in rows[f"kiosk-biblioteca-{tag}"] or local.minute == 59
    assert driver.find_element(By.ID, "outbox-counts").text
    shot(driver, screens, "staff-fleet")

    driver.find_element(By.ID, "sign-out").click()
    arrive(driver, "Accés del personal")
    assert "Heu sortit." in driver.find_element(By.TAG_NAME, "main").text
    assert driver.get_cookie("ovac_staff") is None
    driver.get(server.url + "/staff")
    assert driver.current_url == server.url + "/staff/sign-in?lang=ca"
    assert not driver.find_elements(By.ID, "kiosks")
    # The old cookie put back by hand is refused too.
    driver.add_cookie({"name": "ovac_staff", "value": cookie["value"], "path": "/staff"})
    driver.get(server.url + "/staff")
    assert driver.current_url == server.url + "/staff/sign-in?lang=ca"
    shot(driver, screens, "staff-signed-out")
