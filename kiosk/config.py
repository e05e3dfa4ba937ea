"""The kiosk's configuration: `config.toml` loaded with tomllib and validated into frozen, typed settings.

Every key is documented in the project's `config.toml`. A broken file never reaches the app: `load()`
raises `ConfigError` with one plain sentence naming the file, the key and the problem.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails

#: Environment variable that points at the config file (used by tests and by systemd units).
CONFIG_ENV = "KIOSK_CONFIG"
#: Where a production kiosk keeps its configuration.
SYSTEM_CONFIG = Path("/etc/ovac-kiosk/config.toml")

Language = Literal["ca", "es", "en"]
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
    languages: Annotated[tuple[Language, ...], Field(min_length=1)] = ("ca", "es", "en")
    """Languages offered on the attract screen, in this order."""
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


class EidSection(_Section):
    pkcs11_module: Path = Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
    """PKCS#11 module: OpenSC's `opensc-pkcs11.so` on a real kiosk, SoftHSM2 for test cards."""
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
    """Where the folder printer writes its PDFs (kind = "folder")."""
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


class LoggingSection(_Section):
    file: Path | None = None
    """Rotating log file; empty = stderr only (journald picks stderr up)."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Log level. No level ever logs a PIN or a citizen's data."""


class Settings(_Section):
    kiosk: KioskSection
    ui: UiSection = UiSection()
    staff: StaffSection
    backend: BackendSection
    eid: EidSection = EidSection()
    printer: PrinterSection = PrinterSection()
    attachments: AttachmentsSection = AttachmentsSection()
    logging: LoggingSection = LoggingSection()
    source: Path | None = Field(default=None, exclude=True)
    """The file these settings came from (not a key of the file)."""

    @property
    def training(self) -> bool:
        return self.kiosk.mode == "training"


class ConfigError(Exception):
    """A config file that cannot be used; the message is one plain sentence for the city's IT team."""


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
