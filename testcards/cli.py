"""`kiosk testcard list|insert NAME|remove`: the test cards from a shell (the lead's CLI routes here)."""

from __future__ import annotations

import argparse
import sys

from eid.errors import EidError
from testcards.control import TestCardControl


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiosk testcard", description="Insert and remove the virtual test cards."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the test cards and where they are inserted")
    insert = sub.add_parser("insert", help="insert a test card into a virtual reader")
    insert.add_argument("name")
    insert.add_argument("--reader", type=int, default=0, choices=(0, 1), help="virtual reader 0 or 1")
    remove = sub.add_parser("remove", help="remove the test card(s)")
    remove.add_argument("--reader", type=int, default=None, choices=(0, 1), help="only this reader")
    args = parser.parse_args(argv)
    try:
        control = TestCardControl()
        if args.command == "list":
            for card in control.list():
                where = f"  [inserted in {card.inserted_in}]" if card.inserted_in else ""
                print(f"{card.name:16} {card.description}{where}")
        elif args.command == "insert":
            reader = control.insert(args.name, args.reader)
            print(f"inserted {args.name} into {reader}")
        else:
            removed = control.remove(args.reader)
            print("removed from " + ", ".join(removed) if removed else "no test card was inserted")
    except EidError as exc:
        print(f"kiosk testcard: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
