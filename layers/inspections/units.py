"""The places a checklist inspects inside an area: road stretches of a fixed length, buildings of the uses it
names, or facilities, each with its grid cell (an area code is a prefix of the 15-digit cell code) and its
stratum (cell and road class, building use or facility layer)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.sampling import road_stretches
from layers.cases.places import GRID, Places
from layers.errors import Detail, ValidationFailed
from layers.store import Store

LEVELS = {6: "district", 9: "street", 12: "community", 15: "cell"}
COLUMNS = ["layer", "fid", "part", "name", "unit_class", "cell", "stratum", "geometry"]


def check_area(value) -> str:
    if not isinstance(value, str) or not value.isdigit() or len(value) not in LEVELS:
        raise ValidationFailed(key="errors.inspection.refused", details=[
            Detail("area", "invalid_value", "an area code: 6 (district), 9 (street office), 12 (community) "
                   "or 15 (grid cell) digits")])  # fmt: skip
    return value


def area_cells(store: Store, places: Places, area: str) -> gpd.GeoDataFrame:
    """The grid cells whose code starts with ``area``."""
    cells = places.frame(store, GRID)
    if len(cells) == 0 or "code" not in cells.columns:
        return cells.iloc[0:0]
    return cells[cells["code"].astype(str).str.startswith(area)]


def _stretches(frame: gpd.GeoDataFrame, unit: dict) -> gpd.GeoDataFrame:
    parts = road_stretches(frame, unit["length_m"])
    names = dict(zip(frame["id"], frame["name"])) if "name" in frame.columns else {}
    out = gpd.GeoDataFrame({"layer": "roads", "fid": parts["road"].astype(int), "part": parts["part"].astype(int),
                            "name": [names.get(r) for r in parts["road"]], "unit_class": parts["road_class"]},
                           geometry=parts.geometry.values, crs="EPSG:4326")  # fmt: skip
    return out


def _features(frame: gpd.GeoDataFrame, layer: str, unit: dict) -> gpd.GeoDataFrame:
    if "uses" in unit and "use" in frame.columns:
        frame = frame[frame["use"].isin(unit["uses"])]
    elif "uses" in unit:
        frame = frame.iloc[0:0]
    classes = frame["use"] if unit["kind"] == "building" and "use" in frame.columns else [layer] * len(frame)
    names = frame["name"] if "name" in frame.columns else [None] * len(frame)
    return gpd.GeoDataFrame({"layer": layer, "fid": frame["id"].astype(int), "part": 0, "name": list(names),
                             "unit_class": list(classes)}, geometry=frame.geometry.values, crs="EPSG:4326")  # fmt: skip


def anchor(geometry):
    """Where a place is for its cell: a stretch's midpoint, any other shape's representative point."""
    if geometry.geom_type in ("LineString", "MultiLineString"):
        return geometry.interpolate(0.5, normalized=True)
    return geometry.representative_point()


def area_units(store: Store, places: Places, checklist: dict, area: str) -> gpd.GeoDataFrame:
    """Every place of the checklist's kind in ``area`` (``COLUMNS``), in a fixed order (layer, id, part), so a
    seed always draws the same places from the same store."""
    cells = area_cells(store, places, area)
    unit = checklist["unit"]
    frames = []
    for layer in unit["layers"]:
        frame = places.frame(store, layer) if store.layer(layer) else None
        if frame is None or len(frame) == 0:
            continue
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        frames.append(_stretches(frame, unit) if unit["kind"] == "stretch" else _features(frame, layer, unit))
    if not frames or len(cells) == 0:
        return gpd.GeoDataFrame({c: [] for c in COLUMNS[:-1]}, geometry=[], crs="EPSG:4326")
    units = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    anchors = gpd.GeoDataFrame(geometry=[anchor(g) for g in units.geometry], crs="EPSG:4326")
    joined = gpd.sjoin(anchors, cells[["code", "geometry"]], how="left", predicate="intersects")
    first = joined[~joined.index.duplicated(keep="first")]["code"]
    units["cell"] = first.reindex(units.index).values
    units = units[units["cell"].notna()].copy()
    units["unit_class"] = units["unit_class"].fillna("unknown").astype(str)
    units["name"] = [n if isinstance(n, str) and n else None for n in units["name"]]  # no NaN reaches JSON
    units["stratum"] = units["cell"].astype(str) + "|" + units["unit_class"]
    units = units.sort_values(["layer", "fid", "part"], kind="stable").reset_index(drop=True)
    return units[COLUMNS]
