"""Unit tests of the backend's pure parts: ID numbers, certificate identities, the bonus scale, the
request language, settings, the schema migrations, and the client's streamed multipart body."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contract.attachments import attachment_name_problem, sniff
from contract.text import printable_text
from kiosk.backend.client import _MultipartBody
from municipal import database, ids
from municipal.api.deixalleria import bonus
from municipal.certificates import CertificateRefused, identity
from municipal.errors import language_of
from municipal.models import Base, BonusBand
from municipal.settings import ServerSettings
from tests.fixtures.backend import TestCA


@pytest.mark.parametrize(
    ("raw", "valid"),
    [("12345678Z", True), ("12345678z", True), ("12.345.678-Z", True), ("12345678A", False),
     ("X1234567L", True), ("Y1234567X", True), ("Z1234567R", True), ("X1234567A", False),
     ("1234567Z", False), ("", False)],
)  # fmt: skip
def test_id_numbers(raw: str, valid: bool) -> None:
    assert ids.is_valid(ids.normalise(raw)) is valid


KEY = bytes(range(32))


def test_log_hash_hides_the_number() -> None:
    token = ids.log_hash("12345678Z", KEY)
    assert "12345678Z" not in token and len(token) == 64 and int(token, 16) >= 0


def test_log_hash_is_an_hmac_under_the_server_key() -> None:
    token = ids.log_hash("12345678Z", KEY)
    assert token == hmac.new(KEY, b"12345678Z", hashlib.sha256).hexdigest()
    assert ids.log_hash("12345678Z", KEY) == token  # stable: the same citizen, the same token
    assert ids.log_hash("12345678Z", bytes(32)) != token  # another server's key, another token
    assert ids.log_hash("87654321X", KEY) != token
    # Not the old unsalted hash, which anybody could compute for every DNI and look up.
    unsalted = hashlib.sha256(b"ovac-log:12345678Z").hexdigest()
    assert not token.startswith(unsalted[:12]) and token != hashlib.sha256(b"12345678Z").hexdigest()


def test_log_hash_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_key", None)
    with pytest.raises(RuntimeError):
        ids.log_hash("12345678Z")
    with pytest.raises(ValueError):
        ids.use_key(b"short")
    ids.use_key(KEY)
    assert ids.log_hash("12345678Z") == ids.log_hash("12345678Z", KEY)


def test_id_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "id.key"
    key_file.write_bytes(KEY + b"\n")
    settings = ServerSettings(database_url="sqlite://", id_key_file=key_file)
    assert settings.id_hash_key() == KEY and settings.for_serving() == settings
    key_file.write_bytes(b"too short\n")
    with pytest.raises(RuntimeError):
        settings.for_serving()  # refused before any worker starts
    with pytest.raises(RuntimeError):
        ServerSettings(database_url="sqlite://", id_key_file=tmp_path / "missing").id_hash_key()
    with pytest.raises(RuntimeError):
        ServerSettings(database_url="sqlite://").id_hash_key()


def test_made_up_id_key_is_shared_by_the_workers() -> None:
    serving = ServerSettings(database_url="sqlite://").for_serving()
    key = serving.id_hash_key()
    assert len(key) == 32 and KEY.hex() not in repr(serving) and serving.id_key not in repr(serving)
    assert ServerSettings.from_env(serving.to_env()).id_hash_key() == key  # what each worker reads
    assert ServerSettings(database_url="sqlite://").for_serving().id_hash_key() != key  # per run


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA("AC DNIE 901 (PROVES)")


def test_dnie_identity(ca: TestCA) -> None:
    who = identity(ca.issue("12345678Z", "CARMEN", "ESPAÑOLA", "ESPAÑOLA").certificate)
    assert (who.id_number, who.given_name, who.surnames, who.kind) == (
        "12345678Z",
        "CARMEN",
        "ESPAÑOLA ESPAÑOLA",
        "dnie",
    )


def test_aoc_identity() -> None:
    aoc = TestCA("EC-Ciutadania PROVES", "Consorci AOC")
    who = identity(aoc.issue("X1234567L", "AMINA", "EL IDRISSI", form="aoc").certificate)
    assert (who.id_number, who.given_name, who.surnames, who.kind) == (
        "X1234567L",
        "AMINA",
        "EL IDRISSI",
        "aoc",
    )


def test_wrong_check_letter_is_refused(ca: TestCA) -> None:
    with pytest.raises(CertificateRefused) as caught:
        identity(ca.issue("12345678A", "X", "Y").certificate)
    assert caught.value.code == "identity_invalid"


BANDS = [
    BonusBand(min_visits=4, max_visits=6, amount="12.00"),
    BonusBand(min_visits=7, max_visits=12, amount="17.50"),
    BonusBand(min_visits=13, max_visits=None, amount="23.00"),
]


@pytest.mark.parametrize(
    ("last", "amount"), [(0, "0.00"), (3, "0.00"), (4, "12.00"), (6, "12.00"), (7, "17.50"), (12, "17.50"),
                         (13, "23.00"), (40, "23.00")],
)  # fmt: skip
def test_bonus_bands(last: int, amount: str) -> None:
    # A Decimal, sent as the string the band is stored with ("17.50"): what printing formats.
    assert str(bonus(BANDS, last, 0, 2026).amount) == amount


def test_next_band() -> None:
    result = bonus(BANDS, 0, 5, 2026)
    assert result.next_band is not None and result.next_band.visits_needed == 2
    assert str(result.next_band.amount) == "17.50"
    assert bonus(BANDS, 0, 13, 2026).next_band is None


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "ca"),
        ("es-ES,es;q=0.9", "es"),
        ("fr, en;q=0.5", "en"),
        ("de", "ca"),
        ("ca;q=0.2, es;q=0.8", "es"),
    ],
)
def test_language_of(header: str, language: str) -> None:
    from starlette.requests import Request

    scope = {"type": "http", "headers": [(b"accept-language", header.encode())] if header else []}
    assert language_of(Request(scope)) == language


def test_settings_travel_through_the_environment(tmp_path: Path) -> None:
    settings = ServerSettings(
        database_url="sqlite://", trust_anchors=tmp_path, training=True, session_idle_seconds=5
    )
    assert ServerSettings.from_env(settings.to_env()) == settings


def test_migrations_build_the_models_schema(tmp_path: Path) -> None:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    database.migrate(engine)
    database.migrate(engine)  # a second start changes nothing
    with engine.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            == []
        )


@pytest.mark.parametrize(
    ("left_at", "dropped", "said"),
    [("0003", (), "is at schema revision 0003"), ("0005", ("bills",), "is at schema revision 0005"),
     ("0001", ("bills", "activity_draws"), "lacks the tables activity_draws, bills")],
)  # fmt: skip
def test_a_database_of_squashed_revisions_is_refused_saying_to_delete_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], left_at: str, dropped: tuple[str, ...], said: str
) -> None:
    """A development database left at a revision since squashed into 0001 (or at an 0001 made before
    tables were squashed into it): never upgraded as if current, never deleted, the way out said."""
    from sqlalchemy import inspect, text

    from municipal.__main__ import main

    path = tmp_path / "m.sqlite3"
    engine = database.make_engine(f"sqlite:///{path}")
    database.migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": left_at})
        for table in dropped:
            connection.execute(text(f"DROP TABLE {table}"))
    with pytest.raises(database.SquashedSchema, match=said):
        database.migrate(engine)
    assert main(["migrate", "--database", f"sqlite:///{path}"]) == 2
    error = capsys.readouterr().err
    assert said in error and f"delete the file {path} (and its -wal and -shm files)" in error
    assert "Traceback" not in error
    with engine.connect() as connection:  # left as it was
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == left_at
    assert not set(dropped) & set(inspect(engine).get_table_names()) and path.exists()
    engine.dispose()


def test_multipart_body_streams_with_progress(tmp_path: Path) -> None:
    files = []
    for n in range(3):
        path = tmp_path / f"f{n}.pdf"
        path.write_bytes(b"%PDF-" + bytes([n]) * 200_000)
        files.append(path)
    seen: list[tuple[int, int]] = []
    body = _MultipartBody({"fields": '{"a": 1}'}, files, lambda a, b: seen.append((a, b)))
    data = b""
    while chunk := body.read(8192):
        assert len(chunk) <= 8192 + 512
        data += chunk
    assert len(data) == len(body) and seen[-1] == (len(body), len(body))
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.read_bytes() in data
    assert data.endswith(f"--{body.boundary}--\r\n".encode())


def test_schema_keeps_one_requested_card_per_citizen(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = database.make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    database.migrate(engine)
    insert = text(
        "INSERT INTO deixalleria_cards (number, id_number, status, delivery, requested_at)"
        " VALUES (:n, :i, :s, 'pickup', '2026-01-01 10:00:00')"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"n": "MAT-000010", "i": "12345678Z", "s": "requested"})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"n": "MAT-000011", "i": "12345678Z", "s": "requested"})
    with engine.begin() as connection:  # other statuses, and other citizens, are not limited
        connection.execute(insert, {"n": "MAT-000012", "i": "12345678Z", "s": "lost"})
        connection.execute(insert, {"n": "MAT-000013", "i": "87654321X", "s": "requested"})


@pytest.mark.parametrize(
    ("text", "ok"),
    [("Carrer Major, 3\n2n 1a\tporta", True), ("l·l ñ ç € «»", True), ("a\u202eb", False),
     ("a\u2066b", False), ("a\u200bb", False), ("a\ufeff", False), ("a\u00adb", False), ("\ue000", False),
     ("a\x85", False), ("a\x00", False), ("a\u2029", False), ("\U000e0001", False)],
)  # fmt: skip
def test_printable_text(text: str, ok: bool) -> None:
    if ok:
        assert printable_text(text) == text
    else:
        with pytest.raises(ValueError):
            printable_text(text)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("escriptura.pdf", None), ("foto façana.png", None), ("a" * 80, None), ("a" * 81, "length"),
     ("", "length"), ("..", "path"), ("a..pdf", "path"), ("a/b.pdf", "path"), ("a\\b.pdf", "path"),
     ("...", "path"), (". .", "no name"), ("a\u202efdp.exe", "control or invisible character"),
     ("a\tb.pdf", "control or invisible character"), ("a\x9b.pdf", "control or invisible character")],
)  # fmt: skip
def test_attachment_names(name: str, problem: str | None) -> None:
    assert attachment_name_problem(name) == problem


@pytest.mark.parametrize(
    ("content", "kind"),
    [(b"%PDF-1.4\n%%EOF", "application/pdf"),
     (b"%PDF-2.0\r\n" + b"x" * 5000 + b"%%EOF\r\n", "application/pdf"),
     (b"%PDF-1.7\n%%EOF" + b" " * 1019, "application/pdf"), (b"%PDF-1.7\n%%EOF" + b" " * 1020, None),
     (b"%PDF-", None), (b"%PDF-1.4" + b"%%EOF", None), (b"%PDF-1.8\n%%EOF", None),
     (b" %PDF-1.4\n%%EOF", None),
     (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"MZ\x90\x00", None)],
)  # fmt: skip
def test_sniff_attachment(content: bytes, kind: str | None) -> None:
    assert sniff(content) == kind


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 o", "application/pdf"), (b"%PDF-2.0\r\n", "application/pdf"),
     (b"%PDF-1.8\n", None), (b"%PDF-", None), (b"\xff\xd8\xff\xe0", "image/jpeg"),
     (b"\x89PNG\r\n\x1a\n", "image/png"), (b"MZ\x90\x00", None)],
)  # fmt: skip
def test_sniff_a_file_head(head: bytes, kind: str | None) -> None:
    # What a file picker reads before choosing (the first 16 bytes): the end of a PDF is checked on upload.
    assert sniff(head, whole=False) == kind
