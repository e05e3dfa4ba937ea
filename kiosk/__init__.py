"""The OVAC kiosk: the Textual app, its screens, procedure flows, session, config and i18n."""

__version__ = "0.1.0"
