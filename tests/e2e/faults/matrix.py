"""The fault matrix as data: the faults, the steps of each procedure where each can strike, and the record
of what each walk covered (printed at the end of the run by this folder's conftest)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fixtures.faults import FAULTS, Fault


@dataclass(frozen=True)
class Call:
    """One backend call a procedure makes at one step."""

    step: str
    method: str
    path: str


#: Every backend call of each procedure, in the order a citizen meets them.
CALLS: dict[str, tuple[Call, ...]] = {
    "bustia": (Call("review: send", "POST", "/v1/bustia"),),
    "deixalleria": (
        Call("identification (DNI, birth date, postal code)", "POST", "/v1/auth/weak-sessions"),
        Call("card and visits", "GET", "/v1/deixalleria/summary"),
        Call("card request: send", "POST", "/v1/deixalleria/cards"),
        Call("card request: the summary to print", "GET", "/v1/deixalleria/summary"),
        Call("finish: end of session", "DELETE", "/v1/auth/sessions/current"),
    ),
    "padro": (
        Call("card login: challenge", "POST", "/v1/auth/challenges"),
        Call("card login: session", "POST", "/v1/auth/sessions"),
        Call("registration", "GET", "/v1/padro/registration"),
        Call("review: issue the document", "POST", "/v1/padro/documents"),
    ),
    "instancia": (
        Call("subject: the departments", "GET", "/v1/departments"),
        Call("review: register (multipart)", "POST", "/v1/instancies"),
    ),
    "cita": (
        Call("day and time: the free slots", "GET", "/v1/cites/services/[a-z]+/slots"),
        Call("review: book", "POST", "/v1/cites"),
        Call("my appointments", "GET", "/v1/cites/mine"),
        Call("confirm: cancel", "POST", "/v1/cites/cancellations"),
        Call("check in: the turn", "POST", "/v1/cites/checkins"),
    ),
    "rebuts": (
        Call("your bills", "GET", "/v1/rebuts"),
        Call("review: the payment document", "POST", "/v1/rebuts/[0-9]+/document"),
    ),
}
#: Every fault of the proxy: the backend's (down, slow, 500, garbage) and the TLS handshake's (a certificate
#: from a CA the kiosk does not trust, one for another host name, the handshake cut halfway).
BACKEND_FAULTS: tuple[Fault, ...] = tuple(FAULTS)

#: (fault, procedure, step) -> "survived" once a walk has checked it.
COVERED: dict[tuple[str, str, str], str] = {}


def survived(fault: str, procedure: str, step: str) -> None:
    COVERED[(fault, procedure, step)] = "survived"
