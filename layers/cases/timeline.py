"""Case versions as the table ``geo/casestats.py`` computes on (:func:`frame_from_rows`, from rows of
``Store.version_rows`` or ``Tallies.rows_at``), and :class:`CaseTimeline`, the whole history of every case
kept in memory and patched from the versions written since. The leaders' figures no longer use the
timeline (they read only the instants they show, ``layers/leaders/figures.py``); it stays as the reference
the tests and ``bench/bench_leaders.py`` compare them with."""

from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo.casestats import COLUMNS, OPEN_END
from layers.accounts import CASE_LAYER
from layers.store import Store

PROPERTIES = ("status", "category", "grid_code", "responsible_unit", "reported_at", "dispatched_at", "deadline",
              "fixed_at", "recurrence")  # fmt: skip
TIMES = {"reported_at": "reported_us", "dispatched_at": "dispatched_us", "deadline": "deadline_us",
         "fixed_at": "fixed_us"}  # fmt: skip
# Beyond this many changed cases since the cached table, reading everything again is as cheap as patching.
MAX_PATCH = 20_000


def _micros(texts: pd.Series, tz: ZoneInfo) -> np.ndarray:
    """ISO 8601 texts (naive ones in ``tz``) as microseconds since the epoch; -1 where unset or unreadable."""
    texts = texts.astype("string")
    out = np.full(len(texts), -1, dtype=np.int64)
    has_offset = texts.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).to_numpy(dtype=bool)
    present = texts.notna().to_numpy()
    for mask, localize in ((present & has_offset, False), (present & ~has_offset, True)):
        if not mask.any():
            continue
        parsed = pd.to_datetime(texts[mask], format="ISO8601", utc=not localize, errors="coerce")
        if localize:
            parsed = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        micros = parsed.dt.tz_convert("UTC").to_numpy(dtype="datetime64[us]").astype(np.int64)
        out[mask] = np.where(parsed.isna().to_numpy(), -1, micros)
    return out


def frame_from_rows(rows: list[tuple], tz: ZoneInfo) -> pd.DataFrame:
    """The versions table from :meth:`Store.version_rows` rows."""
    raw = pd.DataFrame(rows, columns=["fid", "version", "op", "valid_from", "valid_to", "x", "y", *PROPERTIES])
    out = pd.DataFrame({
        "fid": raw["fid"].astype(np.int64),
        "valid_from": raw["valid_from"].astype(np.int64),
        # NULL valid_to (the current version) must not pass through float: 2**63 - 1 does not survive it.
        "valid_to": np.fromiter((OPEN_END if r[4] is None else r[4] for r in rows), dtype=np.int64, count=len(rows)),
        "deleted": (raw["op"] == "delete").to_numpy(),
        "x": raw["x"].astype(float), "y": raw["y"].astype(float),
    })  # fmt: skip
    for name in ("status", "category", "grid_code", "responsible_unit"):
        out[name] = raw[name].astype("string")
    for text, column in TIMES.items():
        # Versions mostly repeat their predecessor's times: parse each distinct text once.
        codes, uniques = pd.factorize(raw[text], use_na_sentinel=True)
        parsed = _micros(pd.Series(uniques, dtype="string"), tz) if len(uniques) else np.empty(0, np.int64)
        out[column] = np.where(codes >= 0, parsed[np.maximum(codes, 0)] if len(parsed) else -1, -1)
    out["recurrence"] = raw["recurrence"].fillna(0).astype(np.int64)
    return out[list(COLUMNS)]


class CaseTimeline:
    """The versions table of the case layer, cached per store and patched by layer revision."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[int, pd.DataFrame] | None = None

    def history(self, store: Store, tz: ZoneInfo) -> pd.DataFrame:
        layer = store.layer(CASE_LAYER)
        revision = layer["revision"] if layer else 0
        cached = self._cached
        if cached is not None and cached[0] == revision:
            return cached[1]
        with self._lock:  # one reader builds or patches; the others wait for its table
            cached = self._cached
            if cached is not None and cached[0] >= revision:
                return cached[1]
            self._cached = self._read(store, tz, cached)
            return self._cached[1]

    def _read(self, store: Store, tz: ZoneInfo, cached: tuple[int, pd.DataFrame] | None) -> tuple[int, pd.DataFrame]:
        if cached is not None:
            revision, rows = store.version_rows(CASE_LAYER, PROPERTIES, changed_since=cached[0])
            changed = {r[0] for r in rows}
            if len(changed) <= MAX_PATCH:
                kept = cached[1][~cached[1]["fid"].isin(changed)]
                # No re-sort: the statistics select by validity interval, not by row order.
                return revision, pd.concat([kept, frame_from_rows(rows, tz)], ignore_index=True) if rows else kept
        revision, rows = store.version_rows(CASE_LAYER, PROPERTIES)
        return revision, frame_from_rows(rows, tz)
