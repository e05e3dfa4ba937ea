"""The `kiosk` command: run the kiosk, check a config file, hash a staff PIN, drive test cards.

kiosk [--config PATH]            run the kiosk full-screen
kiosk --check-config [PATH]      validate a config file and exit (0 usable, 2 broken or, in production
                                 mode, holding demo secrets or demo-only settings)
kiosk hash-pin                   print the scrypt hash of a staff PIN for [staff] pin_hash
kiosk testcard list|insert NAME|remove    drive the virtual test cards (training, tests)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from kiosk import config as config_module


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
            from eid.testcards.cli import main as testcard_main
        except ImportError:
            print("kiosk: test cards are not available in this installation", file=sys.stderr)
            return 2
        return testcard_main(list(args.args))

    settings = _load(args.config)
    from kiosk import logsetup
    from kiosk.app import KioskApp, freeze_startup_heap

    logsetup.setup(settings.logging.level, settings.logging.file)
    _prune_printed(settings)
    app = KioskApp(settings)
    freeze_startup_heap()
    try:
        app.run()
    finally:
        _prune_printed(settings)
    return 0


def _prune_printed(settings: config_module.Settings) -> None:
    """The folder printer's documents past [printer] folder_keep_minutes go at start and at exit too,
    not only at the next print (a demo machine may print nothing for days)."""
    if settings.printer.kind == "folder":
        from printing.printers import prune_folder

        prune_folder(settings.printer.folder, settings.printer.folder_keep_minutes * 60)


if __name__ == "__main__":
    sys.exit(main())
