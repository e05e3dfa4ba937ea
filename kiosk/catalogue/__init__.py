"""The catalogue screen: every procedure of the city from the backend, grouped and searchable."""

from kiosk.catalogue.screen import CatalogueScreen

__all__ = ["CatalogueScreen"]
