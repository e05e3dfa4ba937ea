"""The outbox's two channels behind one small protocol: email over SMTP (smtplib; plain, STARTTLS or
implicit TLS) and SMS over an HTTP gateway (the request shape of `config.SmsConfig`). A sender either
returns (accepted), or raises `TemporaryFailure` (try again later) or `PermanentFailure` (dead)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol

import requests

from municipal.outbox import gsm7
from municipal.outbox.config import OutboxConfig, SmsConfig, SmtpConfig
from municipal.outbox.templates import Rendered


class TemporaryFailure(Exception):
    """Not sent, worth another try (a connection refused, a 4xx SMTP reply, a gateway's 5xx)."""


class PermanentFailure(Exception):
    """Refused for good (a 5xx SMTP reply to the recipient, a gateway's 4xx): the message is dead."""


@dataclass(frozen=True)
class Outgoing:
    channel: str
    recipient: str
    language: str
    idempotency_key: str
    content: Rendered


class Sender(Protocol):
    def send(self, message: Outgoing) -> None: ...


def message_id(key: str, from_address: str) -> str:
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "ovac.invalid"
    return f"<{key}@{domain}>"


def build_email(message: Outgoing, from_address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = from_address
    email["To"] = message.recipient
    email["Subject"] = message.content.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = message_id(message.idempotency_key, from_address)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    email.set_content(message.content.body, charset="utf-8")
    email["Content-Language"] = message.language  # after set_content, which clears the Content-* headers
    return email


class SmtpSender:
    def __init__(self, config: SmtpConfig, from_address: str):
        self.config = config
        self.from_address = from_address

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file or None)

    def send(self, message: Outgoing) -> None:
        c = self.config
        email = build_email(message, self.from_address)
        try:
            client: smtplib.SMTP
            if c.security == "tls":
                client = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout_seconds, context=self._context())
            else:
                client = smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)
            with client:
                if c.security == "starttls":
                    client.starttls(context=self._context())
                if c.username:
                    client.login(c.username, c.password)
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise (PermanentFailure if all(code >= 500 for code in codes) else TemporaryFailure)(
                f"recipient refused ({', '.join(map(str, codes))})"
            ) from None
        except smtplib.SMTPResponseException as error:
            kind = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise kind(f"SMTP {error.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"SMTP: {type(error).__name__}: {error}"[:200]) from None


class HttpSmsSender:
    def __init__(self, config: SmsConfig):
        self.config = config
        self.http = requests.Session()

    def send(self, message: Outgoing) -> None:
        c = self.config
        text = gsm7.prepare(message.content.sms)
        body = {
            c.to_field: message.recipient,
            c.text_field: text.text,
            c.reference_field: message.idempotency_key,
            c.sender_field: c.sender,
            "segments": text.segments,
        }
        headers = {c.auth_header: f"{c.auth_scheme} {c.token}".strip()} if c.token else {}
        try:
            if c.format == "form":
                answer = self.http.post(c.url, data=body, headers=headers, timeout=c.timeout_seconds)
            else:
                answer = self.http.post(c.url, json=body, headers=headers, timeout=c.timeout_seconds)
        except requests.RequestException as error:
            raise TemporaryFailure(f"SMS gateway: {type(error).__name__}") from None
        if 200 <= answer.status_code < 300:
            return
        if answer.status_code in (408, 429) or answer.status_code >= 500:
            raise TemporaryFailure(f"SMS gateway {answer.status_code}")
        raise PermanentFailure(f"SMS gateway {answer.status_code}")


def senders(config: OutboxConfig) -> dict[str, Sender]:
    """The configured channels; a channel without its table has no sender and its messages wait."""
    out: dict[str, Sender] = {}
    if config.smtp is not None:
        out["email"] = SmtpSender(config.smtp, config.from_address)
    if config.sms is not None:
        out["sms"] = HttpSmsSender(config.sms)
    return out
