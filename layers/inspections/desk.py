"""Desk figures: what the data already answers for a round's cells (toilet and collection-point reach, dark road
length, overdue cases), computed by the planners' analyses and the case table, never asked on site. Every rate
comes with the count behind it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import shapely

from geo.crs import to_metric
from layers.accounts import CASE_LAYER
from layers.analysis import run_analysis
from layers.cases import workflow
from layers.cases.places import GRID
from layers.catalogue.frames import layer_frame
from layers.store import Store, parse_instant

FIGURES: dict[str, dict] = json.loads((Path(__file__).with_name("desk.json")).read_text(encoding="utf-8"))["figures"]
MAX_CASES = 100_000


def _coverage(store: Store, figure: dict, cells: set[str]) -> list[dict]:
    params = {"facilities": figure["facilities"], "targets": figure["targets"], "radius_m": figure["radius_m"]}
    _, summary, _ = run_analysis("coverage", store, params)
    return [{"code": row["code"], "value": row["coverage_ratio"], "n": row["targets"]}
            for row in summary.get("by_grid", []) if row["code"] in cells]  # fmt: skip


def _dark(store: Store, cells: set[str]) -> list[dict]:
    """Metres of dark road inside each cell: the gaps cut by the cells (a gap crossing a cell edge counts on
    both sides), measured in the UTM zone of the data."""
    result, _, _ = run_analysis("gaps", store, {})
    grid = layer_frame(store, GRID)
    lengths: Counter = Counter()
    if len(result) and len(grid):
        grid = grid[grid["code"].isin(cells)]
        both = to_metric(gpd.GeoDataFrame(geometry=list(result.geometry) + list(grid.geometry), crs="EPSG:4326"))
        gaps, shapes = both.geometry.values[: len(result)], both.geometry.values[len(result):]
        for code, shape in zip(grid["code"], shapes):
            lengths[code] += float(shapely.length(shapely.intersection(gaps, shape)).sum())
    return [{"code": code, "value": round(lengths[code], 1), "n": None} for code in sorted(cells)]


def _overdue(store: Store, tz, cells: set[str]) -> list[dict]:
    found = store.query(CASE_LAYER, filters={"status": sorted(workflow.OPEN)}, limit=MAX_CASES).features
    now = store.now()
    open_cases, late = Counter(), Counter()
    for version in found:
        props = json.loads(version.properties or "{}")
        code = props.get("grid_code")
        open_cases[code] += 1
        if props.get("deadline") and parse_instant(props["deadline"], tz) < now:
            late[code] += 1
    return [{"code": code, "value": round(late[code] / open_cases[code], 3) if open_cases[code] else None,
             "n": open_cases[code]} for code in sorted(cells)]  # fmt: skip


def desk_figures(store: Store, tz, round_: dict, checklist: dict) -> list[dict]:
    """The checklist's desk figures for the round's cells: each with its ``code``, ``title``, ``source`` and
    ``by_cell`` rows (``code``, ``value``, ``n``: the buildings or open cases behind a rate)."""
    cells = {h.split("|")[0] for h in round_["design"]["strata"]}
    out = []
    for code in checklist.get("desk") or []:
        figure = FIGURES[code]
        if figure["kind"] == "coverage":
            rows = _coverage(store, figure, cells)
        elif figure["kind"] == "gaps":
            rows = _dark(store, cells)
        else:
            rows = _overdue(store, tz, cells)
        out.append({"code": code, "title": figure["title"], "source": figure["source"], "by_cell": rows})
    return out
