"""The backend's web pages over real HTTP, without a browser (tests/e2e/web has the browser's view), on
SQLite and PostgreSQL: the verification page at the URL printed on documents (HTML to a browser, the
same JSON as ever to programs), its languages, its 404 and 429 pages, its escaping of hostile text; the
staff's sign-in (the cookie's attributes, CSRF), the fleet page and sign-out.

Each test that counts requests (the verification page's limit, the sign-in throttle) comes from an
address of its own: uvicorn takes X-Forwarded-For from loopback, as from the reverse proxy."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from municipal.api.kiosks import register_staff
from municipal.web import verify
from municipal.web.page import CSP
from tests.integration.backend.conftest import Api
from tests.integration.backend.test_instancies import FIELDS, submit

pytestmark = pytest.mark.timeout(120)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def address() -> str:
    """A client address of the test's own (TEST-NET-3, 203.0.113.0/24, and beyond)."""
    return f"203.0.{secrets.randbelow(200) + 10}.{secrets.randbelow(250) + 1}"


def page(api: Api, path: str, client: str | None = None, **headers: str) -> requests.Response:
    sent = {"Accept": BROWSER, "X-Forwarded-For": client or address(), **headers}
    return requests.get(api.info.url + path, headers=sent, timeout=30, allow_redirects=False)


def volant(api: Api, token: str) -> dict[str, Any]:
    r = api.post("/v1/padro/documents", token, json={"kind": "volant_collectiu"})
    assert r.status_code == 201, r.text
    doc: dict[str, Any] = r.json()
    return doc


def test_the_printed_url_is_a_page_for_a_browser_and_the_json_for_a_program(
    api: Api, tokens: dict[str, str]
) -> None:
    doc = volant(api, tokens["carmen"])
    path = doc["verify_url"].removeprefix(api.info.url)
    r = page(api, path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP and "script-src" not in CSP
    assert CSP.startswith("default-src 'none'")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
    assert "accept" in r.headers["vary"].lower()
    body = r.text
    assert '<html lang="ca">' in body and "Volant d&#x27;empadronament col·lectiu" in body
    assert doc["csv"] in body and "CARMEN" in body and "***4567**" in body
    assert f'href="{doc["csv"]}/pdf"' in body
    assert "<script" not in body.lower()
    # Nothing of what the JSON withholds: ID numbers in full, birth dates (either way), the postal code.
    people = [doc["holder"], *doc["inhabitants"]]
    births = [p["birth_date"] for p in people if p.get("birth_date")]
    withheld = [p["id_number"] for p in people if p.get("id_number")] + [doc["address"]["postal_code"]]
    withheld += births + [f"{b[8:10]}/{b[5:7]}/{b[0:4]}" for b in births]
    assert [s for s in withheld if s in body] == []
    # A program gets the JSON it always had: no Accept, */*, application/json, or JSON preferred.
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        answer = requests.get(doc["verify_url"], headers=headers, timeout=30)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json", accept
        assert answer.json()["csv"] == doc["csv"] and answer.json()["holder"]["id_number"] == "***4567**"
        assert "accept" in answer.headers["vary"].lower()
    # The PDF link of the page is the masked PDF.
    pdf = requests.get(f"{doc['verify_url']}/pdf", headers={"Accept": BROWSER}, timeout=30)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_the_page_speaks_catalan_spanish_or_english(api: Api, tokens: dict[str, str]) -> None:
    doc = volant(api, tokens["carmen"])
    path = doc["verify_url"].removeprefix(api.info.url)
    spanish = page(api, path, **{"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="es">' in spanish and "Verificación de documento" in spanish
    assert "Volante de empadronamiento colectivo" in spanish and "Calle" in spanish
    english = page(api, path + "?lang=en", **{"Accept-Language": "es"}).text
    assert '<html lang="en">' in english and "Document verification" in english and "Street" in english
    # Each page links to the other two; the language it is in is not a link.
    assert 'href="?lang=ca"' in english and 'href="?lang=es"' in english and 'href="?lang=en"' not in english
    catalan = page(api, path + "?lang=xx", **{"Accept-Language": "fr"}).text
    assert '<html lang="ca">' in catalan and "Verificació de document" in catalan


def test_an_unknown_csv_is_a_404_page(api: Api) -> None:
    for csv in ("NOSUCHCSV", "X" * 41, "%3Cb%3Eclick%22%27"):
        r = page(api, f"/v1/verify/{csv}?lang=en")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), csv
        assert "Document not found" in r.text and "scan its QR code again" in r.text
        assert r.headers["content-security-policy"] == CSP
    assert "&lt;b&gt;click&quot;&#x27;" in r.text and "<b>" not in r.text
    # ...and a program still gets the JSON error.
    r = requests.get(f"{api.info.url}/v1/verify/NOSUCHCSV", timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "document_not_found"


HOSTILE = '<script>alert("x")</script> \'" & <img src=x onerror=alert(1)>'


def test_citizens_text_on_the_page_is_text(api: Api, tokens: dict[str, str]) -> None:
    fields = {**FIELDS, "subject": HOSTILE, "exposo": "Que </dd></dl><h1>Fals</h1>"}
    r = submit(api, tokens["jordi"], fields=fields)
    assert r.status_code == 201, r.text
    receipt = r.json()
    body = page(api, f"/v1/verify/{receipt['csv']}").text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#x27;&quot; &amp; &lt;img" in body
    assert "<script" not in body and "<img" not in body and "<h1>Fals" not in body
    # Text stored with control and invisible characters (an older server's, a city's own backend):
    # shown as U+FFFD, never as the characters (a bidi override reorders what follows it).
    stored = json.loads(
        api.scalar("SELECT payload FROM issued_documents WHERE csv = :csv", csv=receipt["csv"])
    )
    other = volant(api, tokens["carmen"])
    tampered = json.loads(
        api.scalar("SELECT payload FROM issued_documents WHERE csv = :csv", csv=other["csv"])
    )
    tampered["address"]["street"] = "Riera\u202e\u200b\x1b[2J\x07 <i>"
    api.execute(
        "UPDATE issued_documents SET payload = :p WHERE csv = :csv", p=json.dumps(tampered), csv=other["csv"]
    )
    body = page(api, f"/v1/verify/{other['csv']}").text
    assert "Riera\ufffd\ufffd\ufffd[2J\ufffd &lt;i&gt;" in body
    assert not any(c in body for c in "\u202e\u200b\x1b\x07")
    assert stored["subject"] == HOSTILE  # what the registry keeps is what the citizen typed


def test_the_page_is_rate_limited_per_address(api: Api) -> None:
    client = address()
    statuses = [page(api, "/v1/verify/NOSUCHCSV", client).status_code for _ in range(verify.PAGES_PER_MINUTE)]
    assert statuses == [404] * verify.PAGES_PER_MINUTE
    refused = page(api, "/v1/verify/NOSUCHCSV?lang=es", client)
    assert refused.status_code == 429 and refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and "Demasiadas consultas" in refused.text
    assert refused.headers["content-security-policy"] == CSP
    assert page(api, "/v1/verify/NOSUCHCSV").status_code == 404  # another address is served
    json_answer = requests.get(
        f"{api.info.url}/v1/verify/NOSUCHCSV", headers={"X-Forwarded-For": client}, timeout=10
    )
    assert json_answer.status_code == 404  # the JSON is the proxy's to limit, as before


# --- the staff's pages ---------------------------------------------------------------------------------


@pytest.fixture
def staff(api: Api) -> tuple[str, str]:
    staff_id, key = f"staff-{secrets.token_hex(3)}", secrets.token_urlsafe(24)
    register_staff(api.engine, staff_id, key)
    return staff_id, key


def set_cookie(response: requests.Response, name: str) -> str:
    [header] = [h for h in response.raw.headers.getlist("set-cookie") if h.startswith(name + "=")]
    return str(header)


def hidden_csrf(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


def sign_in(
    api: Api, staff: tuple[str, str], client: str, **headers: str
) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    browser.headers.update({"Accept": BROWSER, "X-Forwarded-For": client, **headers})
    form = browser.get(api.info.url + "/staff/sign-in", timeout=30)
    assert form.status_code == 200 and 'name="csrf"' in form.text
    token = hidden_csrf(form.text)
    assert token == form.cookies["ovac_staff_form"]
    r = browser.post(
        api.info.url + "/staff/sign-in",
        data={"staff_id": staff[0], "key": staff[1], "csrf": token},
        cookies={"ovac_staff_form": token},  # sent by hand: a Secure one is not sent over HTTP
        allow_redirects=False,
        timeout=30,
    )
    return browser, r


def test_staff_sign_in_sets_a_strict_session_cookie(api: Api, staff: tuple[str, str]) -> None:
    browser, r = sign_in(api, staff, address())
    assert r.status_code == 303 and r.headers["location"] == "/staff?lang=ca"
    assert staff[1] not in r.headers["location"]
    cookie = set_cookie(r, "ovac_staff").lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert "max-age=28800" in cookie and "expires=" in cookie
    assert "secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    assert staff[1] not in cookie
    fleet = browser.get(api.info.url + "/staff", timeout=30, allow_redirects=False)
    assert fleet.status_code == 200 and "Estat dels caixers" in fleet.text
    assert fleet.headers["content-security-policy"] == CSP and '<meta http-equiv="refresh"' in fleet.text
    # Behind the TLS proxy (X-Forwarded-Proto from loopback), the cookies are Secure.
    _, secure = sign_in(api, staff, address(), **{"X-Forwarded-Proto": "https"})
    assert secure.status_code == 303 and "; secure" in set_cookie(secure, "ovac_staff").lower()


def test_staff_forms_refuse_cross_site_posts(api: Api, staff: tuple[str, str]) -> None:
    url = api.info.url + "/staff/sign-in"
    client = address()
    headers = {"Accept": BROWSER, "X-Forwarded-For": client}
    # No form token (another site's form cannot read the cookie's), or one not matching the cookie.
    r = requests.post(url, data={"staff_id": staff[0], "key": staff[1]}, headers=headers, timeout=30)
    assert r.status_code == 403 and "ovac_staff=" not in r.headers.get("set-cookie", "")
    browser = requests.Session()
    browser.headers.update(headers)
    browser.get(url, timeout=30)
    data = {"staff_id": staff[0], "key": staff[1], "csrf": "forged"}
    assert browser.post(url, data=data, allow_redirects=False, timeout=30).status_code == 403
    data["csrf"] = browser.cookies["ovac_staff_form"]
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert browser.post(url, data=data, headers=evil, allow_redirects=False, timeout=30).status_code == 403
    # A wrong key is refused with the form again; the right one from this origin passes. (Every form
    # the server answers with has a token of its own.)
    data["csrf"] = browser.cookies["ovac_staff_form"]
    wrong = browser.post(url, data={**data, "key": "nope"}, allow_redirects=False, timeout=30)
    assert wrong.status_code == 401 and "no són correctes" in wrong.text
    data["csrf"] = browser.cookies["ovac_staff_form"]
    own = {"Origin": api.info.url, "Sec-Fetch-Site": "same-origin"}
    assert browser.post(url, data=data, headers=own, allow_redirects=False, timeout=30).status_code == 303


def test_the_fleet_page_is_for_a_signed_in_session_only(api: Api, staff: tuple[str, str]) -> None:
    client = address()
    anonymous = page(api, "/staff", client)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/sign-in?lang=ca"
    forged = page(api, "/staff", client, Cookie=f"ovac_staff=c3RhZmY.{2**40}.nonce.mac")
    assert forged.status_code == 303
    browser, _ = sign_in(api, staff, client)
    fleet = browser.get(api.info.url + "/staff", timeout=30)
    cookie = browser.cookies["ovac_staff"]
    # Sign-out needs the page's token: another site's form cannot sign staff out.
    r = browser.post(api.info.url + "/staff/sign-out", data={"csrf": "x"}, timeout=30)
    assert r.status_code == 403
    assert browser.get(api.info.url + "/staff", timeout=30, allow_redirects=False).status_code == 200
    token = hidden_csrf(fleet.text)
    r = browser.post(api.info.url + "/staff/sign-out", data={"csrf": token}, timeout=30)
    assert r.status_code == 200 and "Heu sortit" in r.text
    assert "ovac_staff=" in r.headers["set-cookie"] and "max-age=0" in r.headers["set-cookie"].lower()
    # The cookie is gone from the browser, and a copy of it is refused too.
    assert browser.get(api.info.url + "/staff", timeout=30, allow_redirects=False).status_code == 303
    assert page(api, "/staff", client, Cookie=f"ovac_staff={cookie}").status_code == 303
    # A new key ends every session made with the old one.
    browser, _ = sign_in(api, staff, client)
    assert browser.get(api.info.url + "/staff", timeout=30, allow_redirects=False).status_code == 200
    register_staff(api.engine, staff[0], secrets.token_urlsafe(24))
    assert browser.get(api.info.url + "/staff", timeout=30, allow_redirects=False).status_code == 303


def test_the_fleet_page_shows_kiosks_and_dead_messages_masked(api: Api, staff: tuple[str, str]) -> None:
    silent, _ = api.info.add_kiosk(f"silent-<b>{secrets.token_hex(2)}</b>")
    email = f"jordi.puig.{secrets.token_hex(2)}@example.org"
    now = datetime.now(UTC)
    api.execute(
        "INSERT INTO outbox_messages (kind, channel, recipient, consent, language, payload, idempotency_key,"
        " state, attempts, created_at, last_error) VALUES ('instancia_received', 'email', :email,"
        " 'instancia:electronic', 'ca', '{}', :key, 'dead', 8, :at, :error)",
        email=email,
        key=f"<{secrets.token_hex(8)}@ovac>",
        at=now - timedelta(hours=2),
        error=f"550 5.1.1 <{email}>: Recipient address rejected; call +34 600 123 456",
    )
    browser, _ = sign_in(api, staff, address())
    body = browser.get(api.info.url + "/staff?lang=en", timeout=30).text
    assert "Kiosk fleet status" in body and "NO HEARTBEAT" in body
    assert "silent-&lt;b&gt;" in body and "<b>" not in body
    assert email not in body and "j***@example.org" in body and "600 123 456" not in body
    assert "Recipient address rejected" in body and "undeliverable" in body
