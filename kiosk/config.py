"""The kiosk's configuration: `config.toml` loaded with tomllib and validated into frozen, typed settings.

Every key is documented in the project's `config.toml`. A broken file never reaches the app: `load()`
raises `ConfigError` with one plain sentence naming the file, the key and the problem.

`load_for_kiosk()` (what `kiosk` and `kiosk --check-config` use) also refuses, in `mode = "production"`,
what is only safe in a demo or a workshop: the published demo secrets, plain http to another computer, the
folder printer and the virtual test cards (`production_problems`). The tests build production-looking
settings with `load()`, so that the shell can be tested in either mode; the card provider itself
(`kiosk.cli.card_provider`) refuses the test cards outside training whatever loaded the settings.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, FilePath, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails

#: Environment variable that points at the config file (used by tests and by systemd units).
CONFIG_ENV = "KIOSK_CONFIG"
#: Where a production kiosk keeps its configuration.
SYSTEM_CONFIG = Path("/etc/ovac-kiosk/config.toml")

Language = Literal["ca", "es", "en", "fr", "ro"]
PositiveSeconds = Annotated[float, Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskSection(_Section):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    """Identifier of this kiosk, as registered with the backend."""
    name: str = "Oficina Virtual d'Atenció Ciutadana"
    """Name shown on the attract screen (the place where the kiosk stands)."""
    mode: Literal["production", "training"] = "production"
    """`production` for citizens; `training` for workshops and demonstrations (banner, watermark)."""
    temp_dir: Path | None = None
    """Parent folder of the per-session temp folders; empty = the system's temp folder."""


class UiSection(_Section):
    default_language: Language = "ca"
    """Language the kiosk starts in and returns to after every session (Llei 1/1998: Catalan)."""
    languages: Annotated[tuple[Language, ...], Field(min_length=1)] = ("ca", "es", "en", "fr", "ro")
    """Languages offered on the attract screen, in this order (documents print in Catalan or Spanish)."""
    idle_warning_seconds: PositiveSeconds = 90
    """Seconds without a key, click or touch before the 'do you need more time?' warning."""
    idle_wipe_seconds: PositiveSeconds = 30
    """Seconds the warning stays up before the session is ended and wiped."""

    @field_validator("languages")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


class StaffSection(_Section):
    pin_hash: Annotated[str, Field(pattern=r"^scrypt\$")]
    """scrypt hash of the staff PIN, made with `kiosk hash-pin` (never the PIN itself)."""
    wrong_pin_delay_seconds: Annotated[float, Field(ge=0)] = 2.0
    """Delay after each wrong staff PIN, doubling after every further failure."""


class BackendSection(_Section):
    url: Annotated[str, Field(pattern=r"^https?://")]
    """Base URL of the municipal backend (the `/v1` contract is appended by the client)."""
    kiosk_key: SecretStr
    """This kiosk's secret, as registered with the backend. Keep the file readable by the kiosk user only."""
    connect_timeout_seconds: PositiveSeconds = 3.0
    """Seconds to wait for a TCP connection to the backend."""
    read_timeout_seconds: PositiveSeconds = 15.0
    """Seconds to wait for the backend's answer once connected."""
    retries: Annotated[int, Field(ge=0, le=5)] = 2
    """Retries (with backoff) for requests that are safe to repeat."""
    ca_file: FilePath | None = None
    """PEM file of the certificate authorities the kiosk trusts for an https:// backend (the city's own
    CA, say); empty = the system's. Certificates are always verified: there is no way to turn it off."""


class EidSection(_Section):
    cards: Literal["pkcs11", "test"] = "pkcs11"
    """`pkcs11`: the citizens' cards through `pkcs11_module`; `test`: the virtual test cards (training)."""
    pkcs11_module: Path = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
    """PKCS#11 module: OpenSC's `opensc-pkcs11.so` on a real kiosk, SoftHSM2 for test cards."""
    testcards_dir: Path | None = None
    """The running test cards' folder (cards = "test"); empty = $OVAC_TESTCARDS_DIR, else the one the
    demo announces."""
    readers: tuple[str, ...] = ()
    """Names (or name prefixes) of the readers to watch; empty = every reader PC/SC reports."""


class PrinterSection(_Section):
    kind: Literal["cups", "folder"] = "folder"
    """`cups` prints through CUPS; `folder` writes the PDFs to `folder` (demos without a printer)."""
    name: str = ""
    """CUPS queue name (kind = "cups")."""
    cups_server: str = ""
    """CUPS server (host[:port] or socket path); empty = the system's default."""
    folder: Path = Path("/var/tmp/ovac-kiosk/printed")
    """Where the folder printer writes its PDFs (kind = "folder"), each readable by the kiosk user only."""
    folder_keep_minutes: PositiveSeconds = 180
    """Minutes the folder printer keeps a PDF before deleting it (kind = "folder")."""
    timeout_seconds: PositiveSeconds = 60
    """Seconds a job may take before the kiosk cancels it and tells the citizen."""
    collect_hint: str = ""
    """Where the citizen collects the paper (e.g. 'the printer to your right'); empty = a generic sentence."""

    @field_validator("name")
    @classmethod
    def _queue_name(cls, value: str) -> str:
        if any(ch.isspace() or ch in "/#" for ch in value):
            raise ValueError("a CUPS queue name has no spaces, '/' or '#'")
        return value


class AttachmentsSection(_Section):
    mount_roots: tuple[Path, ...] = (Path("/media"), Path("/run/media"))
    """Folders where USB sticks appear; the citizen's file picker never leaves them."""
    eject_command: tuple[str, ...] = ()
    """Program (and its arguments) that unmounts and powers off a stick once the citizen is told to take
    it, e.g. ["udiskie-umount", "--detach"]; the stick's mount point is added as its last argument (no
    shell). Empty = do nothing and say nothing (demo and training kiosks)."""
    eject_timeout_seconds: PositiveSeconds = 20
    """Seconds the eject command may take before it is stopped (the failure is logged, never shown)."""


class LoggingSection(_Section):
    file: Path | None = None
    """Rotating log file, besides the journal; empty = none. Under systemd the kiosk logs to the journal
    (`journalctl -t ovac-kiosk`); elsewhere to stderr when it is not the kiosk's own terminal."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Log level. No level ever logs a PIN or a citizen's data."""


class HealthSection(_Section):
    heartbeat_seconds: PositiveSeconds = 60
    """Seconds between heartbeats to the backend (reader, card stack, printer, disk; no citizen data)."""
    heartbeat: bool = True
    """Send heartbeats (`GET /v1/kiosks/status` shows staff the kiosks that stopped sending them)."""


class SpeechSection(_Section):
    espeak_binary: str = "espeak-ng"
    """The espeak-ng program that speaks (Debian `espeak-ng`); a missing one leaves the kiosk silent."""
    default_volume: Annotated[int, Field(ge=0, le=100)] = 60
    """Volume (percent) when speech is turned on; every session starts again from it."""
    rate: Annotated[int, Field(ge=80, le=400)] = 150
    """Words per minute."""


class Settings(_Section):
    kiosk: KioskSection
    ui: UiSection = UiSection()
    staff: StaffSection
    backend: BackendSection
    eid: EidSection = EidSection()
    printer: PrinterSection = PrinterSection()
    attachments: AttachmentsSection = AttachmentsSection()
    logging: LoggingSection = LoggingSection()
    health: HealthSection = HealthSection()
    speech: SpeechSection = SpeechSection()
    source: Path | None = Field(default=None, exclude=True)
    """The file these settings came from (not a key of the file)."""

    @property
    def training(self) -> bool:
        return self.kiosk.mode == "training"


class ConfigError(Exception):
    """A config file that cannot be used; the message is one plain sentence for the city's IT team.

    `problems` holds one such sentence per problem found (the message is the first, and how many more).
    """

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: `--config`, then `$KIOSK_CONFIG`, then /etc/ovac-kiosk/config.toml."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    return SYSTEM_CONFIG


def _key_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if len(parts) >= 2:
        return f"[{parts[0]}] {'.'.join(parts[1:])}"
    return parts[0] if parts else "(file)"


def _explain(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known key (check its spelling and section)"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    got = error.get("input")
    if got is not None and not isinstance(got, dict | list):
        return f"{message[0].lower()}{message[1:]} (got {got!r})"
    return f"{message[0].lower()}{message[1:]}"


def parse(data: dict[str, Any], source: Path) -> Settings:
    """Validate already-parsed TOML."""
    try:
        return Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
        if first["loc"] == ("source",):
            raise ConfigError(f"{source}: 'source' is not a key of the config file") from None
        raise ConfigError(f"{source}: {_key_name(first['loc'])} {_explain(first)}{tail}") from None


def load(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the config file; raise ConfigError with a plain message on any problem."""
    source = resolve_path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found (use --config PATH or set {CONFIG_ENV})") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: is not valid TOML: {exc}") from None
    if "source" in data:
        raise ConfigError(f"{source}: source is not a known key (check its spelling and section)")
    return parse(data, source)


# --- what a production kiosk refuses ---------------------------------------------------------------

#: The staff PINs whose hashes are published with the project: the demo's (config.toml, README, devstack)
#: and the tests' (tests/fixtures/app.py). Whatever the salt, a hash of one of them opens the staff menu
#: to anyone who has read the project.
PUBLISHED_STAFF_PINS = ("24681357", "13572468")
#: The exact `[staff] pin_hash` of the project's config.toml (checked first: no scrypt needed).
DEMO_PIN_HASH = "scrypt$16384$8$1$GJjqXCdOCTyzsOveWlXt1A==$fpciC/MuqgeglrAKV/byggtiNsCpcrOlZs9bSSQDYNA="
#: The `[backend] kiosk_key` of the project's config.toml, which the demo backend registers.
DEMO_KIOSK_KEY = "demo-kiosk-key-not-secret"
#: Set by devstack to the running test cards' folder (read only for `[eid] cards = "test"`, in training).
TESTCARDS_ENV = "OVAC_TESTCARDS_DIR"


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _published_pin(encoded: str) -> bool:
    from kiosk.staff import verify_pin

    return encoded == DEMO_PIN_HASH or any(verify_pin(pin, encoded) for pin in PUBLISHED_STAFF_PINS)


def production_problems(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Why these settings must not serve citizens: one sentence per problem (none outside production).

    `environ` (default: this process's environment) is read for the test cards' variable.
    """
    if settings.kiosk.mode != "production":
        return []
    env = os.environ if environ is None else environ
    where = '(mode = "production")'
    problems: list[str] = []
    if _published_pin(settings.staff.pin_hash):
        problems.append(
            f"[staff] pin_hash is a hash of a PIN published with the project {where}: make this "
            "kiosk's own with `kiosk hash-pin`"
        )
    if settings.backend.kiosk_key.get_secret_value() == DEMO_KIOSK_KEY:
        problems.append(
            f"[backend] kiosk_key is the published demo key {where}: use the secret the backend "
            "registered for this kiosk"
        )
    url = urlsplit(settings.backend.url)
    if url.scheme.lower() == "http" and not _loopback(url.hostname):
        problems.append(
            f"[backend] url uses http:// to {url.hostname or 'no host'} {where}: the kiosk key and "
            "citizens' data would cross the network unencrypted; use https://"
        )
    if settings.printer.kind == "folder":
        problems.append(
            f'[printer] kind is "folder" {where}: citizens\' documents would be left in a folder; '
            'use kind = "cups"'
        )
    if "softhsm" in settings.eid.pkcs11_module.name.lower():
        problems.append(
            f"[eid] pkcs11_module is SoftHSM2, the virtual test cards' module {where}: use OpenSC's "
            "opensc-pkcs11.so"
        )
    if settings.eid.cards == "test":
        problems.append(
            f'[eid] cards is "test", the virtual test cards {where}: a kiosk for citizens reads their '
            'own cards; use cards = "pkcs11" (test cards are for training)'
        )
    if env.get(TESTCARDS_ENV):
        problems.append(
            f'[kiosk] mode is "production" but the environment sets {TESTCARDS_ENV}, the test cards\' '
            "folder: this kiosk was started from a test or demo stack; unset it (test cards are for "
            "training)"
        )
    return problems


def load_for_kiosk(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """`load()`, then refuse what a production kiosk must not run with (`production_problems`).

    What `kiosk` uses to start and `kiosk --check-config` to check: ConfigError lists every problem.
    """
    settings = load(path)
    problems = production_problems(settings, environ)
    if problems:
        source = settings.source
        lines = tuple(f"{source}: {problem}" for problem in problems)
        more = len(lines) - 1
        tail = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
        raise ConfigError(lines[0] + tail, problems=lines)
    return settings
