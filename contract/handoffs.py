"""Login by QR hand-off (the OAuth 2.0 device authorization pattern, RFC 8628): what the kiosk sends and
reads. The kiosk starts a hand-off (`POST /v1/auth/handoffs`), shows the verification URL as a QR code
with the short user code, and polls `POST /v1/auth/handoffs/{handoff_id}/token` every `interval`
seconds; the citizen identifies on their own phone at the identity provider (idCAT Mòbil through VÀLid,
Cl@ve), whose callback completes the hand-off. A poll answers the session (`contract.v1.SessionOut`,
scope "handoff") or a `HandoffErrorOut` with the device flow's `error`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["ca", "es", "en"]

#: A poll's refusals: the four of RFC 8628 section 3.5, then this backend's own, each final but
#: `authorization_pending` and `slow_down`.
HandoffError = Literal[
    "authorization_pending",  # the citizen has not finished yet: poll again after `interval`
    "slow_down",  # polled sooner than `interval` after the last poll: `interval` is now longer
    "expired_token",  # the hand-off expired before the citizen finished
    "access_denied",  # the citizen (or the identity provider) refused
    "handoff_unknown",  # no such hand-off
    "handoff_other_kiosk",  # the hand-off was started by another kiosk
    "handoff_used",  # its session was already handed out (a second poll after success)
    "handoff_session_ended",  # its session was handed out and has ended since
    "handoff_cancelled",  # the kiosk cancelled it
    "handoff_unavailable",  # this server has no identity provider configured
]


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: The language of the pages the citizen's phone shows first (the kiosk's).
    language: Language = "ca"


class HandoffOut(BaseModel):
    #: The kiosk's one-time handle (RFC 8628 `device_code`): a secret, never shown.
    handoff_id: str = Field(repr=False)
    #: What the citizen may type at `verification_uri` instead of scanning: 8 letters, shown "WDJB-MJHT".
    user_code: str
    verification_uri: str
    #: `verification_uri` with the user code in it: what the QR code holds.
    verification_uri_complete: str
    expires_at: datetime
    expires_in: int
    #: Seconds to wait between two polls.
    interval: int


class HandoffErrorOut(BaseModel):
    error: HandoffError
    #: For the citizen, in the request's language (ca, es, en).
    message: str
    #: For staff and logs.
    error_description: str = ""
    #: The interval to keep from now on (`slow_down` lengthens it).
    interval: int | None = None
