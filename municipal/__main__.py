"""`python -m municipal serve|seed|add-kiosk|add-staff|dispatch|draw|import-cobros|migrate|openapi`: run and
manage the backend."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import socket
import sys
from pathlib import Path

from municipal.settings import ServerSettings

OPENAPI_FILE = Path(__file__).parent / "openapi.json"


def _database(args: argparse.Namespace) -> str:
    from municipal.database import default_url

    url: str = args.database or os.environ.get("MUNICIPAL_DATABASE_URL") or default_url()
    return url


def openapi_text() -> str:
    from municipal.app import create_app
    from municipal.context import Context

    settings = ServerSettings(database_url="sqlite://")
    # The document does not depend on the database: build it without connecting anywhere.
    app = create_app(settings, context=Context.__new__(Context))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from municipal import database, idkey, seed

    settings = ServerSettings(
        database_url=_database(args),
        trust_anchors=args.trust_anchors,
        revoked=args.revoked,
        crls=args.crls,
        training=args.training,
        public_base_url=args.public_base_url or "",
        id_key_file=args.id_key_file,
        kiosk_stale_seconds=args.kiosk_stale_seconds,
        outbox_config=args.outbox_config,
        handoff_config=args.handoff_config,
    )
    engine = database.make_engine(settings.database_url, pool_size=1)
    try:
        database.migrate(engine)  # once, here, before any worker starts
        # The key every server on this database hashes ID numbers with (a file's, checked, or the
        # database's own): a retry or a weak login that reaches another server, or this one restarted,
        # is recognised as the same citizen's.
        settings = idkey.settle(engine, settings).for_serving()
        if args.seed_demo and seed.is_unseeded(engine):
            seed.seed_demo(engine)
    finally:
        engine.dispose()
    os.environ.update(settings.to_env())
    options = {
        "factory": True,
        "access_log": args.access_log,
        "log_level": args.log_level,
        "timeout_graceful_shutdown": 5,
        # httptools with a cap on the request head (municipal/protocol.py).
        "http": "municipal.protocol:LimitedHttpToolsProtocol",
    }
    if args.fd is not None:
        # An inherited, already-listening socket (devstack binds port 0 race-free). Wrap it with its real
        # family: uvicorn's own --fd assumes a UNIX socket and would leave Nagle on for TCP (40 ms stalls).
        sock = socket.socket(fileno=args.fd)
        sock.setblocking(False)
        config = uvicorn.Config("municipal.app:create_app_from_env", **options)
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    uvicorn.run(
        "municipal.app:create_app_from_env",
        host=args.host,
        port=args.port,
        workers=args.workers,
        **options,
    )
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from municipal import database, seed

    engine = database.make_engine(_database(args), pool_size=1)
    database.migrate(engine)
    if not args.demo:
        print("nothing to seed: use --demo", file=sys.stderr)
        return 2
    if not seed.is_unseeded(engine):
        print("the database already holds a padró; not seeding again", file=sys.stderr)
        return 0
    counts = seed.seed_demo(engine)
    print(", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def cmd_add_kiosk(args: argparse.Namespace) -> int:
    from municipal import database, seed

    key = args.key or os.environ.get("MUNICIPAL_KIOSK_KEY") or secrets.token_urlsafe(32)
    engine = database.make_engine(_database(args), pool_size=1)
    database.migrate(engine)
    seed.register_kiosk(engine, args.id, key, name=args.name)
    if not (args.key or os.environ.get("MUNICIPAL_KIOSK_KEY")):
        print(key)  # shown once: only its hash is stored
    return 0


def cmd_add_staff(args: argparse.Namespace) -> int:
    from municipal import database
    from municipal.api.kiosks import register_staff

    key = args.key or os.environ.get("MUNICIPAL_STAFF_KEY") or secrets.token_urlsafe(32)
    engine = database.make_engine(_database(args), pool_size=1)
    database.migrate(engine)
    register_staff(engine, args.id, key)
    if not (args.key or os.environ.get("MUNICIPAL_STAFF_KEY")):
        print(key)  # shown once: only its hash is stored
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    from municipal import database
    from municipal.outbox import dispatcher

    dispatcher.main(database.make_engine(_database(args), pool_size=2), args.outbox_config, once=args.once)
    return 0


def cmd_forget_id_key(args: argparse.Namespace) -> int:
    from municipal import database, idkey

    engine = database.make_engine(_database(args), pool_size=1)
    database.migrate(engine)
    idkey.forget(engine)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from municipal import database

    database.migrate(database.make_engine(_database(args), pool_size=1))
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from municipal import database, draw

    return draw.command(database.make_engine(_database(args), pool_size=1), args.activity, args.seed)


def cmd_import_cobros(args: argparse.Namespace) -> int:
    from municipal import database
    from municipal.payments import bills

    return bills.command(database.make_engine(_database(args), pool_size=1), args.file)


def cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_text()
    if args.write:
        OPENAPI_FILE.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m municipal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    db_help = "SQLAlchemy URL: sqlite:///FILE (default ./municipal.sqlite3) or postgresql+psycopg://..."

    serve = sub.add_parser("serve", help="run the HTTP server (migrates the schema first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--fd", type=int, default=None, help="serve on this already-bound socket")
    serve.add_argument("--database", help=db_help)
    serve.add_argument("--trust-anchors", type=Path, help="folder of trusted CA certificates (PEM or DER)")
    serve.add_argument("--revoked", type=Path, help="text file of revoked certificate serials (hex)")
    serve.add_argument("--crls", type=Path, help="folder of the CAs' revocation lists (PEM or DER)")
    serve.add_argument("--training", action="store_true", help="mark every issued document as training")
    serve.add_argument("--public-base-url", help="base of the verification URL printed on documents")
    serve.add_argument(
        "--id-key-file",
        type=Path,
        default=os.environ.get("MUNICIPAL_ID_KEY_FILE") or None,
        help="secret key of the ID-number hashes (else $MUNICIPAL_ID_KEY_FILE, else the database's own)",
    )
    serve.add_argument(
        "--kiosk-stale-seconds",
        type=int,
        default=int(os.environ.get("MUNICIPAL_KIOSK_STALE_SECONDS") or 180),
        help="a kiosk without a heartbeat for this long shows as stale (else $MUNICIPAL_KIOSK_STALE_SECONDS)",
    )
    outbox_help = "the notification outbox's TOML file (else $MUNICIPAL_OUTBOX_CONFIG): SMTP, SMS gateway"
    outbox_default = os.environ.get("MUNICIPAL_OUTBOX_CONFIG") or None
    serve.add_argument("--outbox-config", type=Path, default=outbox_default, help=outbox_help)
    serve.add_argument(
        "--handoff-config",
        type=Path,
        default=os.environ.get("MUNICIPAL_HANDOFF_CONFIG") or None,
        help="the QR hand-off's identity provider, TOML (else $MUNICIPAL_HANDOFF_CONFIG)",
    )
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--seed-demo", action="store_true", help="load the demo data into an empty database")
    serve.add_argument("--access-log", action="store_true")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    seed_p = sub.add_parser("seed", help="load data into the database")
    seed_p.add_argument(
        "--demo", action="store_true", help="the synthetic demo padró, deixalleria, catalogue"
    )
    seed_p.add_argument("--database", help=db_help)
    seed_p.set_defaults(func=cmd_seed)

    kiosk = sub.add_parser("add-kiosk", help="register a kiosk (or change its key)")
    kiosk.add_argument("--id", required=True)
    kiosk.add_argument("--key", help="its secret (else $MUNICIPAL_KIOSK_KEY, else a new one is printed)")
    kiosk.add_argument("--name", default="")
    kiosk.add_argument("--database", help=db_help)
    kiosk.set_defaults(func=cmd_add_kiosk)

    staff = sub.add_parser("add-staff", help="register a staff credential (or give it a new key)")
    staff.add_argument("--id", required=True)
    staff.add_argument("--key", help="its secret (else $MUNICIPAL_STAFF_KEY, else a new one is printed)")
    staff.add_argument("--database", help=db_help)
    staff.set_defaults(func=cmd_add_staff)

    dispatch = sub.add_parser("dispatch", help="send the notification outbox's messages (until stopped)")
    dispatch.add_argument("--outbox-config", type=Path, default=outbox_default, required=not outbox_default)
    dispatch.add_argument("--once", action="store_true", help="send what is due now, then exit")
    dispatch.add_argument("--database", help=db_help)
    dispatch.set_defaults(func=cmd_dispatch)

    forget = sub.add_parser(
        "forget-id-key",
        help="forget the database's ID-hash key and the check of the key file's, to start with another key",
    )
    forget.add_argument("--database", help=db_help)
    forget.set_defaults(func=cmd_forget_id_key)

    migrate = sub.add_parser("migrate", help="bring the schema to the current version")
    migrate.add_argument("--database", help=db_help)
    migrate.set_defaults(func=cmd_migrate)

    draw_p = sub.add_parser("draw", help="draw an activity's places with a public seed (once)")
    draw_p.add_argument("activity", help="the activity's code")
    draw_p.add_argument("--seed", required=True, help="the public seed (e.g. a number drawn in public)")
    draw_p.add_argument("--database", help=db_help)
    draw_p.set_defaults(func=cmd_draw)

    cobros = sub.add_parser("import-cobros", help="mark paid the bills a bank's collections file reports")
    cobros.add_argument("file", type=Path, help="the collections file (fixed-width text)")
    cobros.add_argument("--database", help=db_help)
    cobros.set_defaults(func=cmd_import_cobros)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.add_argument(
        "--write", action="store_true", help=f"write it to {OPENAPI_FILE.name} in the package"
    )
    openapi.set_defaults(func=cmd_openapi)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from municipal.database import SquashedSchema

    try:
        result: int = args.func(args)
    except SquashedSchema as error:  # what to do about it, without a traceback
        print(f"python -m municipal: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
