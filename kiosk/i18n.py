"""Translations of the kiosk's UI: gettext catalogues managed with Babel (see tools/i18n.py).

Message ids are English; Catalan, Spanish, French and Romanian live in
`kiosk/locale/<lang>/LC_MESSAGES/<domain>.po`.
Each sub-package of `kiosk/` (login, printstep, backend, procedures, ...) has its own domain so that
catalogues of different areas never collide: `_()` looks a message up in the calling module's own
domain first (the same English word may be translated differently in two places), then in the others.
"""

from __future__ import annotations

import gettext
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ca", "es", "en", "fr", "ro")
#: The name of each language in itself, for the language buttons.
LANGUAGE_NAMES = {"ca": "Català", "es": "Castellano", "en": "English", "fr": "Français", "ro": "Română"}


def domains() -> list[str]:
    """Every catalogue domain shipped with the kiosk (one `.pot` template each)."""
    return sorted(p.stem for p in LOCALE_DIR.glob("*.pot"))


def _load(language: str, first_domain: str | None = None) -> gettext.NullTranslations:
    """The domains of `language` chained, `first_domain` first; English needs no catalogue."""
    if language == "en":
        return gettext.NullTranslations()
    order = sorted(domains(), key=lambda d: d != first_domain)
    first: gettext.NullTranslations | None = None
    for domain in order:
        found = gettext.translation(domain, LOCALE_DIR, [language], fallback=True)
        if type(found) is gettext.NullTranslations:
            continue
        if first is None:
            first = found
        else:
            first.add_fallback(found)
    return first or gettext.NullTranslations()


def translations(language: str) -> gettext.NullTranslations:
    """All domains of `language` chained together."""
    return _load(language)


class _Current:
    language = "ca"
    by_domain: dict[str | None, gettext.NullTranslations] = {}


def set_language(language: str) -> None:
    """Switch the UI language for everything that calls `_()` from now on."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _Current.language = language
    _Current.by_domain = {None: _load(language)}


def current_language() -> str:
    return _Current.language


def _caller_domain(depth: int) -> str:
    module = sys._getframe(depth + 1).f_globals.get("__name__", "")
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "kiosk" and parts[1] != "screens" else "kiosk"


def _catalogue_for_caller(depth: int = 2) -> gettext.NullTranslations:
    domain = _caller_domain(depth)
    catalogue = _Current.by_domain.get(domain)
    if catalogue is None:
        catalogue = _Current.by_domain[domain] = _load(_Current.language, domain)
    return catalogue


def _(message: str) -> str:
    """Translate `message` into the current UI language (the caller's domain first)."""
    return _catalogue_for_caller().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _catalogue_for_caller().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (translate it with `_()` when shown)."""
    return message


def translate_to(language: str, message: str) -> str:
    """`message` in a given language, whatever the UI language is (e.g. for printed documents)."""
    return _load(language, _caller_domain(1)).gettext(message)


set_language("ca")
