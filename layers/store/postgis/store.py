"""The city-scale store: PostgreSQL with PostGIS, for several app processes on one database.

Tables (see ``migrations/``): ``layer``, ``feature`` (one row per feature: its current version, locked by
writers), ``version`` (every version, with its GeoJSON text as written, a ``geometry`` and ``jsonb``
properties derived from it, float64 bounds and ``valid_from``/``valid_to`` in microseconds), accounts,
categories, photos with their bytes (``blob``), idempotency answers and inspections (checklists, rounds,
items, answers). Behaviour matches the SQLite
backend method for method; the contract tests run on both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg

from layers.store import (
    AccountStore,
    AreaStore,
    Bbox,
    BlobStore,
    CaseStore,
    HistoryChain,
    ImportSessionStore,
    InspectionStore,
    Maintenance,
    PointArrays,
    Store,
    StoreUrl,
    Tallies,
    Transfer,
)
from layers.store.postgis import migrations
from layers.store.postgis.accounts import AccountsMixin
from layers.store.postgis.areas import AreasMixin
from layers.store.postgis.blobs import BlobsMixin
from layers.store.postgis.cases import CasesMixin
from layers.store.postgis.catalog import CatalogMixin
from layers.store.postgis.chain import ChainMixin, seal_new_rows
from layers.store.postgis.connect import Connections, StoreOpenError, open_error, redact
from layers.store.postgis.importsessions import ImportSessionsMixin
from layers.store.postgis.inspections import InspectionsMixin
from layers.store.postgis.maintenance import MaintenanceMixin
from layers.store.postgis.reading import ReadingMixin
from layers.store.postgis.tallies import TalliesMixin
from layers.store.postgis.transfer import TransferMixin
from layers.store.postgis.writing import WritingMixin

REQUIRED_EXTENSIONS = ("postgis", "btree_gist")


def _ensure_extensions(conn: psycopg.Connection, url: str) -> None:
    """PostGIS and btree_gist (GiST over a layer id and a geometry) in the database, created when the role
    may; otherwise a message naming the fix."""
    for name in REQUIRED_EXTENSIONS:
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,)).fetchone():
            continue
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
        if not available:
            package = "postgresql-15-postgis-3" if name == "postgis" else "postgresql-contrib"
            raise StoreOpenError(
                url,
                f"the PostgreSQL server does not have the {name} extension: install it on the database "
                f"server (Debian: apt-get install {package})",
            )
        try:
            with conn.transaction():
                conn.execute(psycopg.sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA public").format(
                    psycopg.sql.Identifier(name)))  # fmt: skip
        except psycopg.errors.InsufficientPrivilege:
            database = conn.info.dbname
            raise StoreOpenError(
                url,
                f"the database {database} has no {name} extension and this role may not create it: as a "
                f"superuser run  psql -d {database} -c 'CREATE EXTENSION {name}'",
            ) from None


def migrate_schema(url: str, now_us: int | None = None) -> list[str]:
    """Create or upgrade the schema of the database at ``url``; return the migrations applied."""
    db = Connections(url)
    conn = db.connect()
    try:
        _ensure_extensions(conn, url)
        if db.schema:
            conn.execute(psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(psycopg.sql.Identifier(db.schema)))
        return migrations.apply(conn, time.time_ns() // 1000 if now_us is None else now_us)
    except migrations.SchemaTooNew as exc:
        raise StoreOpenError(url, str(exc)) from None
    except psycopg.OperationalError as exc:
        raise open_error(exc, url) from None
    finally:
        conn.close()


class PostGISStore(
    AccountsMixin,
    AreasMixin,
    BlobsMixin,
    CasesMixin,
    CatalogMixin,
    ChainMixin,
    ImportSessionsMixin,
    InspectionsMixin,
    MaintenanceMixin,
    ReadingMixin,
    TransferMixin,
    TalliesMixin,
    WritingMixin,
    Store,
    Tallies,
    AccountStore,
    AreaStore,
    CaseStore,
    InspectionStore,
    BlobStore,
    ImportSessionStore,
    Maintenance,
    Transfer,
    HistoryChain,
):
    """A :class:`~layers.store.Store` in a PostgreSQL database with PostGIS, e.g.
    ``postgresql://app@db.example/city``; ``?schema=NAME`` keeps its tables in that schema (created if
    needed), ``?pool_max=N`` bounds its connections. The schema is migrated on opening."""

    def __init__(self, url: str, *, clock: Callable[[], int] | None = None, migrate: bool = True) -> None:
        self.url = url
        self._clock = clock or (lambda: time.time_ns() // 1000)
        if migrate:
            migrate_schema(url, self.now())
        self._db = Connections(url)
        self._db.before_commit = seal_new_rows
        self._check_schema()
        self._db.open_pool()
        self._points_cache: dict[tuple, tuple[int, PointArrays]] = {}
        self._points_lock = threading.Lock()
        self._extent_cache: tuple[int, Bbox | None, float] | None = None

    def _check_schema(self) -> None:
        conn = self._db.connect()
        try:
            found = migrations.applied_version(conn)
        finally:
            conn.close()
        if found != migrations.latest():
            newer = "newer than this software knows" if found > migrations.latest() else "older than this software"
            raise StoreOpenError(
                self.url,
                f"the database schema is at version {found}, {newer} ({migrations.latest()}); run"
                " python server.py migrate-schema  or use the matching software",
            )

    @classmethod
    def from_url(cls, url: StoreUrl, *, clock: Callable[[], int] | None = None) -> PostGISStore:
        """The store of a ``postgresql://`` URL (see ``layers.store.factory``)."""
        return cls(url.text, clock=clock)

    @classmethod
    def migrate(cls, url: StoreUrl) -> list[str]:
        """Create or upgrade the schema without opening the store; the names of the migrations applied."""
        return migrate_schema(url.text)

    @property
    def key(self) -> str:
        """A stable identity for caches: the database and schema, never the password."""
        return redact(self.url)

    def close(self) -> None:
        self._db.close()

    def now(self) -> int:
        return int(self._clock())

    def _now(self, at: int | None) -> int:
        return int(at) if at is not None else self.now()

    def __repr__(self) -> str:
        return f"PostGISStore({redact(self.url)!r})"
