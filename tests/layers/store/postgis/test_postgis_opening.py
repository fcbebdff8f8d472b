"""Opening the PostGIS store: schema migrations, and a clear one-line refusal for every wrong setting (bad host,
bad password, no such database, no PostGIS and no right to create it, a schema newer than the code)."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from layers.store.postgis import PostGISStore, StoreOpenError, migrate_schema
from layers.store.postgis.connect import Connections
from layers.store.postgis.migrations import latest
from tests.postgis_support import TEST_STORE_URL, admin_connect, drop_schema, fresh_postgis_url, is_postgis, with_netloc

ROOT = Path(__file__).resolve().parents[4]
pytestmark = pytest.mark.skipif(not is_postgis(), reason="PostGIS tests run when TEST_STORE_URL is postgresql://…")


@pytest.fixture
def pg_url(tmp_path):
    with fresh_postgis_url(tmp_path, TEST_STORE_URL, new=True) as url:
        yield url


# Every migration this code knows, in order: the opening tests spell them out so a new one is added on purpose.
MIGRATIONS = ["0001_features", "0002_accounts", "0003_cases", "0004_tallies", "0005_areas", "0006_inspections",
              "0007_login_pairs", "0008_session_origin", "0009_quota_indexes", "0010_import_sessions",
              "0011_rate_events", "0012_hash_chain"]  # fmt: skip


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and text.strip() == text
    return text


def test_a_new_schema_is_migrated_once_and_reopens_without_change(pg_url):
    assert migrate_schema(pg_url) == MIGRATIONS
    assert migrate_schema(pg_url) == []
    store = PostGISStore(pg_url)
    try:
        assert store.integrity_check() == "ok"
        with store._db.read() as conn:
            rows = conn.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert rows == [(int(m[:4]), m[5:]) for m in MIGRATIONS]
        assert len(rows) == latest()
    finally:
        store.close()


def test_an_older_schema_is_upgraded_on_opening(pg_url):
    migrate_schema(pg_url)
    store = PostGISStore(pg_url)
    store.close()
    conn = Connections(pg_url).connect()  # back to version 2, as an older release left it (a plain connection:
    with conn.transaction():  # a store's write would seal its hash chains on the way out)
        conn.execute("DROP TABLE inspection_answer, inspection_item, inspection_round, checklist_version")
        conn.execute("DROP TABLE idempotency, photo, blob, category_version, area, import_session, rate_event")
        conn.execute("DROP INDEX version_open_since, version_closed_time, version_closed_geom")
        conn.execute("ALTER TABLE app_user DROP COLUMN area")
        conn.execute("DROP INDEX login_attempt_pair, version_created_by")
        conn.execute("ALTER TABLE session DROP COLUMN ip, DROP COLUMN agent")
        conn.execute("ALTER TABLE version DROP COLUMN chain_hash")
        conn.execute("ALTER TABLE audit DROP COLUMN chain_hash")
        conn.execute("DELETE FROM schema_version WHERE version >= 3")
    conn.close()
    store = PostGISStore(pg_url)
    try:
        assert store.idempotent_result("a", "k") is None and store.categories() == []
        assert store.areas() == [] and store.create_user("li", "leader", None, area="510104")["area"] == "510104"
        assert store.checklists() == [] and store.inspection_rounds() == []
        assert store.import_sessions() == []
        assert store.verify_chain()["ok"] and store.sessions(1) == []
    finally:
        store.close()


def test_a_schema_newer_than_the_code_is_refused(pg_url):
    migrate_schema(pg_url)
    store = PostGISStore(pg_url)
    with store._db.write() as conn:
        conn.execute("INSERT INTO schema_version VALUES (%s, 'from_the_future', 0)", (latest() + 1,))
    store.close()
    with pytest.raises(StoreOpenError) as exc:
        PostGISStore(pg_url)
    text = _one_line(exc)
    assert f"version {latest() + 1}" in text and "newer" in text and "upgrade the software" in text
    with pytest.raises(StoreOpenError):
        PostGISStore(pg_url, migrate=False)


def test_an_unreachable_server_is_named_in_one_line_without_the_password(pg_url):
    with socket_closed_port() as port:
        url = with_netloc(pg_url, "127.0.0.1", port)
        with pytest.raises(StoreOpenError) as exc:
            PostGISStore(url)
    text = _one_line(exc)
    assert f"127.0.0.1:{port}" in text and "is PostgreSQL running" in text
    password = psycopg.conninfo.conninfo_to_dict(admin_connect(TEST_STORE_URL).info.dsn).get("password")
    assert not password or password not in text


def test_a_wrong_password_and_a_missing_database_are_named(pg_url):
    parts = pg_url.split("://", 1)[1]
    user = parts.split("@")[0].split(":")[0]
    host_part = parts.split("@")[-1]
    with pytest.raises(StoreOpenError) as exc:
        PostGISStore(f"postgresql://{user}:certainly-wrong-{uuid.uuid4().hex[:6]}@{host_part}")
    assert "password" in _one_line(exc) and "certainly-wrong" not in str(exc.value)
    missing = "no_such_db_" + uuid.uuid4().hex[:8]
    base, _, query = pg_url.partition("?")
    with pytest.raises(StoreOpenError) as exc:
        PostGISStore(base.rsplit("/", 1)[0] + "/" + missing + "?" + query)
    text = _one_line(exc)
    assert missing in text and "does not exist" in text


def test_a_database_without_postgis_names_the_fix(pg_url):
    """A database this role creates has no PostGIS; an ordinary role may not create the extension, so the
    store refuses with the command a superuser runs (a superuser's store creates it instead)."""
    name = "nopostgis_" + uuid.uuid4().hex[:8]
    with admin_connect(TEST_STORE_URL) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, _ = pg_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        if superuser:
            PostGISStore(url).close()
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        else:
            with pytest.raises(StoreOpenError) as exc:
                PostGISStore(url)
            text = _one_line(exc)
            assert name in text and "CREATE EXTENSION postgis" in text and "superuser" in text
    finally:
        with admin_connect(TEST_STORE_URL) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_two_stores_in_one_database_keep_to_their_schemas(tmp_path):
    with fresh_postgis_url(tmp_path, TEST_STORE_URL) as a, fresh_postgis_url(tmp_path, TEST_STORE_URL) as b:
        first, second = PostGISStore(a), PostGISStore(b)
        try:
            first.set_meta("name", "a")
            assert second.get_meta("name") is None and first.get_meta("name") == "a"
            assert first.key != second.key and "schema=" in first.key
        finally:
            first.close()
            second.close()
    drop_schema(TEST_STORE_URL, "never_made")  # dropping what is not there is harmless


class socket_closed_port:
    """A loopback port with nothing listening (bound, then released)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


def _server(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "server.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_migrate_schema_command_and_a_wrong_store_url_at_start(pg_url, tmp_path):
    first = _server("migrate-schema", "--data", str(tmp_path), "--store", pg_url)
    assert first.returncode == 0 and ", ".join(MIGRATIONS) in first.stdout, first.stderr
    again = _server("migrate-schema", "--data", str(tmp_path), "--store", pg_url)
    assert again.returncode == 0 and "up to date" in again.stdout
    wrong = pg_url.replace("://", "://nobody_here:wrong@", 1) if "@" not in pg_url else None
    wrong = wrong or re.sub(r"://[^@]*@", "://nobody_here:wrong@", pg_url)
    for command in (["--port", "0"], ["migrate-schema"], ["create-user", "xiao_wang", "--role", "admin"]):
        result = _server(*command, "--data", str(tmp_path), "--store", wrong)
        assert result.returncode == 2 and result.stdout == "", result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr and "wrong" not in lines[0]
        assert lines[0].startswith("错误 / error: STORE_URL=postgresql://nobody_here:***@") and "password" in lines[0]
