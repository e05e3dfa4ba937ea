"""The reference server's settings: command-line options, passed to uvicorn's workers as environment."""

from __future__ import annotations

import dataclasses
import logging
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "MUNICIPAL_"
#: The shortest key accepted for the ID-number hashes (HMAC-SHA256): 256 bits.
ID_KEY_MIN_BYTES = 32
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSettings:
    database_url: str
    #: Folder of trusted CA certificates (PEM or DER, any file name): every certificate in it is an anchor.
    trust_anchors: Path | None = None
    #: Text file of revoked certificate serial numbers in hex, one a line ('#' comments); re-read on change.
    revoked: Path | None = None
    #: Folder of the CAs' certificate revocation lists (PEM or DER, any file name); re-read on change.
    crls: Path | None = None
    #: Training mode: every issued document is marked `"training": true`.
    training: bool = False
    #: Base of the public verification URL printed on documents; empty = the URL the request came to.
    public_base_url: str = ""
    session_idle_seconds: int = 600
    session_max_seconds: int = 3600
    #: A kiosk without a heartbeat for this long is shown `stale` to staff (GET /v1/kiosks/status).
    kiosk_stale_seconds: int = 180
    #: The notification outbox's TOML file (SMTP, SMS gateway, retries: see municipal/outbox/config.py);
    #: None: messages are written but this server sends none (`python -m municipal dispatch` may).
    outbox_config: Path | None = None
    #: The QR hand-off's TOML file (identity provider, expiry, polling: see municipal/api/handoffs.py);
    #: None: a training server uses its identity-provider simulator, a production one offers no hand-off.
    handoff_config: Path | None = None
    challenge_seconds: int = 120
    #: Weak identification: failures allowed per ID number, and per kiosk, within `weak_window_seconds`.
    weak_failures_per_id: int = 5
    weak_failures_per_kiosk: int = 20
    weak_window_seconds: int = 900
    #: File holding the secret key of the ID-number hashes in logs and tables (HMAC-SHA256; at least 32
    #: bytes, made once per installation: `head -c 32 /dev/urandom > FILE`), readable by the server's
    #: user only, never in the repository. None: `serve` makes up a key for the run (demo and tests).
    id_key_file: Path | None = None
    #: A key made up by `serve` (hex), handed to its workers through the environment; never set by hand.
    id_key: str = field(default="", repr=False)

    def id_hash_key(self) -> bytes:
        """The key of `ids.log_hash`: the file's bytes (a final line break ignored), else `id_key`."""
        if self.id_key_file is not None:
            try:
                key = self.id_key_file.read_bytes().rstrip(b"\r\n")
            except OSError as error:
                raise RuntimeError(f"cannot read the ID-hash key file {self.id_key_file}: {error}") from None
        elif self.id_key:
            key = bytes.fromhex(self.id_key)
        else:
            raise RuntimeError("no ID-hash key: set --id-key-file (MUNICIPAL_ID_KEY_FILE)")
        if len(key) < ID_KEY_MIN_BYTES:
            raise RuntimeError(f"the ID-hash key must have at least {ID_KEY_MIN_BYTES} bytes")
        return key

    def for_serving(self) -> ServerSettings:
        """These settings with a key for the ID-number hashes: the file's (checked now, before any worker
        starts), or one made up for this run, the same in every worker. A made-up key changes the
        hashes at every start: the weak-login counts and idempotency records start afresh."""
        if self.id_key_file is None and not self.id_key:
            log.warning("no --id-key-file: ID-number hashes use a key made up for this run (demo only)")
            return dataclasses.replace(self, id_key=secrets.token_hex(ID_KEY_MIN_BYTES))
        self.id_hash_key()
        return self

    def to_env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            out[ENV_PREFIX + f.name.upper()] = (
                ("1" if value else "0") if isinstance(value, bool) else str(value)
            )
        return out

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None) -> ServerSettings:
        source = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = source.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = str(f.type)
            if "Path" in kind:
                kwargs[f.name] = Path(raw) if raw else None
            elif kind == "bool":
                kwargs[f.name] = raw == "1"
            elif kind == "int":
                kwargs[f.name] = int(raw)
            else:
                kwargs[f.name] = raw
        if "database_url" not in kwargs:
            raise RuntimeError(f"{ENV_PREFIX}DATABASE_URL is not set")
        return cls(**kwargs)  # type: ignore[arg-type]
