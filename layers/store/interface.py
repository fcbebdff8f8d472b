"""The storage interface: what the rest of the product may ask of a feature store.

Kept narrow and free of SQL so a PostGIS backend can be added behind it for city-wide deployments.
Every change creates a new version with ``valid_from``/``valid_to`` instants (microseconds since the Unix
epoch, UTC) and its author; reading ``at`` an instant shows the layer as it was then.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

Bbox = tuple[float, float, float, float]


def format_instant(us: int | None, tz: ZoneInfo | timezone = UTC) -> str | None:
    """ISO 8601 with offset, millisecond precision, for a microsecond timestamp (None stays None)."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, tz).isoformat(timespec="milliseconds")


def parse_instant(text: str, tz: ZoneInfo | timezone = UTC) -> int:
    """Microseconds since the epoch for an ISO 8601 date or date-time; naive values are read in ``tz``.

    >>> parse_instant("1970-01-01T00:00:01Z")
    1000000
    """
    parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if "T" not in text else text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return int(round(parsed.timestamp() * 1_000_000))


@lru_cache(maxsize=4096)
def _author_json(author: str) -> str:
    return json.dumps(author, ensure_ascii=False)


@dataclass(frozen=True)
class FeatureVersion:
    """One stored version of one feature. ``geometry``/``properties`` are compact JSON text."""

    fid: int
    layer: str
    version: int
    op: str  # "create", "update" or "delete"
    valid_from: int
    valid_to: int | None
    author: str
    geometry: str | None
    properties: str | None

    @property
    def etag(self) -> str:
        return f'"{self.fid}.{self.version}"'

    def to_json(self, tz: ZoneInfo | timezone = UTC) -> str:
        """The version as a GeoJSON Feature with its history metadata as foreign members."""
        return (
            f'{{"type":"Feature","id":{self.fid},"geometry":{self.geometry or "null"},'
            f'"properties":{self.properties or "{}"},"layer":"{self.layer}","version":{self.version},'
            f'"op":"{self.op}","valid_from":"{format_instant(self.valid_from, tz)}",'
            f'"valid_to":{json.dumps(format_instant(self.valid_to, tz))},'
            f'"author":{_author_json(self.author)}}}'
        )

    def to_dict(self, tz: ZoneInfo | timezone = UTC) -> dict:
        return json.loads(self.to_json(tz))


@dataclass(frozen=True)
class Page:
    """A page of query results and the number of features matching the query in all."""

    features: list[FeatureVersion]
    total: int


@dataclass(frozen=True)
class PointArrays:
    """Every point of a layer as arrays, for the map's compact payload."""

    fids: np.ndarray  # int64
    x: np.ndarray  # float64 longitude
    y: np.ndarray  # float64 latitude
    values: list | None  # the value of the style property per point, when asked for


class StaleVersion(Exception):
    """An update was based on a version that is no longer current."""

    def __init__(self, current: FeatureVersion) -> None:
        super().__init__(f"feature {current.fid} is at version {current.version}")
        self.current = current


class UnknownFeature(KeyError):
    """No such (live) feature in the layer."""


class LayerExists(Exception):
    """A layer with this id already exists."""


class CreatedVersions(Sequence):
    """The first versions of features created together, made only when read: a million-row import
    needs just the count and the first and last ids, not a million objects."""

    def __init__(self, first_fid: int, layer: str, valid_from: int, author: str, geometries: list, properties: list):
        self._first, self._layer, self._at, self._author = first_fid, layer, valid_from, author
        self._geometries, self._properties = geometries, properties

    def __len__(self) -> int:
        return len(self._geometries)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = range(len(self))[index]  # IndexError and negative indexes as a list has them
        return FeatureVersion(self._first + i, self._layer, 1, "create", self._at, None, self._author,
                              self._geometries[i], self._properties[i])  # fmt: skip

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"CreatedVersions({self._layer!r}, fids {self._first}..{self._first + len(self) - 1})"


@dataclass(frozen=True)
class NewFeature:
    """A validated feature to store: geometry dict, properties dict and its bounding box. Either may
    instead be given as its compact JSON text (a ``str``, as ``layers.store.jsontext.dumps`` writes it), stored
    as it is: bulk importers encode a million rows column by column."""

    geometry: dict | str
    properties: dict | str
    bbox: Bbox


class Store(ABC):
    """A feature store with full history. All writes are atomic; timestamps come from the store's clock
    unless a trusted caller (seeding, historical import) passes ``at``."""

    @abstractmethod
    def now(self) -> int:
        """The store's clock: microseconds since the epoch (UTC)."""

    @abstractmethod
    def get_meta(self, key: str):
        """A JSON value stored about the whole store (e.g. ``demo``), or None."""

    @abstractmethod
    def set_meta(self, key: str, value) -> None:
        """Store a JSON value about the whole store."""

    @abstractmethod
    def layers(self) -> list[dict]:
        """Every layer definition, each with ``feature_count`` and ``revision``."""

    @abstractmethod
    def layer(self, layer_id: str) -> dict | None:
        """One layer definition with ``feature_count`` and ``revision``, or None."""

    @abstractmethod
    def create_layer(self, definition: dict, author: str, builtin: bool = False) -> dict:
        """Add a layer; raise LayerExists when the id is taken."""

    @abstractmethod
    def retire_layer(self, layer_id: str, author: str) -> None:
        """Take a layer that is not built in out of use: it is no longer listed or found (``layer`` gives
        None, so every route answers 404), its features and their history stay in the store for the
        record, and its id stays taken. Raise KeyError when there is no such live layer."""

    @abstractmethod
    def sync_builtin_layers(self, definitions: Iterable[dict]) -> None:
        """Make the stored built-in definitions equal to the catalogue's (adds and updates)."""

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
        """Features of a layer (as now, or ``at`` an instant) ordered by id, with the total count. With
        ``during`` (start, end; None for an open end) instead: every feature that existed at some moment of
        that interval, in its last version valid within it.
        ``filters`` maps a property to a value, or to a list of values any of which matches."""

    @abstractmethod
    def get(self, layer_id: str, fid: int, at: int | None = None) -> FeatureVersion:
        """The live version of a feature (or the version valid ``at``); raise UnknownFeature."""

    @abstractmethod
    def history(self, layer_id: str, fid: int) -> list[FeatureVersion]:
        """Every version of a feature, oldest first, deletions included; raise UnknownFeature."""

    @abstractmethod
    def create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> Sequence[FeatureVersion]:
        """Store new features all-or-nothing and return their first versions (in the order given)."""

    @abstractmethod
    def update(
        self, layer_id: str, fid: int, feature: NewFeature, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        """Replace a feature's geometry and properties; ``base_version`` None skips the check
        (trusted callers only); raise StaleVersion or UnknownFeature."""

    @abstractmethod
    def delete(
        self, layer_id: str, fid: int, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        """End a feature's life (its history stays); return the deletion version."""

    @abstractmethod
    def points(self, layer_id: str, at: int | None = None, value_property: str | None = None) -> PointArrays:
        """Every point of a point layer, as now or ``at`` an instant."""

    @abstractmethod
    def version_rows(
        self, layer_id: str, properties: Sequence[str], *, changed_since: int | None = None
    ) -> tuple[int, list[tuple]]:
        """Every version of a layer's features, compactly, for statistics over its history: the layer's
        revision and rows ``(fid, version, op, valid_from, valid_to, x, y, *values of properties)`` ordered by
        fid and version (``x``/``y`` are a point's coordinates, None for other geometries). With
        ``changed_since`` (a revision), only the rows of features written after it, all their versions."""

    @abstractmethod
    def extent(self) -> Bbox | None:
        """Bounding box of every live feature of every layer, or None when empty."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


class UserExists(Exception):
    """A user with this name already exists."""


class AccountStore(ABC):
    """Users, API tokens, browser sessions, login attempts and the audit log. Secrets are stored only
    as hashes; nothing here checks passwords or permissions (``layers/accounts/users.py`` does)."""

    @abstractmethod
    def create_user(
        self,
        name: str,
        role: str,
        password_hash: str | None,
        *,
        display_name: str | None = None,
        grid_codes: Sequence[str] = (),
        actor: str = "system",
    ) -> dict:
        """Add a user; raise UserExists."""

    @abstractmethod
    def user(self, name: str) -> dict | None:
        """A user by name (with ``password_hash``), or None."""

    @abstractmethod
    def users(self) -> list[dict]:
        """Every user, without password hashes."""

    @abstractmethod
    def update_user(self, name: str, changes: dict) -> dict:
        """Change ``display_name``, ``role``, ``grid_codes``, ``disabled`` or ``password_hash``; a change of
        role, password or disabled ends the user's sessions. Raise KeyError for an unknown user."""

    @abstractmethod
    def add_token(self, user_id: int, label: str, token_hash: str) -> dict:
        """Store a new API token's hash; return its public record."""

    @abstractmethod
    def token_user(self, token_hash: str) -> tuple[dict, dict] | None:
        """(token, user) for a live token of an enabled user, or None."""

    @abstractmethod
    def tokens(self, user_id: int | None = None) -> list[dict]:
        """Token records (never the secret), for one user or all."""

    @abstractmethod
    def revoke_token(self, token_id: int) -> dict | None:
        """Revoke a token; return its record, or None if unknown."""

    @abstractmethod
    def create_session(self, session_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        """Start a browser session."""

    @abstractmethod
    def session_user(self, session_hash: str) -> tuple[dict, dict] | None:
        """(session, user) for a live, unexpired session of an enabled user, or None."""

    @abstractmethod
    def delete_session(self, session_hash: str) -> None:
        """End one session."""

    @abstractmethod
    def record_login(self, name: str, ip: str, ok: bool) -> None:
        """Remember a login attempt."""

    @abstractmethod
    def login_failures(self, *, since: int, name: str | None = None, ip: str | None = None) -> int:
        """Failed attempts since an instant, for a name or an address."""

    @abstractmethod
    def audit(self, actor: str, action: str, target: str, detail: dict | None = None, ip: str = "") -> None:
        """Append to the audit log."""

    @abstractmethod
    def audit_log(self, limit: int = 200) -> list[dict]:
        """The newest audit entries first."""


class CaseStore(ABC):
    """What the case workflow keeps beside the features: versioned categories, photos and the results of
    requests sent with an idempotency key. ``atomic()`` wraps several writes (of any of the store's
    interfaces) into one all-or-nothing transaction."""

    @abstractmethod
    def atomic(self):
        """A context manager: every write inside commits together, or none does."""

    @abstractmethod
    def categories(self, at: int | None = None) -> list[dict]:
        """The category definitions as now (or ``at`` an instant), each with ``valid_from`` and ``author``."""

    @abstractmethod
    def category_history(self, code: str) -> list[dict]:
        """Every version of one category, oldest first."""

    @abstractmethod
    def put_category(self, definition: dict, author: str, at: int | None = None) -> dict:
        """Add a category or store a new version of it."""

    @abstractmethod
    def seed_categories(self, definitions: list[dict], at: int | None = None) -> int:
        """Add built-in categories not stored yet; return how many were added."""

    @abstractmethod
    def add_photo(self, record: dict, image: bytes, thumb: bytes) -> dict:
        """Keep a processed photo's files and record; return the record with its ``id``."""

    @abstractmethod
    def photo(self, photo_id: int) -> dict | None:
        """One photo record, or None."""

    @abstractmethod
    def case_photos(self, case_fid: int, at: int | None = None) -> list[dict]:
        """The photos attached to a case (by ``at`` an instant, when given)."""

    @abstractmethod
    def photo_counts(self, case_fids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """Before/after photo counts per case."""

    @abstractmethod
    def attach_photo(
        self, photo_id: int, case_fid: int, kind: str, at: int | None = None, warnings: list[dict] | None = None
    ) -> dict:
        """Attach an uploaded photo to a case as its ``before`` or ``after`` photo (replacing its warnings
        when given)."""

    @abstractmethod
    def photo_fingerprints(self) -> list[tuple[int, int | None, str, str]]:
        """``(photo id, case id, sha256, phash)`` of every photo."""

    @abstractmethod
    def idempotent_result(self, actor: str, key: str) -> tuple[str, int, str, dict] | None:
        """The stored ``(fingerprint, status, body, headers)`` of a request key, or None."""

    @abstractmethod
    def save_idempotent_result(
        self, actor: str, key: str, fingerprint: str, status: int, body: str, headers: dict | None = None
    ) -> None:
        """Remember a request key's response (inside the transaction that made the change)."""
