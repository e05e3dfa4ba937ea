"""The app provides what screens and procedures are promised in `kiosk.services` (checked by mypy here,
and at run time for the attributes a screen reads)."""

from __future__ import annotations

from pathlib import Path

from kiosk.app import KioskApp
from kiosk.services import KioskNavigation, KioskServices
from tests.fixtures.app import make_settings


def test_the_app_provides_the_services(tmp_path: Path) -> None:
    app = KioskApp(make_settings(tmp_path), watch_cards=False)
    services: KioskServices = app  # mypy: KioskApp satisfies the protocol
    navigation: KioskNavigation = app
    assert services.settings is app.settings and services.session is None
    assert services.backend is app.backend and navigation.screen_stack == []
    session = services.begin_session()
    assert services.session is session
