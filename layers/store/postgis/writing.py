"""Writing features to the PostGIS store: creates all-or-nothing (COPY for big batches), updates and deletes
checked against the version they were based on, under a row lock on the feature."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from layers.store import CreatedVersions, FeatureVersion, NewFeature, StaleVersion, UnknownFeature, gcpause
from layers.store.jsontext import dumps
from layers.store.postgis.reading import VERSION_COLS, no_nul

# Creates of at least this many features stream their rows with COPY instead of batched INSERTs.
COPY_FEATURES = 2_000
COPY_CHUNK = 20_000  # rows per write into a COPY stream
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_VERSION_INSERT = (
    "INSERT INTO version (vid, fid, layer, version, op, valid_from, author, geojson, props,"
    " minx, miny, maxx, maxy, layer_rev) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _json_text(value: dict | str) -> str:
    return str(value) if isinstance(value, str) else dumps(value)


def _geometry_json(geometry: dict | str) -> str:
    """``dumps(geometry)``, written directly for a plain 2D point; text already encoded as it is."""
    if isinstance(geometry, str):
        return str(geometry)
    if len(geometry) == 2 and geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if type(coords) is list and len(coords) == 2:
            x, y = coords
            if type(x) is float and type(y) is float and math.isfinite(x) and math.isfinite(y):
                return f'{{"type":"Point","coordinates":[{x!r},{y!r}]}}'
    return dumps(geometry)


def copy_text(value: str) -> str:
    r"""``value`` as a field of COPY's text format (backslash, tab, newline and carriage return escaped).

    >>> print(copy_text('tab\there, back\\slash'))
    tab\there, back\\slash
    """
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _float(value: float) -> str:
    """A float8 as COPY reads it back exactly (``repr`` is the shortest text that round-trips)."""
    if math.isfinite(value):
        return repr(value)
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """The 16 low bits of each value moved to the even bit positions (for a Morton code)."""
    v = v.astype(np.uint32) & 0xFFFF
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


def spatial_order(boxes: list[tuple]) -> np.ndarray:
    """The positions of ``boxes`` in Z-order (Morton) of their centres: rows written in this order lie near
    their neighbours in space on disk, so a bbox query reads a few pages instead of one per row (what
    ``CLUSTER`` on a GiST index would give, which PostgreSQL refuses for partial indexes).

    >>> spatial_order([(1, 1, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)]).tolist()
    [1, 2, 3, 0]
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return np.arange(len(b))
    cells = []
    for v in (x, y):
        lo, hi = v[finite].min(), v[finite].max()
        cells.append(np.where(finite, (v - lo) / (hi - lo if hi > lo else 1.0) * 65535, 0).astype(np.uint32))
    return np.argsort(_spread_bits(cells[0]) | (_spread_bits(cells[1]) << 1), kind="stable")


class WritingMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db``, ``_bump``, ``_now`` come from it)."""

    def create(
        self, layer_id: str, features: Sequence[NewFeature], author: str, at: int | None = None
    ) -> CreatedVersions:
        layer_id = no_nul(layer_id)
        now = self._now(at)
        n = len(features)
        with gcpause.paused(n >= COPY_FEATURES), self._db.write() as conn:
            rev = self._bump(conn, layer_id, n)
            fid0 = conn.execute("SELECT coalesce(max(fid), 0) + 1 FROM feature").fetchone()[0]
            vid0 = conn.execute("SELECT coalesce(max(vid), 0) + 1 FROM version").fetchone()[0]
            geoms = [_geometry_json(f.geometry) for f in features]
            props = [_json_text(f.properties) for f in features]
            boxes = [tuple(map(float, f.bbox)) for f in features]
            if n >= COPY_FEATURES:
                self._copy_new(conn, layer_id, fid0, vid0, now, author, rev, geoms, props, boxes)
            elif n:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO feature (fid, layer, vid, version) VALUES (%s, %s, %s, 1)",
                        [(fid0 + i, layer_id, vid0 + i) for i in range(n)],
                    )
                    cur.executemany(
                        _VERSION_INSERT,
                        [(vid0 + i, fid0 + i, layer_id, 1, "create", now, author, g, p, *box, rev)
                         for i, (g, p, box) in enumerate(zip(geoms, props, boxes))],
                    )  # fmt: skip
        return CreatedVersions(fid0, layer_id, now, author, geoms, props)

    @staticmethod
    def _copy_new(conn, layer_id, fid0, vid0, now, author, rev, geoms, props, boxes) -> None:
        """Feature and version rows of a bulk create streamed with COPY, written as COPY's text format in
        chunks (several times faster than adapting each value on its own); the geometry and jsonb columns are
        computed by the server from the text. Ids follow the order given; the version rows are written in
        :func:`spatial_order`."""
        layer, who = copy_text(layer_id), copy_text(author)
        with conn.cursor() as cur:
            with cur.copy("COPY feature (fid, layer, vid, version) FROM STDIN") as copy:
                for start in range(0, len(geoms), COPY_CHUNK):
                    stop = min(len(geoms), start + COPY_CHUNK)
                    copy.write("".join(f"{fid0 + i}\t{layer}\t{vid0 + i}\t1\n" for i in range(start, stop)))
            columns = (
                "vid, fid, layer, version, op, valid_from, author, geojson, props, minx, miny, maxx, maxy, layer_rev"
            )
            order = spatial_order(boxes).tolist()
            head, tail = f"\t{layer}\t1\tcreate\t{now}\t{who}\t", f"\t{rev}\n"
            with cur.copy(f"COPY version ({columns}) FROM STDIN") as copy:
                for start in range(0, len(order), COPY_CHUNK):
                    copy.write("".join(
                        f"{vid0 + i}\t{fid0 + i}{head}{copy_text(geoms[i])}\t{copy_text(props[i])}\t"
                        f"{_float(boxes[i][0])}\t{_float(boxes[i][1])}\t{_float(boxes[i][2])}\t{_float(boxes[i][3])}{tail}"
                        for i in order[start : start + COPY_CHUNK]))  # fmt: skip

    def _current_for_write(self, conn, layer_id: str, fid: int, base_version: int | None, now: int):
        """The feature's current version, its row locked until the transaction ends; StaleVersion when
        ``base_version`` is not it. Versions of one feature are strictly ordered in time even if the clock
        steps back."""
        row = conn.execute(
            "SELECT vid FROM feature WHERE fid = %s AND layer = %s AND NOT deleted FOR UPDATE", (fid, layer_id)
        ).fetchone()
        if row is None:
            raise UnknownFeature(fid)
        vid = row[0]
        current = FeatureVersion(
            *conn.execute(f"SELECT {VERSION_COLS} FROM version v WHERE v.vid = %s", (vid,)).fetchone()
        )
        if base_version is not None and base_version != current.version:
            raise StaleVersion(current)
        return vid, current, max(now, current.valid_from + 1)

    def update(
        self, layer_id: str, fid: int, feature: NewFeature, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        layer_id = no_nul(layer_id)
        with self._db.write() as conn:
            old_vid, current, now = self._current_for_write(conn, layer_id, fid, base_version, self._now(at))
            if at is not None and now != at:
                raise ValueError(f"at={at} is before the current version of feature {fid}")
            rev = self._bump(conn, layer_id, 0)
            vid = conn.execute("SELECT max(vid) + 1 FROM version").fetchone()[0]
            geom, props = _geometry_json(feature.geometry), _json_text(feature.properties)
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = %s WHERE vid = %s", (now, old_vid))
            conn.execute(_VERSION_INSERT, (vid, fid, layer_id, version, "update", now, author, geom, props,
                                           *map(float, feature.bbox), rev))  # fmt: skip
            conn.execute("UPDATE feature SET vid = %s, version = %s WHERE fid = %s", (vid, version, fid))
        return FeatureVersion(fid, layer_id, version, "update", now, None, author, geom, props)

    def delete(
        self, layer_id: str, fid: int, base_version: int | None, author: str, at: int | None = None
    ) -> FeatureVersion:
        layer_id = no_nul(layer_id)
        with self._db.write() as conn:
            old_vid, current, now = self._current_for_write(conn, layer_id, fid, base_version, self._now(at))
            rev = self._bump(conn, layer_id, -1)
            vid = conn.execute("SELECT max(vid) + 1 FROM version").fetchone()[0]
            version = current.version + 1
            conn.execute("UPDATE version SET valid_to = %s WHERE vid = %s", (now, old_vid))
            conn.execute(_VERSION_INSERT, (vid, fid, layer_id, version, "delete", now, author, None, None,
                                           None, None, None, None, rev))  # fmt: skip
            conn.execute(
                "UPDATE feature SET vid = %s, version = %s, deleted = true WHERE fid = %s", (vid, version, fid)
            )
        return FeatureVersion(fid, layer_id, version, "delete", now, None, author, None, None)
