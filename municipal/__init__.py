"""The reference municipal backend: the /v1 HTTP API the kiosk calls, and its storage. No UI."""

__version__ = "1.0.0"
