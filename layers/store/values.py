"""The values the store contract passes in and out: instants, feature versions, pages, point arrays and
new features. Every backend returns exactly these types."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    if not isinstance(text, str):  # JSON bodies may carry a list or a number where a date belongs
        raise TypeError(f"a date-time is text, not {type(text).__name__}")
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
    # The value of the asked-for property per point as JSON gives it (str, int, float, bool or None: JSON's
    # true/false come back as Python's True/False, never as 1/0), or None when no property was asked for.
    values: list | None


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
