"""Citizen login and kiosk authentication over real HTTP: the happy paths and every refusal, each
leaving no session behind."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest
import requests

from tests.fixtures.backend import DNIE_SIGN_POLICY, Issued, TestPKI
from tests.integration.backend.conftest import Api, Citizens

pytestmark = pytest.mark.timeout(120)


def test_certificate_login_dnie(api: Api, citizens: Citizens) -> None:
    body = api.login(citizens.carmen)
    assert body["scope"] == "full"
    assert body["citizen"] == {
        "id_number": "12345678Z",
        "given_name": "CARMEN",
        "surnames": "ESPAÑOLA ESPAÑOLA",
        "certificate_kind": "dnie",
    }
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(minutes=9) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)


def test_certificate_login_aoc_form(api: Api, citizens: Citizens) -> None:
    body = api.login(citizens.maria_rosa)
    assert body["citizen"]["id_number"] == "11111111H"
    assert body["citizen"]["given_name"] == "MARIA ROSA"
    assert body["citizen"]["surnames"] == "LLOPIS GÜELL"
    assert body["citizen"]["certificate_kind"] == "aoc"


def _refused(api: Api, body: dict[str, str], status: int, code: str) -> None:
    before = api.sessions()
    r = api.post("/v1/auth/sessions", json=body, headers={"Accept-Language": "es"})
    assert r.status_code == status, r.text
    error = r.json()
    assert error["code"] == code
    assert error["message"] and "token" not in error
    assert api.sessions() == before


def test_forged_signature(api: Api, citizens: Citizens) -> None:
    body = citizens.carmen.login_body(api.challenge())
    forged = bytearray(base64.b64decode(body["signature"]))
    forged[10] ^= 0xFF
    body["signature"] = base64.b64encode(bytes(forged)).decode()
    _refused(api, body, 401, "signature_invalid")


def test_signature_by_another_key(api: Api, citizens: Citizens) -> None:
    challenge = api.challenge()
    body = citizens.carmen.login_body(challenge)
    body["signature"] = citizens.jordi.login_body(challenge)["signature"]
    if citizens.carmen.key is citizens.jordi.key:
        pytest.skip("the key cache gave both certificates one key")
    _refused(api, body, 401, "signature_invalid")


def test_signature_over_another_nonce(api: Api, citizens: Citizens) -> None:
    other = base64.b64decode(api.challenge()["nonce"])
    _refused(api, citizens.carmen.login_body(api.challenge(), nonce=other), 401, "signature_invalid")


def test_replayed_challenge(api: Api, citizens: Citizens) -> None:
    body = citizens.carmen.login_body(api.challenge())
    assert api.post("/v1/auth/sessions", json=body).status_code == 201
    _refused(api, body, 401, "challenge_used")


def test_refused_attempt_burns_the_challenge(api: Api, citizens: Citizens) -> None:
    challenge = api.challenge()
    bad = citizens.carmen.login_body(challenge, nonce=b"x" * 32)
    _refused(api, bad, 401, "signature_invalid")
    _refused(api, citizens.carmen.login_body(challenge), 401, "challenge_used")


def test_expired_challenge(api: Api, citizens: Citizens) -> None:
    challenge = api.challenge()
    past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    api.execute(
        "UPDATE auth_challenges SET expires_at = :t WHERE id = :id", t=past, id=challenge["challenge_id"]
    )
    _refused(api, citizens.carmen.login_body(challenge), 401, "challenge_expired")


def test_challenge_expires_in_two_minutes(api: Api) -> None:
    challenge = api.challenge()
    left = dt.datetime.fromisoformat(challenge["expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=100) < left <= dt.timedelta(seconds=120)


def test_unknown_challenge(api: Api, citizens: Citizens) -> None:
    body = citizens.carmen.login_body(
        {"challenge_id": "0" * 32, "nonce": base64.b64encode(b"n" * 32).decode()}
    )
    _refused(api, body, 401, "challenge_unknown")


def test_challenge_of_another_kiosk(api: Api, citizens: Citizens) -> None:
    other = Api(api.info, api.engine, api.info.add_kiosk("kiosk-challenge-thief"))
    _refused(other, citizens.carmen.login_body(api.challenge()), 401, "challenge_unknown")


def test_untrusted_ca(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.untrusted.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_untrusted")


def test_expired_certificate(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA", days_valid=(-800, -1))
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_expired")


def test_not_yet_valid_certificate(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA", days_valid=(2, 300))
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_not_yet_valid")


def test_certificate_without_digital_signature(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA", digital_signature=False)
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_wrong_usage")


def test_dnie_signing_certificate_cannot_log_in(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA", policy=DNIE_SIGN_POLICY)
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_wrong_usage")


def test_wrong_check_letter(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("12345678A", "CARMEN", "ESPAÑOLA", "ESPAÑOLA")
    _refused(api, cert.login_body(api.challenge()), 401, "identity_invalid")


def test_revoked_certificate(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("45678901G", "ANDREU", "MARTÍ", "SOLER")
    assert api.post("/v1/auth/sessions", json=cert.login_body(api.challenge())).status_code == 201
    api.info.revoke(cert.serial)
    _refused(api, cert.login_body(api.challenge()), 401, "certificate_revoked")


def _accepted(api: Api, cert: Issued) -> None:
    assert api.post("/v1/auth/sessions", json=cert.login_body(api.challenge())).status_code == 201


def test_certificate_listed_in_its_issuers_crl(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("23456789D", "JORDI", "PUIG", "VILA")
    _accepted(api, cert)
    try:
        api.info.publish_crl("dnie.crl", backend_pki.dnie.crl([cert.serial]))  # DER, as the CAs publish
        _refused(api, cert.login_body(api.challenge()), 401, "certificate_revoked")
        # The CA's next CRL no longer lists it (a suspension lifted): replaced in place, no restart.
        api.info.publish_crl("dnie.crl", backend_pki.dnie.crl([], pem=True))
        _accepted(api, cert)
    finally:
        api.info.publish_crl("dnie.crl", None)


def test_crl_not_signed_by_a_trust_anchor_is_ignored(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("34567890V", "MARTA", "SALA", "ROCA")
    forged = backend_pki.dnie.crl([cert.serial], signer=backend_pki.untrusted.key)
    try:
        api.info.publish_crl("forged.crl", forged)
        api.info.publish_crl("garbage.crl", b"not a CRL")
        _accepted(api, cert)
        log = api.info.log_path.read_text()
        assert "forged.crl is not signed by a trust anchor; ignored" in log
        assert "garbage.crl is not a CRL; ignored" in log
    finally:
        api.info.publish_crl("forged.crl", None)
        api.info.publish_crl("garbage.crl", None)


def test_crl_past_its_next_update_still_applies(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("56781234F", "PAU", "RIERA", "COLL")
    try:
        api.info.publish_crl("stale.crl", backend_pki.dnie.crl([cert.serial], next_update_days=-1))
        _refused(api, cert.login_body(api.challenge()), 401, "certificate_revoked")
        assert "stale.crl is past its next update" in api.info.log_path.read_text()
    finally:
        api.info.publish_crl("stale.crl", None)
    _accepted(api, cert)  # removed from the folder: no longer applied


def test_crl_of_another_ca_revokes_nothing_of_this_one(api: Api, backend_pki: TestPKI) -> None:
    cert = backend_pki.dnie.issue("67812345L", "NÚRIA", "FONT", "MAS")
    try:
        api.info.publish_crl("aoc.crl", backend_pki.aoc.crl([cert.serial]))  # the same number, AOC's list
        _accepted(api, cert)
    finally:
        api.info.publish_crl("aoc.crl", None)


def test_garbage_certificate(api: Api) -> None:
    body = {"challenge_id": api.challenge()["challenge_id"], "certificate": "AAAA", "signature": "AAAA"}
    _refused(api, body, 401, "certificate_invalid")
    body = {
        "challenge_id": api.challenge()["challenge_id"],
        "certificate": "not base64!",
        "signature": "AAAA",
    }
    _refused(api, body, 422, "validation_error")


@pytest.mark.parametrize(
    "credentials", [None, ("devstack-kiosk", "Wr0ng-Secret-4417"), ("no-such-kiosk", "Unkn0wn-Secret-9931")]
)
def test_unknown_kiosk_or_wrong_secret(api: Api, credentials: tuple[str, str] | None) -> None:
    headers = {} if credentials is None else {"X-Kiosk-Id": credentials[0], "X-Kiosk-Key": credentials[1]}
    if credentials and credentials[0] == "devstack-kiosk":
        headers["X-Kiosk-Id"] = api.kiosk[0]
    before = api.sessions()
    for method, path in (("post", "/v1/auth/challenges"), ("get", "/v1/padro/registration")):
        r = requests.request(method, api.info.url + path, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.json()["code"] == "kiosk_unauthorised"
    assert api.sessions() == before
    if credentials:
        assert credentials[1] not in api.info.log_path.read_text()


def test_logout_ends_the_session(api: Api, citizens: Citizens) -> None:
    token = api.login(citizens.jordi)["token"]
    assert api.get("/v1/padro/registration", token).status_code == 200
    assert api.delete("/v1/auth/sessions/current", token).status_code == 204
    r = api.get("/v1/padro/registration", token)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
    assert api.delete("/v1/auth/sessions/current", token).status_code == 204


def test_session_expires_after_ten_idle_minutes(api: Api, citizens: Citizens) -> None:
    import hashlib

    token = api.login(citizens.jordi)["token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    api.execute(
        "UPDATE citizen_sessions SET last_seen_at = :t WHERE token_hash = :h",
        t=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=9, seconds=50),
        h=digest,
    )
    assert api.get("/v1/padro/registration", token).status_code == 200  # activity resets the clock
    api.execute(
        "UPDATE citizen_sessions SET last_seen_at = :t WHERE token_hash = :h",
        t=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=10, seconds=5),
        h=digest,
    )
    r = api.get("/v1/padro/registration", token)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"


def test_token_is_bound_to_its_kiosk(api: Api, citizens: Citizens) -> None:
    token = api.login(citizens.jordi)["token"]
    other = Api(api.info, api.engine, api.info.add_kiosk("kiosk-token-thief"))
    r = other.get("/v1/padro/registration", token)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"


def test_token_of_another_citizen_gives_only_their_own_data(api: Api, citizens: Citizens) -> None:
    # At two kiosks: a kiosk's next login would end Carmen's session.
    other = Api(api.info, api.engine, api.info.add_kiosk(f"kiosk-next-door-{uuid.uuid4().hex[:8]}"))
    carmen = api.login(citizens.carmen)["token"]
    jordi = other.login(citizens.jordi)["token"]
    key = {"Idempotency-Key": "shared-key-between-citizens"}
    first = api.post("/v1/padro/documents", carmen, json={"kind": "volant_individual"}, headers=key)
    assert first.status_code == 201
    # Jordi's token with the key Carmen used never returns Carmen's document.
    second = other.post("/v1/padro/documents", jordi, json={"kind": "volant_individual"}, headers=key)
    assert second.status_code == 201
    assert second.json()["holder"]["id_number"] == "87654321X"
    assert second.json()["csv"] != first.json()["csv"]
    assert (
        api.post("/v1/padro/documents", "forged-token", json={"kind": "volant_individual"}).status_code == 401
    )


def test_no_token(api: Api) -> None:
    r = api.get("/v1/padro/registration")
    assert r.status_code == 401 and r.json()["code"] == "session_required"


# --- weak identification (deixalleria only) --------------------------------------------------------


def test_weak_login_grants_deixalleria_only(api: Api) -> None:
    r = api.weak_login("12345678z", "1980-04-15", "08301")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["scope"] == "deixalleria" and body["citizen"]["certificate_kind"] is None
    token = body["token"]
    assert api.get("/v1/deixalleria/summary", token).status_code == 200
    r = api.get("/v1/padro/registration", token)
    assert r.status_code == 403 and r.json()["code"] == "scope_forbidden"
    r = api.post("/v1/padro/documents", token, json={"kind": "volant_individual"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("id_number", "birth", "postal", "status", "code"),
    [
        ("87654321X", "1958-11-03", "08302", 401, "weak_login_failed"),  # wrong birth date
        ("87654321X", "1958-11-02", "08301", 401, "weak_login_failed"),  # wrong postal code
        ("23456789D", "1975-09-09", "08001", 401, "weak_login_failed"),  # not in the padró
        ("87654321A", "1958-11-02", "08302", 422, "id_number_invalid"),  # wrong check letter
    ],
)
def test_weak_login_refusals(
    api: Api, id_number: str, birth: str, postal: str, status: int, code: str
) -> None:
    before = api.sessions()
    r = api.weak_login(id_number, birth, postal)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert api.sessions() == before


def test_weak_login_rate_limited_per_id_number(api: Api) -> None:
    # Núria (test card "expired"): five failures lock her ID number for a while, even with right data.
    for _ in range(5):
        assert api.weak_login("34567890V", "1969-03-13", "08301").status_code == 401
    r = api.weak_login("34567890V", "1969-03-12", "08301")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert "Retry-After" in r.headers


def test_weak_login_rate_limited_per_kiosk(api: Api) -> None:
    kiosk = Api(api.info, api.engine, api.info.add_kiosk("kiosk-brute-force"))
    for n in range(20):
        digits = 10_000_000 + n
        letter = "TRWAGMYFPDXBNJZSQVHLCKE"[digits % 23]
        assert kiosk.weak_login(f"{digits}{letter}", "1970-01-01", "08301").status_code == 401
    r = kiosk.weak_login("12345678Z", "1980-04-15", "08301")
    assert r.status_code == 429
    assert api.weak_login("12345678Z", "1980-04-15", "08301").status_code == 201  # other kiosks unaffected


def test_logs_carry_no_citizen_data(api: Api, citizens: Citizens) -> None:
    api.login(citizens.carmen)
    api.weak_login("87654321X", "1958-11-02", "08302")
    log = api.info.log_path.read_text()
    for secret in ("12345678Z", "87654321X", "CARMEN", "ESPAÑOLA", "1958-11-02", api.kiosk[1]):
        assert secret not in log
