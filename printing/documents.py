"""Kept for the kiosk's imports until it reads the contract directly: the printable documents are
`contract.documents`. Nothing in printing/ imports this module."""

from __future__ import annotations

from contract.documents import Document, DocumentError, document_from_payload

__all__ = ["Document", "DocumentError", "document_from_payload"]
