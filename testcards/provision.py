"""Provision the test cards: the test PKI and one SoftHSM2 token per card, in a private folder.

Layout of the folder (`Provisioned.root`), which nothing else on the machine uses:

    softhsm2.conf        SOFTHSM2_CONF for every process that opens the test cards' tokens
    tokens/              SoftHSM2's token store
    ca/                  trust anchors for the demo backend: the trusted test CAs' PEMs only
    ca-keys/             the trusted test CAs' private keys (0600), so a test can issue a card of its
                         own later (`testcards.extra`)
    untrusted/           the impostor CA that signed the `untrusted` card (never in ca/)
    revoked_serials.txt  hex serial numbers of the revoked cards' certificates, one per line
    crls/                each trusted test CA's revocation list (DER), listing the revoked cards'
    certs/<card>/        each card's certificates (DER), for tests and the backend's seed
    cards.json           the manifest the test-card daemon and the test token layer read
    pinstate.json        PIN tries left per token (SoftHSM2 does not count them; see tokens.py)

Keys only pass through a 0700 temp folder on their way into the tokens.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eid.atr import format_atr
from testcards.citizens import TestCard, load_cards
from testcards.pki import Ca, CardCredentials, credentials_for, make_ca
from testcards.tokens import ENV_TESTCARDS_DIR, PinCounter

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SO_PIN = "ovac-test-so-pin"
#: A DNIe allows three PIN tries.
MAX_TRIES = 3
TRIES_BY_STATE = {"ok": MAX_TRIES, "last-try": 1, "locked": 0}
#: Object labels as OpenSC shows them on a DNIe.
DNIE_LABELS = ("CertAutenticacion", "KprivAutenticacion", "CertFirmaDigital", "KprivFirmaDigital")
#: AOC/T-CAT cards use other labels: the login must find the authentication certificate by key usage.
AOC_LABELS = ("Autenticacio", "Autenticacio", "Signatura", "Signatura")


class _Under:
    """A path in the provisioned folder, as an attribute of `Provisioned`: `ca_dir = _Under("ca")`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, owner: Provisioned, kind: type[Provisioned] | None = None) -> Path:
        return owner.root / self.name


@dataclass(frozen=True)
class Provisioned:
    root: Path

    softhsm2_conf = _Under("softhsm2.conf")
    ca_dir = _Under("ca")
    untrusted_dir = _Under("untrusted")
    revoked_serials = _Under("revoked_serials.txt")
    #: The trusted test CAs' CRLs, for the backend's `--crls`.
    crl_dir = _Under("crls")
    manifest = _Under("cards.json")

    def ca_key_path(self, kind: str) -> Path:
        """The private key of the trusted test CA `kind` ("dnie" or "aoc"), PEM."""
        return self.root / "ca-keys" / f"ovac-test-{kind}-ca.key"

    def ca_cert_path(self, kind: str) -> Path:
        return self.ca_dir / f"ovac-test-{kind}-ca.pem"

    def cert_path(self, card: str, which: str = "auth") -> Path:
        return self.root / "certs" / card / f"{which}.der"

    def env(self) -> dict[str, str]:
        """What a process needs to open the test cards' tokens."""
        return {"SOFTHSM2_CONF": str(self.softhsm2_conf), ENV_TESTCARDS_DIR: str(self.root)}

    def cards(self) -> dict[str, dict[str, str]]:
        data: dict[str, dict[str, str]] = json.loads(self.manifest.read_text())
        return data


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # The command line may hold a test PIN, never a real one; the output is what helps.
        raise RuntimeError(
            f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )


def _write_key(path: Path, key: object) -> None:
    assert hasattr(key, "private_bytes")
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def _load_into_token(card: TestCard, creds: CardCredentials, keys_dir: Path, env: dict[str, str]) -> None:
    citizen = card.citizen
    assert citizen is not None and card.token_label is not None
    label = card.token_label
    cert_auth, key_auth, cert_sign, key_sign = AOC_LABELS if citizen.issuer == "aoc" else DNIE_LABELS
    # On AOC cards the signature pair comes first, so that the fallback by key usage is what finds the
    # authentication certificate.
    if citizen.issuer == "aoc":
        pairs = [("02", key_sign, cert_sign, creds.sign_key, creds.sign_cert)]
        pairs.append(("01", key_auth, cert_auth, creds.auth_key, creds.auth_cert))
    else:
        pairs = [("01", key_auth, cert_auth, creds.auth_key, creds.auth_cert)]
        pairs.append(("02", key_sign, cert_sign, creds.sign_key, creds.sign_cert))
    for key_id, key_label, cert_label, key, cert in pairs:
        key_file = keys_dir / f"{card.name}-{key_id}.pem"
        cert_file = keys_dir / f"{card.name}-{key_id}.der"
        _write_key(key_file, key)
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        common = ["--token", label, "--pin", citizen.pin]
        _run(["softhsm2-util", "--import", str(key_file), "--label", key_label, "--id", key_id, *common], env)
        _run(
            [
                "pkcs11-tool", "--module", str(SOFTHSM_MODULE), "--token-label", label, "--login",
                "--pin", citizen.pin, "--write-object", str(cert_file), "--type", "cert",
                "--label", cert_label, "--id", key_id,
            ],
            env,
        )  # fmt: skip
        key_file.unlink()


def provision(root: Path, cards: Iterable[str] | None = None) -> Provisioned:
    """Create the test PKI and a SoftHSM2 token for each test card (all of them by default) under `root`.

    Any earlier provisioning under `root` is replaced. Takes a few seconds (RSA keys and SoftHSM2 calls).
    """
    out = Provisioned(root)
    all_cards = load_cards()
    chosen = [all_cards[n] for n in cards] if cards is not None else list(all_cards.values())
    for sub in ("tokens", "ca", "ca-keys", "untrusted", "certs", "crls"):
        shutil.rmtree(root / sub, ignore_errors=True)
        (root / sub).mkdir(parents=True, mode=0o700)
    out.softhsm2_conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    env = out.env()
    cas: dict[str, Ca] = {"dnie": make_ca("dnie"), "aoc": make_ca("aoc")}
    untrusted = make_ca("dnie", trusted=False)
    for kind, ca in cas.items():
        out.ca_cert_path(kind).write_bytes(ca.pem())
    (out.untrusted_dir / "ovac-test-untrusted-ca.pem").write_bytes(untrusted.pem())
    for kind, ca in cas.items():
        _write_key(out.ca_key_path(kind), ca.key)

    manifest: dict[str, dict[str, str]] = {}
    revoked: list[x509.Certificate] = []
    creds_by_card: dict[str, CardCredentials] = {}
    for card in chosen:
        entry = {"kind": card.kind, "atr": format_atr(card.atr), "description": card.describe()}
        citizen = card.citizen
        if citizen is not None and card.token_label is not None:
            ca = untrusted if citizen.cert == "untrusted" else cas[citizen.issuer]
            creds = credentials_for(citizen, ca)
            creds_by_card[card.name] = creds
            (root / "certs" / card.name).mkdir(mode=0o700)
            for which, cert in (("auth", creds.auth_cert), ("sign", creds.sign_cert)):
                out.cert_path(card.name, which).write_bytes(cert.public_bytes(serialization.Encoding.DER))
            if citizen.cert == "revoked":
                revoked += [creds.auth_cert, creds.sign_cert]
            entry |= {
                "token_label": card.token_label,
                "pin_state": citizen.pin_state,
                "cert": citizen.cert,
                "auth_serial": f"{creds.auth_cert.serial_number:x}",
            }
            # Tokens are created one at a time: `--init-token --free` picks the first free slot.
            _run(
                [
                    "softhsm2-util", "--init-token", "--free", "--label", card.token_label,
                    "--so-pin", SO_PIN, "--pin", citizen.pin,
                ],
                env,
            )  # fmt: skip
        manifest[card.name] = entry

    with tempfile.TemporaryDirectory(prefix="ovac-keys-") as keys:
        os.chmod(keys, 0o700)
        # One at a time: concurrent softhsm2-util runs on one token store trip over each other.
        with ThreadPoolExecutor(max_workers=1) as pool:
            jobs = [
                pool.submit(_load_into_token, all_cards[name], creds, Path(keys), env)
                for name, creds in creds_by_card.items()
            ]
            for job in jobs:
                job.result()

    out.revoked_serials.write_text("".join(f"{c.serial_number:x}\n" for c in revoked))
    for kind, ca in cas.items():
        listed = [c.serial_number for c in revoked if c.issuer == ca.cert.subject]
        (out.crl_dir / f"ovac-test-{kind}-ca.crl").write_bytes(ca.crl(listed))
    out.manifest.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    PinCounter(root).reset(
        {e["token_label"]: TRIES_BY_STATE[e["pin_state"]] for e in manifest.values() if "token_label" in e}
    )
    return out
