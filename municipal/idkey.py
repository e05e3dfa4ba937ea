"""The ID-hash key as every server process on one database must have it.

The owner of an idempotency record, the weak-login attempts counted per ID number and the holder of an
issued document are keyed hashes of the ID number (`ids.log_hash`). Two processes with different keys
on one database disagree about all three: a retry that reaches another server (behind a load balancer)
or the same server after a restart is not recognised as a retry and registers a second entry, and the
per-ID-number limit of weak logins counts separately on each server. So, at `serve`:

- without a key file, the key is the database's own (`server_keys.id_key`, made by the first server
  that starts on it): every server on the database, and every restart, uses the same one. The database
  already holds the ID numbers themselves (the padró, the sessions, the registry); the key keeps them
  out of the logs, which it does as well from there. Demo and tests only: production names a file;
- with a key file, the key must be the one the database's hashes were made with: its check value
  (`server_keys.id_key_check`, an HMAC of a fixed text, not the key) is recorded by the first server
  and a server with another key refuses to start, instead of quietly splitting every count in two.
  `python -m municipal forget-id-key` forgets both, to start afresh with another key on purpose.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from municipal.models import ServerKey
from municipal.settings import ID_KEY_MIN_BYTES, ServerSettings

log = logging.getLogger(__name__)

KEY = "id_key"
CHECK = "id_key_check"


def check_value(key: bytes) -> str:
    return hmac.new(key, b"ovac id-key check", hashlib.sha256).hexdigest()


def _kept(engine: Engine, name: str, value: str) -> str:
    """The value stored under `name`: `value`, stored now, unless one was stored before (by this server
    or by another one starting at the same time)."""
    upsert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with engine.begin() as connection:
        connection.execute(upsert(ServerKey).values(name=name, value=value).on_conflict_do_nothing())
        return str(connection.execute(select(ServerKey.value).where(ServerKey.name == name)).scalar_one())


def settle(engine: Engine, settings: ServerSettings) -> ServerSettings:
    """`settings` with the key every server on this database uses (see the module's docstring); raises
    RuntimeError for a key file whose key is not the one the database's hashes were made with."""
    if settings.id_key_file is None and not settings.id_key:
        log.warning("no --id-key-file: the ID-number hashes use the key kept in the database (demo only)")
        made_up = secrets.token_hex(ID_KEY_MIN_BYTES)
        settings = dataclasses.replace(settings, id_key=_kept(engine, KEY, made_up))
    key = settings.id_hash_key()
    if _kept(engine, CHECK, check_value(key)) != check_value(key):
        raise RuntimeError(
            "the ID-hash key is not the one this database's hashes were made with: start every server "
            "on this database with the same --id-key-file, or run `python -m municipal forget-id-key` "
            "to start afresh with this one (weak-login counts and pending retries are then forgotten)"
        )
    return settings


def forget(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(ServerKey).where(ServerKey.name.in_([KEY, CHECK])))
