"""The `kiosk` command: run the kiosk, check a config file, hash a staff PIN, drive test cards.

kiosk [--config PATH]            run the kiosk full-screen
kiosk --check-config [PATH]      validate a config file and exit (0 usable, 2 broken or, in production
                                 mode, holding demo secrets or demo-only settings)
kiosk hash-pin                   print the scrypt hash of a staff PIN for [staff] pin_hash
kiosk testcard list|insert NAME|remove    drive the virtual test cards (training, tests)

This is the kiosk's composition root: the card provider is chosen here, once, from `[eid] cards`
(`card_provider`), and handed to the app; nothing below it (eid/, the screens) picks one.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from eid.token import Pkcs11Tokens
from kiosk import config as config_module

if TYPE_CHECKING:
    from testcards.tokens import TestCardTokens

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="OVAC self-service kiosk")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $KIOSK_CONFIG, then /etc/ovac-kiosk/config.toml)",
    )
    parser.add_argument(
        "--check-config",
        metavar="PATH",
        nargs="?",
        const="",
        default=None,
        help="validate the config file and exit",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("hash-pin", help="print the hash of a staff PIN for [staff] pin_hash")
    testcard = sub.add_parser("testcard", help="virtual test cards: list, insert NAME, remove")
    testcard.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _load(path: str | None) -> config_module.Settings:
    try:
        return config_module.load_for_kiosk(path or None)
    except config_module.ConfigError as exc:
        for problem in exc.problems:
            print(f"kiosk: configuration error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def card_provider(settings: config_module.Settings) -> Pkcs11Tokens | TestCardTokens:
    """The cards this kiosk reads, as `[eid] cards` says: the citizens' through `[eid] pkcs11_module`,
    or the virtual test cards (`testcards`), which only a training kiosk gets: ConfigError otherwise,
    whatever loaded the settings. Nothing is loaded yet (`load()`, or the first card, does it)."""
    eid = settings.eid
    if eid.cards == "pkcs11":
        return Pkcs11Tokens(eid.pkcs11_module)
    if not settings.training:
        raise config_module.ConfigError(
            f'{settings.source}: [eid] cards is "test" but [kiosk] mode is "{settings.kiosk.mode}": the '
            "virtual test cards are for training only"
        )
    # Deferred on purpose: a kiosk reading real cards never imports the test-card package.
    from testcards.tokens import TestCardTokens

    return TestCardTokens(eid.pkcs11_module, eid.testcards_dir)


def _load_cards_later(cards: Pkcs11Tokens | TestCardTokens) -> None:
    """Load the PKCS#11 module while the attract screen comes up, not when the first citizen's card goes
    in (C_Initialize is slow with OpenSC); a failure is told when a card is read."""

    def run() -> None:
        try:
            cards.load()
        except Exception as exc:
            log.warning("could not open the PKCS#11 module: %s", type(exc).__name__)

    threading.Thread(target=run, name="pkcs11-open", daemon=True).start()


def _hash_pin() -> int:
    from kiosk.staff import hash_pin

    first = getpass.getpass("Staff PIN: ")
    if len(first) < 6:
        print("kiosk: a staff PIN needs at least 6 characters", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != first:
        print("kiosk: the two PINs differ", file=sys.stderr)
        return 2
    print(hash_pin(first))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.check_config is not None:
        settings = _load(args.check_config or args.config)
        print(f"{settings.source}: OK (kiosk {settings.kiosk.id}, mode {settings.kiosk.mode})")
        return 0
    if args.command == "hash-pin":
        return _hash_pin()
    if args.command == "testcard":
        try:
            from testcards.cli import main as testcard_main
        except ImportError:
            print("kiosk: test cards are not available in this installation", file=sys.stderr)
            return 2
        return testcard_main(list(args.args))

    settings = _load(args.config)
    from kiosk import logsetup
    from kiosk.app import KioskApp, freeze_startup_heap

    logsetup.setup(settings.logging.level, settings.logging.file)
    _prune_printed(settings)
    stop_health = _start_health(settings)
    cards = card_provider(settings)
    app = KioskApp(settings, cards=cards)
    _load_cards_later(cards)
    freeze_startup_heap()
    try:
        app.run()
    finally:
        _prune_printed(settings)
        stop_health()
    return 0


def _prune_printed(settings: config_module.Settings) -> None:
    """The folder printer's documents past [printer] folder_keep_minutes go at start and at exit too,
    not only at the next print (a demo machine may print nothing for days)."""
    if settings.printer.kind == "folder":
        from printing.printers import prune_folder

        prune_folder(settings.printer.folder, settings.printer.folder_keep_minutes * 60)


def _start_health(settings: config_module.Settings) -> Callable[[], None]:
    """Before the first screen: clean up after a run that was killed (its session folders, its citizen
    sessions on the backend: `kiosk.health.recover`), then start the heartbeat thread ([health]).
    Returns what stops it."""
    from kiosk import health
    from kiosk.backend.client import BackendClient

    # A client of its own (its own connections), in English: it never speaks to a citizen.
    backend = BackendClient(settings, language=lambda: "en")
    health.recover(settings, backend)
    if not settings.health.heartbeat:
        return backend.close
    heartbeat = health.Heartbeat(settings, backend)
    heartbeat.start()
    return heartbeat.stop


if __name__ == "__main__":
    sys.exit(main())
