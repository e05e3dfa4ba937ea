"""The reference server's settings: command-line options, passed to uvicorn's workers as environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ENV_PREFIX = "MUNICIPAL_"


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
    challenge_seconds: int = 120
    #: Weak identification: failures allowed per ID number, and per kiosk, within `weak_window_seconds`.
    weak_failures_per_id: int = 5
    weak_failures_per_kiosk: int = 20
    weak_window_seconds: int = 900

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
