"""What the citizen is told when identification with a card fails: one plain sentence or two, in ca/es/en.

The card layer and the backend client raise typed errors; this is the only place that turns them into
words. No message carries the PIN; none names the citizen.
"""

from __future__ import annotations

from contract.errors import ErrorCode
from eid.atr import CardKind
from eid.errors import (
    CertificateExpired,
    CertificateNotYetValid,
    EidError,
    InvalidIdentity,
    PcscUnavailable,
    PinLocked,
    TokenNotFound,
    UnsupportedCard,
    WrongPin,
)
from eid.identity import IssuerKind
from kiosk.backend.client import BackendError, BackendUnavailable, NotAuthorised, Rejected, SessionExpired
from kiosk.i18n import _


def wrong_pin(error: WrongPin) -> str:
    if error.tries_left == 1:
        return _(
            "Wrong PIN. You have one try left: if the next PIN is wrong too, your card will be locked. "
            "If you are not sure of your PIN, do not try again."
        )
    if error.tries_left is not None:
        return _("Wrong PIN. You have {tries} tries left. Check it and try again.").format(
            tries=error.tries_left
        )
    return _("Wrong PIN. Check it and try again: after a few wrong tries the card is locked.")


def pin_locked(issuer: IssuerKind | None) -> str:
    if issuer in (IssuerKind.DNIE, None):
        return _(
            "The PIN of your card is locked. You can unlock it with your fingerprint at a Punto de "
            "Actualización del DNIe, at the police stations that issue the DNIe."
        )
    return _("The PIN of your card is locked. The entity that issued your card can unlock it.")


def finalised() -> str:
    return _(
        "This DNIe can no longer be used: its chip has been deactivated. Go to a police station that "
        "issues the DNIe (Punto de Actualización del DNIe) to renew it."
    )


def contactless() -> str:
    return _(
        "The card was read through its antenna, which this kiosk does not use. Take it out and insert the "
        "card chip first into the reader, with the chip facing up."
    )


def unsupported() -> str:
    return _(
        "This card cannot be used to identify you here. Use your DNIe or a certificate card such as idCAT "
        "or FNMT. You can also ask at the counter."
    )


def expired(not_after_text: str) -> str:
    return _(
        "The certificate on your card expired on {date}. You can renew it at a Punto de Actualización "
        "del DNIe (police station), or with the entity that issued your card."
    ).format(date=not_after_text)


def not_yet_valid() -> str:
    return _(
        "The certificate on your card is not valid yet. Check the date on your card or ask at the counter."
    )


def no_reader() -> str:
    return _("No card reader is connected right now. Please ask at the counter.")


def reader_back() -> str:
    return _("The card reader is ready. You can insert your card.")


def for_error(error: Exception, *, issuer: IssuerKind | None = None, kind: CardKind | None = None) -> str:
    """The citizen's message for a failure of the card or of the backend during identification."""
    if isinstance(error, WrongPin):
        return wrong_pin(error)
    if isinstance(error, PinLocked):
        return pin_locked(issuer)
    if isinstance(error, CertificateExpired):
        return expired(f"{error.not_after:%d/%m/%Y}")
    if isinstance(error, CertificateNotYetValid):
        return not_yet_valid()
    if isinstance(error, UnsupportedCard | TokenNotFound | InvalidIdentity):
        return unsupported()
    if isinstance(error, PcscUnavailable):
        return no_reader()
    if isinstance(error, Rejected):
        if error.code == ErrorCode.CERTIFICATE_UNTRUSTED:
            return _(
                "The city cannot accept the certificate on this card: it was not issued by an authority "
                "the city recognises. Use your DNIe or an idCAT or FNMT certificate."
            )
        if error.code == ErrorCode.CERTIFICATE_REVOKED:
            return _(
                "The certificate on this card has been revoked and can no longer be used. You can get a "
                "new one at a Punto de Actualización del DNIe, or from the entity that issued it."
            )
        if error.code == ErrorCode.CERTIFICATE_EXPIRED:
            return _(
                "The certificate on your card has expired. You can renew it at a Punto de Actualización "
                "del DNIe."
            )
        return _("The city's system did not accept the identification. Please ask at the counter.")
    if isinstance(error, BackendUnavailable):
        return _("The city's system is not answering right now. Please try again in a few minutes.")
    if isinstance(error, NotAuthorised | SessionExpired | BackendError):
        return _("This kiosk cannot identify citizens right now. Please ask at the counter.")
    if isinstance(error, EidError):
        return _("The card could not be read. Take it out, insert it again and wait a moment.")
    return _("The kiosk could not complete this step. Please try again, or ask at the counter.")


def handoff_ended(error: str) -> str:
    """The citizen's message for a QR hand-off that ended without a session (the device flow's `error`)."""
    if error == "expired_token":
        return _("The time to identify with your phone has run out. You can start again.")
    if error == "access_denied":
        return _("The identification on your phone was cancelled or not completed. You can start again.")
    if error == "handoff_unavailable":
        return _("Identification with your phone is not available right now. Please use your card.")
    return _("The identification with your phone could not be completed. You can start again.")
