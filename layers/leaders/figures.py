"""The leaders' figures from the stored history: what changed between two dates (cases, and the coverage
of the facility layers then and now: each layer's ``roles.facility.leaders`` says which figure) and the
dashboard at a date, with the names of grid cells and categories attached so pages and reports can print
them. The cases are read as they stood at the instants asked about (``Tallies.rows_at``: indexed queries
over the version table), never the whole history."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo import casestats
from layers.accounts import CASE_LAYER
from layers.analysis import presets, run_analysis
from layers.cases import workflow
from layers.cases.timeline import PROPERTIES, frame_from_rows
from layers.catalogue import facility, role_layer, with_role
from layers.errors import Detail, NotFound, ValidationFailed
from layers.store import Store
from layers.store.jsontext import RawJSON

GROUPS = {state: spec["group"] for state, spec in workflow.STATES.items()}
# An area is a prefix of the 15-digit grid cell code: district (6), street office (9), community (12), cell (15).
AREA_CODE = re.compile(r"\d{6}(?:\d{3}){0,3}")
HISTORY_CACHE = 8  # frames kept per app: a page asks for the same instants several times in one request


def leaders_facilities(definitions: list[dict]) -> list[tuple[str, str]]:
    """(layer id, figure) of every facility the leaders see, by rank: ``coverage`` (the share of targets
    within the layer's preset radius) or ``gaps`` (the road length without one, by the gap rules)."""
    return [(d["id"], facility(d)["leaders"]["figure"]) for d in with_role(definitions, "facility")
            if "leaders" in facility(d)]  # fmt: skip


@dataclass
class Filters:
    """The filters a leader's page keeps in its URL: grid cells, categories (None: all) and an area (the
    grid cells whose code starts with it)."""

    grids: set[str] | None = None
    categories: set[str] | None = None
    area: str | None = None

    def store_scope(self) -> dict:
        """The filters as :class:`~layers.store.Tallies` takes them (``filters`` and ``prefix``)."""
        filters = {}
        if self.grids is not None:
            filters["grid_code"] = sorted(self.grids)
        if self.categories is not None:
            filters["category"] = sorted(self.categories)
        return {"filters": filters or None, "prefix": None if self.area is None else ("grid_code", self.area)}

    def key(self) -> tuple:
        return (tuple(sorted(self.grids or ())) if self.grids is not None else None,
                tuple(sorted(self.categories or ())) if self.categories is not None else None, self.area)  # fmt: skip


def check_area(store: Store, code: str) -> str:
    """``code`` when it names an area holding at least one grid cell; 422 when it is not 6, 9, 12 or 15
    digits, 404 when no grid cell's code starts with it."""
    if not AREA_CODE.fullmatch(code):
        raise ValidationFailed(key="errors.leaders.area_malformed",
                               details=[Detail("area", "malformed", "6, 9, 12 or 15 digits")])  # fmt: skip
    grid_id = role_layer(store.layers(), "grid")
    cells = store.counts_at(grid_id, [store.now()], "code", prefix=("code", code))[0] if grid_id else {}
    if not cells:
        raise NotFound(key="errors.leaders.area_unknown", params={"code": code},
                       details=[Detail("area", "unknown", "no grid cell has a code starting with it")])  # fmt: skip
    return code


@dataclass
class Leaders:
    """Per-app state: the cases as they stood at recent instants (by layer revision) and a small cache of
    coverage figures per (date, revisions)."""

    _coverage: OrderedDict = field(default_factory=OrderedDict)
    _frames: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def history(self, store: Store, tz: ZoneInfo, filters: Filters, instants: tuple[int, ...]) -> pd.DataFrame:
        """The versions of the cases valid at any of ``instants`` (a table for ``geo.casestats``, whose
        snapshots at those instants are exactly those of the whole history), within ``filters``."""
        layer = store.layer(CASE_LAYER)
        if layer is None:
            return frame_from_rows([], tz)
        key = (store.key, layer["revision"], tuple(sorted(set(instants))), filters.key(), str(tz))
        with self._lock:
            if key in self._frames:
                self._frames.move_to_end(key)
                return self._frames[key]
        revision, rows = store.rows_at(CASE_LAYER, key[2], PROPERTIES, **filters.store_scope())
        frame = frame_from_rows(rows, tz)
        with self._lock:
            self._frames[key[:1] + (revision,) + key[2:]] = frame
            while len(self._frames) > HISTORY_CACHE:
                self._frames.popitem(last=False)
        return frame

    def coverage(self, store: Store, at: int) -> dict:
        """Coverage ratios of the targets (buildings) by each coverage facility (its preset radius, straight
        line) and the road length without each gap facility (its gap rules) as the layers stood at ``at``."""
        definitions = store.layers()
        layers = [layer_id for layer_id, _ in leaders_facilities(definitions)]
        layers += [role_layer(definitions, "targets"), role_layer(definitions, "network")]
        revisions = tuple((layer_id, (store.layer(layer_id) or {}).get("revision")) for layer_id in layers if layer_id)
        key = (at, revisions)
        with self._lock:
            if key in self._coverage:
                return self._coverage[key]
        figures = _coverage_figures(store, at, definitions)
        with self._lock:
            self._coverage[key] = figures
            while len(self._coverage) > 16:
                self._coverage.popitem(last=False)
        return figures


def _coverage_figures(store: Store, at: int, definitions: list[dict]) -> dict:
    radii = presets()["service_distance"]
    targets, lines = role_layer(definitions, "targets"), role_layer(definitions, "network")
    out: dict = {}
    for layer_id, figure in leaders_facilities(definitions):
        if figure == "coverage":
            out[layer_id] = _coverage_figure(store, at, layer_id, targets, radii)
        else:
            out[layer_id] = _gap_figure(store, at, layer_id, lines)
    return out


def _coverage_figure(store: Store, at: int, layer_id: str, targets: str | None, radii: dict) -> dict:
    radius = (radii.get(layer_id) or {}).get("radius_m")
    body = {"facilities": layer_id, "targets": targets, "radius_m": radius}
    try:
        _, summary, _ = run_analysis("coverage", store, body, at=at)
    except (ValidationFailed, ValueError):  # no facilities or no buildings at that date
        return {"radius_m": radius, "coverage_ratio": None, "targets": 0, "covered": 0}
    return {"radius_m": radius, "coverage_ratio": summary["coverage_ratio"], "targets": summary["targets"],
            "covered": summary["covered"]}  # fmt: skip


def _gap_figure(store: Store, at: int, layer_id: str, lines: str | None) -> dict:
    try:
        _, summary, _ = run_analysis("gaps", store, {"points": layer_id, "lines": lines}, at=at)
    except (ValidationFailed, ValueError):
        return {"gap_length_m": None}
    return {"gap_length_m": round(float(summary.get("total_gap_m") or 0.0), 1),
            "checked_length_m": summary.get("checked_length_m")}  # fmt: skip


def _labels(rows: list[dict], key: str, names: dict[str, dict]) -> list[dict]:
    return [row | {"name": names.get(row[key])} for row in rows]


def names(store: Store) -> tuple[dict[str, dict], dict[str, dict]]:
    """(grid code → {zh-CN, en} name, responsible unit), (category code → {zh-CN, en})."""
    grid = {}
    grid_id = role_layer(store.layers(), "grid")
    for v in store.query(grid_id, limit=100_000).features if grid_id else []:
        props = json.loads(v.properties or "{}")
        if props.get("code"):
            name = props.get("name") or props["code"]
            grid[props["code"]] = {"zh-CN": name, "en": name, "responsible_unit": props.get("responsible_unit")}
    categories = {c["code"]: c["name"] for c in store.categories()}
    return grid, categories


def check_period(from_us: int | None, to_us: int | None, now_us: int) -> tuple[int, int]:
    if from_us is None or to_us is None:
        missing = "from" if from_us is None else "to"
        raise ValidationFailed(key="errors.period.dates_required",
                               details=[Detail(missing, "required", "an ISO 8601 date or date-time")])  # fmt: skip
    if from_us > to_us:
        raise ValidationFailed(key="errors.period.reversed",
                               details=[Detail("from", "out_of_range", "must not be after 'to'")])  # fmt: skip
    return from_us, min(to_us, max(now_us, from_us))


def _texts(values: list) -> dict:
    return {v: json.dumps(v, ensure_ascii=False) for v in set(values)}


def _change_features(after: pd.DataFrame, ids: dict[str, list[int]]) -> RawJSON:
    """The cases behind the numbers as they stood at the end, each with the numbers it counts in, as a
    GeoJSON FeatureCollection already written out: for a year of a busy street this is 100,000 features,
    and writing them as text directly takes a fifth of the time of building and encoding dicts."""
    fids = np.array(sorted({fid for group in ids.values() for fid in group}), dtype=np.int64)
    rows = after.loc[fids, ["x", "y", "status", "category", "grid_code"]]
    bits = np.zeros(len(fids), dtype=np.int64)
    names_list = list(ids)
    for k, name in enumerate(names_list):
        bits |= np.isin(fids, np.asarray(ids[name], dtype=np.int64)).astype(np.int64) << k
    changes = {b: json.dumps([n for k, n in enumerate(names_list) if b >> k & 1]) for b in set(bits.tolist())}
    status, category, grid = (rows[c].astype(object).where(rows[c].notna(), None).tolist()
                              for c in ("status", "category", "grid_code"))  # fmt: skip
    st, ca, gr = _texts(status), _texts(category), _texts(grid)
    parts = [
        f'{{"type":"Feature","id":{f},"geometry":{{"type":"Point","coordinates":[{x!r},{y!r}]}},'
        f'"properties":{{"status":{st[s_]},"category":{ca[c_]},"grid_code":{gr[g_]},"changes":{changes[b]}}}}}'
        for f, x, y, s_, c_, g_, b in zip(fids.tolist(), rows["x"].tolist(), rows["y"].tolist(), status, category,
                                           grid, bits.tolist())
    ]  # fmt: skip
    return RawJSON('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}")


def compare_view(leaders: Leaders, store: Store, tz: ZoneInfo, from_us: int, to_us: int, filters: Filters,
                 *, with_coverage: bool = False) -> dict:  # fmt: skip
    history = leaders.history(store, tz, filters, (from_us, to_us))
    result = casestats.compare(history, from_us, to_us, GROUPS)
    grid_names, category_names = names(store)
    result["by_grid"] = _labels(result["by_grid"], "grid_code", grid_names)
    result["by_category"] = _labels(result["by_category"], "category", category_names)
    result["features"] = _change_features(casestats.snapshot(history, to_us), result["ids"])
    if with_coverage:
        result["coverage"] = {"before": leaders.coverage(store, from_us), "after": leaders.coverage(store, to_us)}
    return result


def dashboard_view(leaders: Leaders, store: Store, tz: ZoneInfo, at_us: int, filters: Filters,
                   since_us: int | None = None, *, with_instants: tuple[int, ...] = ()) -> dict:  # fmt: skip
    """The dashboard at ``at_us``; ``with_instants``: other instants the caller reads too (the report's
    ``from``), so one table of cases serves both."""
    history = leaders.history(store, tz, filters, (*with_instants, at_us))
    figures = casestats.dashboard(history, at_us, GROUPS, set(workflow.CLOCK_STATES), tz=str(tz), since_us=since_us)
    grid_names, category_names = names(store)
    figures["by_grid"] = _labels(figures["by_grid"], "grid_code", grid_names)
    figures["grid_ranking"] = _labels(figures["grid_ranking"], "grid_code", grid_names)
    figures["by_category"] = _labels(figures["by_category"], "category", category_names)
    figures["state_labels"] = {s: d["label"] for s, d in workflow.STATES.items()}
    figures["group_labels"] = workflow.GROUPS
    return figures
