"""The feature port: layers and their features with full history, and the transaction every port shares.

Every change creates a new version with ``valid_from``/``valid_to`` instants (microseconds since the Unix
epoch, UTC) and its author; reading ``at`` an instant shows a layer as it was then: the versions with
``valid_from <= at < valid_to`` (an open ``valid_to`` is "still valid"), deletions excluded. Free of SQL so
that any database can stand behind it; ``tests/layers/store/`` checks every promise written here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import timezone
from zoneinfo import ZoneInfo

from layers.store.values import Bbox, FeatureVersion, NewFeature, Page, PointArrays


class Store(ABC):
    """A feature store with full history. Every write method is atomic on its own (all or nothing);
    timestamps come from the store's clock unless a trusted caller (seeding, historical import) passes
    ``at``. An unknown layer is a ``KeyError`` for :meth:`query`, :meth:`points`, :meth:`version_rows` and
    :meth:`create`; :meth:`get`, :meth:`history`, :meth:`update` and :meth:`delete` raise UnknownFeature for
    a feature that is not in the layer. A retired layer is unknown to :meth:`layer`, :meth:`layers` and
    :meth:`query` (callers check :meth:`layer` before anything else); its record stays readable through
    :meth:`history` and :meth:`version_rows`. Properties and geometries are JSON: whatever JSON value went
    in comes out with the same JSON type (``true`` stays a boolean, ``1`` a number)."""

    @property
    @abstractmethod
    def key(self) -> str:
        """The identity of the data behind this store, for keying caches: two stores opened on the same
        database (in one process or in several) have the same key, two different databases never do. A
        plain string, stable for the life of the database (a SQLite file's resolved path, a server's
        host, database and schema)."""

    @abstractmethod
    def atomic(self) -> AbstractContextManager:
        """A transaction around several writes, of any of the store's ports (features, accounts, cases).

        What it promises, and all it promises:

        * **All or nothing.** Every write made inside ``with store.atomic():`` by this thread commits
          together when the block ends normally; if an exception leaves the block, none of them is kept
          and the exception goes on. Inside the block, reads see the block's own writes.
        * **Serialised writers.** From the block's first statement to its end no other transaction's write
          commits: a read-then-write inside one block (is this request key answered yet? is the feature still
          at version 3? does this category exist?) sees no write committed in between by another thread or
          process. Other writers wait for the block (so keep it short and do slow work, such as processing
          a photo, before it); readers outside it go on and see the state before it until it commits.
        * **Nesting.** A block opened inside another block, and every write method called inside one, joins
          it: only the outermost block commits. An exception caught inside an inner block undoes the inner
          block's writes only.

        Not promised: isolation between several calls made *outside* a block (each is its own transaction);
        using one block from several threads (it belongs to the thread that opened it); blob files (they
        are content-addressed and written before the record that names them, so a rollback can leave an
        unreferenced blob, never a record without its blob)."""

    @abstractmethod
    def now(self) -> int:
        """The store's clock: microseconds since the epoch (UTC). Tests give a settable clock."""

    @abstractmethod
    def get_meta(self, key: str):
        """A JSON value stored about the whole store (e.g. ``demo``) by :meth:`set_meta`, or None."""

    @abstractmethod
    def set_meta(self, key: str, value) -> None:
        """Store a JSON value about the whole store under ``key``, replacing any earlier one."""

    # -- layers ---------------------------------------------------------------------------------------
    @abstractmethod
    def layers(self) -> list[dict]:
        """Every live (not retired) layer definition as it was given, plus ``builtin`` (bool),
        ``feature_count`` (live features) and ``revision`` (an int that grows with every write to the layer),
        ordered by the definition's ``order`` (1000 when absent) and then id."""

    @abstractmethod
    def layer(self, layer_id: str) -> dict | None:
        """One live layer definition as :meth:`layers` gives it, or None (also for a retired layer)."""

    @abstractmethod
    def create_layer(self, definition: dict, author: str, builtin: bool = False) -> dict:
        """Add a layer (``definition["id"]`` is its id) with no features and return it as :meth:`layer`
        does; raise LayerExists when the id is taken, also by a retired layer."""

    @abstractmethod
    def retire_layer(self, layer_id: str, author: str) -> None:
        """Take a layer that is not built in out of use: it is no longer listed or found (``layer`` gives
        None, so every route answers 404), its features and their history stay in the store for the
        record, and its id stays taken. Raise KeyError when there is no such live layer, or it is built in."""

    @abstractmethod
    def sync_builtin_layers(self, definitions: Iterable[dict]) -> None:
        """Make the stored built-in definitions equal to the catalogue's: add the missing ones (as
        ``builtin``), replace changed ones; features and revisions are kept. Stored layers not named stay."""

    # -- reading features -----------------------------------------------------------------------------
    @abstractmethod
    def query(
        self,
        layer_id: str,
        *,
        bbox: Bbox | None = None,
        at: int | None = None,
        filters: dict | None = None,
        limit: int = 1000,
        offset: int = 0,
        exact_geometry: bool = True,
        during: tuple[int | None, int | None] | None = None,
    ) -> Page:
        """Features of a layer as now (live versions), or ``at`` an instant (the versions valid then),
        ordered by feature id ascending; ``limit``/``offset`` take a slice of that order and ``total`` counts
        every match.

        ``bbox`` (minx, miny, maxx, maxy in WGS 84) keeps the features whose geometry intersects the closed
        box (a point on its edge is in). The answer is exact to the float64 coordinates stored, whatever
        coarser index a backend uses to find candidates; for layers with lines or polygons the real geometry is
        re-checked (a diagonal line whose bounding box touches the box but whose path misses it is out),
        unless ``exact_geometry`` is False, which keeps every feature whose bounding box meets the box.

        ``filters`` maps a top-level property to a value (equal, with JSON types: ``True`` matches only
        ``true``, ``1`` only the number 1) or to a list of values any of which matches.

        ``during`` (start, end; None for an open end) instead of ``at``: every feature that existed at some
        moment of ``[start, end]``, in its last version valid within it. ``at`` and ``during`` together raise
        ValueError."""

    def query_text(
        self,
        layer_id: str,
        tz: ZoneInfo | timezone,
        *,
        bbox: Bbox | None = None,
        at: int | None = None,
        filters: dict | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> tuple[int, int, str]:
        """What :meth:`query` answers, as ``(total, returned, text)``: ``text`` is the comma-separated
        GeoJSON of the page's features, each exactly ``FeatureVersion.to_json(tz)`` (instants in ``tz``), so a
        FeatureCollection can be written around it without building a Python object per feature. Backends
        may build the text in the database; this default builds it from :meth:`query`."""
        page = self.query(layer_id, bbox=bbox, at=at, filters=filters, limit=limit, offset=offset)
        return page.total, len(page.features), ",".join(f.to_json(tz) for f in page.features)

    @abstractmethod
    def get(self, layer_id: str, fid: int, at: int | None = None) -> FeatureVersion:
        """The live version of a feature (or the version valid ``at``); raise UnknownFeature when the
        feature does not exist in this layer, is deleted (now, or at that instant), or did not exist yet."""

    @abstractmethod
    def history(self, layer_id: str, fid: int) -> list[FeatureVersion]:
        """Every version of a feature, oldest first, deletions included (a deletion has no geometry nor
        properties); each ``valid_to`` equals the next version's ``valid_from``. Raise UnknownFeature."""

    @abstractmethod
    def points(self, layer_id: str, at: int | None = None, value_property: str | None = None) -> PointArrays:
        """Every live point of a point layer (or those valid ``at``), ordered by feature id, with the value of
        ``value_property`` per point typed as in JSON (booleans as bool, a missing property as None)."""

    @abstractmethod
    def version_rows(
        self, layer_id: str, properties: Sequence[str], *, changed_since: int | None = None
    ) -> tuple[int, list[tuple]]:
        """Every version of a layer's features, compactly, for statistics over its history: the layer's
        revision and rows ``(fid, version, op, valid_from, valid_to, x, y, *values of properties)`` ordered by
        fid and version (``x``/``y`` are a point's coordinates, None for other geometries and deletions;
        values typed as in JSON: booleans as bool, objects and arrays as dict and list). With
        ``changed_since`` (a revision), only the rows of features written after it, all their versions. The
        revision and the rows are read from one snapshot."""

    @abstractmethod
    def extent(self) -> Bbox | None:
        """Bounding box of every live feature of every live layer, or None when there is none. It may lag
        behind writes by up to 30 seconds (it guides the map's first view, nothing exact)."""

    # -- writing features -----------------------------------------------------------------------------
    @abstractmethod
    def create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> Sequence[FeatureVersion]:
        """Store new features all-or-nothing and return their first versions (in the order given, with new
        ids that grow in that order). If any feature cannot be stored (its JSON is not valid, a value is not
        finite...) nothing of the batch is kept and the error (ValueError for bad values) goes on. ``at`` (a
        trusted caller's instant) is their ``valid_from`` instead of the clock's reading."""

    @abstractmethod
    def update(
        self, layer_id: str, fid: int, feature: NewFeature, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        """Replace a feature's geometry and properties with a new version and return it.

        ``base_version`` is the If-Match check: when it is not the current version, raise StaleVersion
        carrying the current version and change nothing; None skips the check (trusted callers only). Raise
        UnknownFeature for a deleted or unknown feature. The new version starts at the clock's reading, or
        one microsecond after the current version's start if the clock reads earlier (versions of a
        feature are strictly ordered); with ``at`` it starts exactly then, and an ``at`` before the current
        version's start raises ValueError."""

    @abstractmethod
    def delete(
        self, layer_id: str, fid: int, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        """End a feature's life and return the deletion version (op ``delete``); its history stays, and
        reading ``at`` an earlier instant still finds it. ``base_version``, UnknownFeature and ``at`` as for
        :meth:`update`."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. The store is not used afterwards."""
