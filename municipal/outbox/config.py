"""The outbox's settings: a TOML file named by `--outbox-config` (`MUNICIPAL_OUTBOX_CONFIG`). Secrets (the
SMTP password, the gateway's token) are read from files it names, never written in it.

    [outbox]
    from = "OVAC Mataró <no-reply@mataro.example>"   # From: of every email; its domain ends Message-IDs
    interval_seconds = 2          # how often the dispatcher looks for due messages
    max_attempts = 6              # then the message is dead
    backoff_base_seconds = 30     # attempt n failed: next one after base * 2**(n-1) seconds ...
    backoff_max_seconds = 3600    # ... at most this
    lease_seconds = 120           # a claimed message another dispatcher may take after this (a crash)

    [smtp]                        # no [smtp] table: emails wait, pending
    host = "smtp.example.org"
    port = 587
    security = "starttls"         # none | starttls | tls (implicit TLS, usually port 465)
    ca_file = ""                  # PEM bundle to verify the server with; empty: the system's
    username = ""
    password_file = ""
    timeout_seconds = 10

    [sms]                         # no [sms] table: SMS wait, pending
    url = "https://gateway.example/api/sms"
    format = "json"               # json | form: how the body is encoded
    to_field = "to"               # the request's field names, as the gateway wants them
    text_field = "text"
    reference_field = "reference" # the client reference: the gateway's duplicate check
    sender_field = "from"
    sender = "Mataro"             # alphanumeric sender id (11 characters at most)
    token_file = ""               # its content is sent as `auth_header: auth_scheme TOKEN`
    auth_header = "Authorization"
    auth_scheme = "Bearer"
    timeout_seconds = 10

The SMS request is one POST of {to_field: "+34...", text_field: TEXT, reference_field: KEY,
sender_field: SENDER, "segments": N}; a 2xx answer is sent, 408, 429 and 5xx are tried again, any other
status is a permanent refusal (dead).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Security = Literal["none", "starttls", "tls"]


def _secret(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: Security = "none"
    ca_file: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_seconds: float = 10


@dataclass(frozen=True)
class SmsConfig:
    url: str
    format: Literal["json", "form"] = "json"
    to_field: str = "to"
    text_field: str = "text"
    reference_field: str = "reference"
    sender_field: str = "from"
    sender: str = "Mataro"
    token: str = field(default="", repr=False)
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    timeout_seconds: float = 10


@dataclass(frozen=True)
class OutboxConfig:
    from_address: str = "OVAC Mataró <no-reply@ovac.invalid>"
    interval_seconds: float = 2
    max_attempts: int = 6
    backoff_base_seconds: float = 30
    backoff_max_seconds: float = 3600
    lease_seconds: float = 120
    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        return float(min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** max(0, attempts - 1)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutboxConfig:
        outbox = dict(data.get("outbox", {}))
        if "from" in outbox:
            outbox["from_address"] = outbox.pop("from")
        smtp = sms = None
        if "smtp" in data:
            raw = dict(data["smtp"])
            raw["password"] = _secret(raw.pop("password_file", ""))
            smtp = SmtpConfig(**raw)
            if smtp.security not in ("none", "starttls", "tls"):
                raise ValueError(f"[smtp] security must be none, starttls or tls, not {smtp.security!r}")
        if "sms" in data:
            raw = dict(data["sms"])
            raw["token"] = _secret(raw.pop("token_file", ""))
            sms = SmsConfig(**raw)
        return cls(**outbox, smtp=smtp, sms=sms)

    @classmethod
    def load(cls, path: Path) -> OutboxConfig:
        return cls.from_dict(tomllib.loads(path.read_text(encoding="utf-8")))
