"""Translations of the kiosk's UI: gettext catalogues managed with Babel (see tools/i18n.py).

Message ids are English; Catalan and Spanish live in `kiosk/locale/<lang>/LC_MESSAGES/<domain>.po`.
Each sub-package of `kiosk/` (login, printstep, backend, procedures, ...) has its own domain so that
catalogues of different areas never collide; `_()` looks a message up in every domain.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ca", "es", "en")
#: The name of each language in itself, for the language buttons.
LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English"}


def domains() -> list[str]:
    """Every catalogue domain shipped with the kiosk (one `.pot` template each)."""
    return sorted(p.stem for p in LOCALE_DIR.glob("*.pot"))


def translations(language: str) -> gettext.NullTranslations:
    """All domains of `language` chained together; English (the message ids) needs no catalogue."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if language == "en":
        return chain
    first: gettext.NullTranslations | None = None
    for domain in domains():
        found = gettext.translation(domain, LOCALE_DIR, [language], fallback=True)
        if type(found) is gettext.NullTranslations:
            continue
        if first is None:
            first = found
        else:
            first.add_fallback(found)
    return first or chain


class _Current:
    language = "ca"
    catalogue: gettext.NullTranslations = gettext.NullTranslations()
    listeners: list[Callable[[str], None]] = []


def set_language(language: str) -> None:
    """Switch the UI language for everything that calls `_()` from now on."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _Current.language = language
    _Current.catalogue = translations(language)


def current_language() -> str:
    return _Current.language


def _(message: str) -> str:
    """Translate `message` into the current UI language."""
    return _Current.catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _Current.catalogue.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (translate it with `_()` when shown)."""
    return message


def translate_to(language: str, message: str) -> str:
    """`message` in a given language, whatever the UI language is (e.g. for printed documents)."""
    return translations(language).gettext(message)


set_language("ca")
