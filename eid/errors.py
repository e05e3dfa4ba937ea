"""Typed errors of the card layer. The kiosk maps each one to a translated message for the citizen.

No error ever carries a PIN, a name or an ID number: their text is for the city's IT team's logs.
"""

from __future__ import annotations

from datetime import datetime


class EidError(Exception):
    """Base of every error the card layer raises."""


class PcscUnavailable(EidError):
    """The PC/SC service (pcscd) is not running or not answering."""


class CardRemoved(EidError):
    """The card left the reader (or the reader went away) while it was being used."""


class TokenNotFound(EidError):
    """No PKCS#11 token answers for the reader's card (the card may not be supported by the module)."""


class UnsupportedCard(EidError):
    """The card cannot identify a citizen here: no authentication certificate, unusable chip, etc."""

    def __init__(self, reason: str = "unsupported card") -> None:
        super().__init__(reason)
        self.reason = reason


class WrongPin(EidError):
    """The PIN was refused. `tries_left` is None when the token does not say."""

    def __init__(self, tries_left: int | None) -> None:
        super().__init__(f"wrong PIN (tries left: {'unknown' if tries_left is None else tries_left})")
        self.tries_left = tries_left

    @property
    def final_try(self) -> bool:
        """Whether one more wrong PIN locks the card (warn the citizen before it happens)."""
        return self.tries_left == 1


class PinLocked(EidError):
    """The PIN is blocked: it must be unlocked at a Punto de Actualización del DNIe (police station)."""

    def __init__(self) -> None:
        super().__init__("PIN locked")


class CertificateError(EidError):
    """The certificate cannot be used to identify someone (its data, not its trust)."""


class CertificateExpired(CertificateError):
    def __init__(self, not_after: datetime) -> None:
        super().__init__(f"certificate expired on {not_after:%Y-%m-%d}")
        self.not_after = not_after


class CertificateNotYetValid(CertificateError):
    def __init__(self, not_before: datetime) -> None:
        super().__init__(f"certificate not valid before {not_before:%Y-%m-%d}")
        self.not_before = not_before


class InvalidIdentity(CertificateError):
    """The certificate names no one the kiosk can identify: no usable ID number (missing, malformed, with a
    wrong check letter, or an entity's tax number), no usable name, or a subject that cannot be read."""
