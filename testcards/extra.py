"""Test-only cards: added to a provisioned test-card folder by a test, and removed after it.

The cards of `citizens.toml` are the trainers' (the staff menu and `kiosk testcard list` show them, and
their holders are in the demo padró). A card that exists only to attack the kiosk has no place there: a
trainer would see it in the menu, and its names would reach the demo padró. `added(provisioned, card)`
issues the card's certificates with the folder's own trusted test CA (so the backend accepts its chain,
as it would a real card's), creates its SoftHSM2 token, lists it in the folder's manifest (the test-card
daemon and the test token layer read it again for a card they do not know) and takes it out again (its
token stays in the folder, see `remove`; a card is added once per folder).

`HOSTILE_NAMES` is such a card: markup and a terminal control sequence in its given name, its surnames and
its CN, as anyone can write them into a home-made card.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from eid.atr import format_atr
from testcards.citizens import TestCard, TestCitizen
from testcards.pki import DNIE_AUTH_POLICY, DNIE_SIGN_POLICY, Ca, CardCredentials, issue, new_key
from testcards.provision import SO_PIN, TRIES_BY_STATE, Provisioned, _load_into_token, _run
from testcards.tokens import PinCounter

#: Markup a home-made card may carry in its names: touched, an action link would quit the kiosk or write a
#: screenshot over a file; an unbalanced or lone closing tag makes Textual raise `MarkupError`.
QUIT_MARKUP = "[@click=app.quit]TOCA AQUI[/]"
SCREENSHOT_MARKUP = "[@click=app.screenshot('config.toml','/some/dir')]FOTO[/]"
LONE_CLOSE = "[/]"
MISMATCHED = "[b]x[/i]"
#: "Clear the screen", as a terminal would obey it if the name reached it raw.
CLEAR_SCREEN = "\x1b[2J"
#: What the CN holds besides the purpose (a CN is at most 64 characters).
CN_MARKUP = f"{LONE_CLOSE} {MISMATCHED}"
CN_QUIT = "[@click=app.quit]X[/]"

HOSTILE_NAMES = TestCard(
    name="hostile-names",
    kind="dnie3",
    citizen=TestCitizen(
        id_number="99999999R",
        given_name=f"{SCREENSHOT_MARKUP} {LONE_CLOSE}",
        surname1=QUIT_MARKUP,
        surname2=f"{MISMATCHED}{CLEAR_SCREEN}",
        birth_date=date(1990, 1, 1),
        postal_code="08301",
        issuer="dnie",
        cert="valid",
        pin="Prova2026",
        pin_state="ok",
        padro="not-registered",
        household="",
    ),
)


def hostile_subject(citizen: TestCitizen, purpose: str) -> x509.Name:
    """A DNIe-shaped subject with both surnames in SN and a CN of its own.

    A CN is at most 64 characters (X.520, which `cryptography` enforces), too short for these names: it
    carries markup and the control of its own, and the kiosk reads the surnames from SN, the given name
    from GN (as it does whenever SN holds them whole).
    """
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, citizen.id_number),
            x509.NameAttribute(NameOID.SURNAME, citizen.surnames),
            x509.NameAttribute(NameOID.GIVEN_NAME, citizen.given_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{CN_MARKUP}{CLEAR_SCREEN}, {CN_QUIT} ({purpose})"),
        ]
    )


def credentials(citizen: TestCitizen, ca: Ca) -> CardCredentials:
    """The two key pairs and certificates of a card with `hostile_subject`, valid for a year."""
    now = datetime.now(UTC).replace(microsecond=0)
    not_before, not_after = now - timedelta(days=1), now + timedelta(days=365)
    auth_key, sign_key = new_key(), new_key()
    auth = issue(
        ca, hostile_subject(citizen, "AUTENTICACIÓN"), auth_key.public_key(), not_before=not_before,
        not_after=not_after, signing=False, policy=DNIE_AUTH_POLICY,
    )  # fmt: skip
    sign = issue(
        ca, hostile_subject(citizen, "FIRMA"), sign_key.public_key(), not_before=not_before,
        not_after=not_after, signing=True, policy=DNIE_SIGN_POLICY,
    )  # fmt: skip
    return CardCredentials(auth_key=auth_key, auth_cert=auth, sign_key=sign_key, sign_cert=sign)


def _ca(provisioned: Provisioned, kind: str) -> Ca:
    key = serialization.load_pem_private_key(provisioned.ca_key_path(kind).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    cert = x509.load_pem_x509_certificate(provisioned.ca_cert_path(kind).read_bytes())
    return Ca(name=kind, key=key, cert=cert)


def _has_token(provisioned: Provisioned, label: str) -> bool:
    done = subprocess.run(
        ["softhsm2-util", "--show-slots"],
        env={**os.environ, **provisioned.env()},
        capture_output=True,
        text=True,
        check=False,
    )
    return f"Label:            {label}" in done.stdout or f"Label: {label}" in done.stdout


def _write_manifest(provisioned: Provisioned, manifest: dict[str, dict[str, str]]) -> None:
    tmp = provisioned.manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    tmp.replace(provisioned.manifest)


def add(provisioned: Provisioned, card: TestCard) -> CardCredentials:
    """Issue `card`'s certificates (`hostile_subject`) with the folder's trusted CA, create its token, list
    it in the manifest."""
    citizen, label = card.citizen, card.token_label
    if citizen is None or label is None or citizen.cert != "valid":
        raise ValueError("only a card with a valid certificate can be added")
    manifest = provisioned.cards()
    if card.name in manifest:
        raise ValueError(f"test card {card.name!r} is already provisioned")
    if (provisioned.root / "certs" / card.name).exists() or _has_token(provisioned, label):
        raise ValueError(f"test card {card.name!r} was added before: one token per card and folder")
    creds = credentials(citizen, _ca(provisioned, citizen.issuer))
    env = provisioned.env()
    certs = provisioned.root / "certs" / card.name
    certs.mkdir(mode=0o700)
    for which, cert in (("auth", creds.auth_cert), ("sign", creds.sign_cert)):
        provisioned.cert_path(card.name, which).write_bytes(cert.public_bytes(serialization.Encoding.DER))
    _run(
        [
            "softhsm2-util", "--init-token", "--free", "--label", label,
            "--so-pin", SO_PIN, "--pin", citizen.pin,
        ],
        env,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ovac-keys-") as keys:
        Path(keys).chmod(0o700)
        _load_into_token(card, creds, Path(keys), env)
    PinCounter(provisioned.root).set(label, TRIES_BY_STATE[citizen.pin_state])
    manifest[card.name] = {
        "kind": card.kind,
        "atr": format_atr(card.atr),
        "description": card.describe() + " (test only)",
        "token_label": label,
        "pin_state": citizen.pin_state,
        "cert": citizen.cert,
        "auth_serial": f"{creds.auth_cert.serial_number:x}",
        "test_only": "true",
    }
    _write_manifest(provisioned, manifest)
    return creds


def remove(provisioned: Provisioned, card: TestCard) -> None:
    """Take `card` out of the manifest and delete its certificates (safe if partly added).

    Its token stays in the folder's token store (which goes with the folder): deleting a token under a
    process that has SoftHSM2 loaded, as the test run itself has, makes that process's later PKCS#11 calls
    fail with CKR_GENERAL_ERROR. Out of the manifest, no reader can hold the card any more.
    """
    manifest = provisioned.cards()
    if manifest.pop(card.name, None) is not None:
        _write_manifest(provisioned, manifest)
    shutil.rmtree(provisioned.root / "certs" / card.name, ignore_errors=True)


@contextmanager
def added(provisioned: Provisioned, card: TestCard) -> Iterator[CardCredentials]:
    """`card` provisioned for the duration of the block (the test-card daemon must already run)."""
    try:
        yield add(provisioned, card)
    finally:
        remove(provisioned, card)
