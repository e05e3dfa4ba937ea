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

from kiosk import config as config_module

if TYPE_CHECKING:
    from eid.token import Pkcs11Tokens
    from kiosk.app import KioskApp
    from testcards.tokens import TestCardTokens

log = logging.getLogger(__name__)
#: The kiosk's thread workers never run more than a few at once (a backend call, a print, a stick scan,
#: a hand-off poll): six threads, all started with the app (kiosk.app.fixed_worker_pool).
WORKER_THREADS = 6


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
    _check_cards(settings)
    eid = settings.eid
    if eid.cards == "pkcs11":
        # Here, not at the top: the PKCS#11 binding and the X.509 parser are not needed for a first frame.
        from eid.token import Pkcs11Tokens

        return Pkcs11Tokens(eid.pkcs11_module)
    # Deferred on purpose: a kiosk reading real cards never imports the test-card package.
    from testcards.tokens import TestCardTokens

    return TestCardTokens(eid.pkcs11_module, eid.testcards_dir)


def _check_cards(settings: config_module.Settings) -> None:
    """ConfigError if `[eid] cards` asks for the virtual test cards on a kiosk that is not training."""
    if settings.eid.cards != "pkcs11" and not settings.training:
        raise config_module.ConfigError(
            f'{settings.source}: [eid] cards is "test" but [kiosk] mode is "{settings.kiosk.mode}": the '
            "virtual test cards are for training only"
        )


def _open_cards(settings: config_module.Settings) -> Pkcs11Tokens | TestCardTokens:
    """The cards of `card_provider`, loaded (blocking: C_Initialize is slow with OpenSC). The app's card
    bridge calls it from a thread while the attract screen comes up, not when the first citizen's card
    goes in; a failure is told when a card is read."""
    cards = card_provider(settings)
    cards.load()
    return cards


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
    from kiosk.app import freeze_startup_heap

    logsetup.setup(settings.logging.level, settings.logging.file)
    _prune_printed(settings)
    health = _Health(settings)
    app = build_app(settings, health)
    freeze_startup_heap()
    try:
        app.run()
    finally:
        _prune_printed(settings)
        health.stop()
    return 0


def build_app(settings: config_module.Settings, health: _Health) -> KioskApp:
    """The app `kiosk` runs: its cards (built and their PKCS#11 module loaded in a thread), and
    `health.start` as its start-up work, both off the first frame. The session folders a killed run
    left are deleted here, before any screen (a file-system walk; `kiosk.health.recover`)."""
    from kiosk.app import KioskApp
    from kiosk.session import remove_leftovers

    _check_cards(settings)  # a broken [eid] stops the kiosk here, before any screen
    remove_leftovers(settings.kiosk.temp_dir)
    return KioskApp(
        settings,
        open_cards=lambda: _open_cards(settings),
        startup=health.start,
        worker_threads=WORKER_THREADS,
    )


def _prune_printed(settings: config_module.Settings) -> None:
    """The folder printer's documents past [printer] folder_keep_minutes go at start and at exit too,
    not only at the next print (a demo machine may print nothing for days)."""
    if settings.printer.kind == "folder":
        from printing.printers import prune_folder

        prune_folder(settings.printer.folder, settings.printer.folder_keep_minutes * 60)


class _Health:
    """The backend's side of a start (`kiosk.health.tell_started`: it ends the citizen sessions a killed
    run left open), then the heartbeat thread ([health]). `start` is the app's start-up work: it runs in a
    thread once the attract screen is up, and the first session waits for it (see `KioskApp`); `stop`
    stops whatever it started, whenever it is called."""

    def __init__(self, settings: config_module.Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None
        self._stopped = False

    def start(self) -> None:
        from kiosk import health
        from kiosk.backend.client import BackendClient

        # A client of its own (its own connections), in English: it never speaks to a citizen.
        backend = BackendClient(self.settings, language=lambda: "en")
        health.tell_started(backend)
        stop: Callable[[], None] = backend.close
        if self.settings.health.heartbeat:
            heartbeat = health.Heartbeat(self.settings, backend)
            heartbeat.start()
            stop = heartbeat.stop
        with self._lock:
            stopped, self._stop = self._stopped, stop
        if stopped:  # the kiosk stopped while this ran
            stop()

    def stop(self) -> None:
        with self._lock:
            self._stopped, stop, self._stop = True, self._stop, None
        if stop is not None:
            stop()


if __name__ == "__main__":
    sys.exit(main())
