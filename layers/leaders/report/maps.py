"""The before/after maps of the leaders' report: the cases as they stood at the start and at the end of the
period over the grid cells, roads and buildings of each date, drawn as static SVG for print
(``geo.svgmap``) and as one offline folium page with a "before" and an "after" layer (``geo.webmap``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.svgmap import render_svg
from geo.webmap import page_html
from layers import i18n
from layers.cases import workflow
from layers.catalogue import role_layer, with_role
from layers.catalogue.frames import layer_frame
from layers.store import Store, format_instant

MAP_WIDTH_PX = 760
OPEN_STATES = [s for s, d in workflow.STATES.items() if d["group"] == "open"]
# What each case is on each map: its state at the start, what became of it by the end.
# (colour, Chinese, English): the printed report is Chinese, the folium legend bilingual.
BEFORE_KINDS = {"open": ("#d62f27", *i18n.pair("report.kind.open")),
                "fixed": ("#f39c12", *i18n.pair("report.kind.fixed"))}
AFTER_KINDS = {"open_old": ("#d62f27", *i18n.pair("report.kind.open_old")),
               "open_new": ("#7b3294", *i18n.pair("report.kind.open_new")),
               "fixed": ("#1a9850", *i18n.pair("report.kind.fixed_in_period"))}
PLACE_COLOUR = "#1f4e9c"
# The popups' column names (the folium page shows every column under its name).
_POPUP = {"id": i18n.text("report.popup.id"), "category": i18n.text("report.popup.category"),
          "status": i18n.text("report.popup.status"), "kind": i18n.text("report.popup.kind"),
          "address": i18n.text("report.popup.address"), "grid": i18n.text("report.popup.grid"),
          "unit": i18n.text("report.popup.unit"), "reported": i18n.text("report.popup.reported"),
          "deadline": i18n.text("report.popup.deadline"), "grid_name": i18n.text("report.popup.grid_name"),
          "grid_code": i18n.text("report.popup.grid_code"), "road": i18n.text("report.popup.road"),
          "name": i18n.text("report.popup.name"), "recurring": i18n.text("report.popup.recurring")}  # fmt: skip
_ROADS = {"arterial": 5, "secondary": 3.5, "commercial": 3.5, "branch": 3, "alley": 1.6}


@dataclass
class MapInput:
    """Everything the maps of one report need, read once."""

    before: pd.DataFrame  # cases at the start: fid, x, y, status, category, grid_code, kind
    after: pd.DataFrame  # cases at the end, with kind
    places: list[dict]  # the numbered recurring places: rank, lon, lat, category_name
    base_before: dict[str, gpd.GeoDataFrame]  # grid, roads, buildings at the start
    base_after: dict[str, gpd.GeoDataFrame]
    extent: tuple[float, float, float, float] | None
    grid_labels: dict[str, str]  # grid code -> short label


def base_layers(store: Store, at: int, grids: set[str] | None) -> dict[str, gpd.GeoDataFrame]:
    """The base layers (role ``base``) as they stood ``at``: the grid cells (role ``grid``; those of the
    filter, when given), the roads (role ``network``) and the buildings (role ``targets``)."""
    base = with_role(store.layers(), "base")
    out = {}
    for name, role in (("grid", "grid"), ("roads", "network"), ("buildings", "targets")):
        layer_id = role_layer(base, role)
        try:
            frame = layer_frame(store, layer_id, at=at) if layer_id else None
        except KeyError:
            frame = None
        if frame is None:
            frame = gpd.GeoDataFrame({"id": []}, geometry=[], crs=4326)
        if name == "grid" and grids is not None and "code" in frame.columns:
            frame = frame[frame["code"].isin(list(grids))]
        out[name] = frame
    return out


def extent_of(base: dict[str, gpd.GeoDataFrame], cases: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """The grid cells' bounds (lon/lat), else the cases'."""
    grid = base["grid"]
    if len(grid):
        return tuple(float(v) for v in grid.total_bounds)
    if len(cases):
        return (float(cases["x"].min()), float(cases["y"].min()), float(cases["x"].max()), float(cases["y"].max()))
    return None


def _points(frame: pd.DataFrame, columns: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    data = frame.rename(columns=columns or {})
    return gpd.GeoDataFrame(data.reset_index(drop=True), geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                            crs=4326)  # fmt: skip


def _svg_layers(base: dict, cases: pd.DataFrame, kinds: dict, places: list[dict], labels: dict) -> list[tuple]:
    grid = base["grid"].copy()
    grid["label"] = grid["code"].map(labels) if "code" in grid.columns else None
    roads = base["roads"]
    road_style = {"stroke": "#ffffff", "stroke_width": 2, "legend": False, "fit": False}
    if "class" in roads.columns:
        road_style |= {"by": "class", "classes": {k: {"stroke_width": w} for k, w in _ROADS.items()}}
    layers = [
        (i18n.text("report.map.buildings_layer"), base["buildings"], {
            "fill": "#e4dfd6", "stroke": "#d3ccbf", "stroke_width": 0.4, "legend": False, "fit": False}),
        (i18n.text("report.map.roads_layer"), roads, road_style),
        (i18n.text("report.map.grid_layer"), grid, {
            "fill": "none", "stroke": "#7d7468", "stroke_width": 1.4, "dash": "7 4", "text": "label",
            "label": i18n.text("report.map.grid_boundary")}),
        (i18n.text("report.map.cases"), _points(cases), {
            "by": "kind", "radius": 4, "stroke": "#ffffff", "stroke_width": 0.8,
            "classes": {k: {"fill": c, "label": t} for k, (c, t, _) in kinds.items()}}),
    ]  # fmt: skip
    if places:
        frame = pd.DataFrame([{"x": p["lon"], "y": p["lat"], "rank": p["rank"]} for p in places])
        layers.append((i18n.text("report.map.places_layer"), _points(frame), {
            "numbered": "rank", "fill": PLACE_COLOUR, "label": i18n.text("report.map.places_legend")}))  # fmt: skip
    return layers


def svg_maps(data: MapInput, from_label: str, to_label: str) -> dict:
    """The two static maps (SVG text without a namespace declaration, to be inlined in HTML) and counts."""
    out = {}
    for name, cases, kinds, base, label in (("before", data.before, BEFORE_KINDS, data.base_before, from_label),
                                            ("after", data.after, AFTER_KINDS, data.base_after, to_label)):
        cases = cases[cases["kind"].isin(list(kinds))]
        when = i18n.text("report.label.before") if name == "before" else i18n.text("report.label.after")
        title = i18n.text("report.map.title", when=when, date=label)
        svg = render_svg(_svg_layers(base, cases, kinds, data.places, data.grid_labels), width_px=MAP_WIDTH_PX,
                         extent=data.extent, title=title, xmlns=False)  # fmt: skip
        counts = {k: int((cases["kind"] == k).sum()) for k in kinds}
        out[name] = {"title": title, "svg": svg, "counts": counts,
                     "legend": [{"kind": k, "color": c, "label": t, "count": counts[k]}
                                for k, (c, t, _) in kinds.items()]}  # fmt: skip
    return out


def _case_columns(cases: pd.DataFrame, props: pd.DataFrame, kinds: dict, tz: ZoneInfo, names: dict) -> pd.DataFrame:
    """Chinese column names for the popups of the folium map."""
    extra = props.drop(columns=[c for c in props.columns if c in cases.columns or c == "id"])
    merged = cases.reset_index(drop=True).join(extra, on="fid")
    status = {s: d["label"]["zh-CN"] for s, d in workflow.STATES.items()}

    def when(value):
        return format_instant(int(value), tz)[:16].replace("T", " ") if value is not None and value >= 0 else None

    return pd.DataFrame({
        _POPUP["id"]: merged["fid"].astype(int),
        _POPUP["category"]: merged["category"].map(lambda c: names["category"].get(c, c)),
        _POPUP["status"]: merged["status"].map(lambda s: status.get(s, s)),
        _POPUP["kind"]: merged["kind"].map(lambda k: kinds[k][1]),
        _POPUP["address"]: merged.get("address"), _POPUP["grid"]: merged["grid_code"].map(
            lambda g: names["grid"].get(g, g)),
        _POPUP["unit"]: merged.get("responsible_unit"), _POPUP["reported"]: merged["reported_us"].map(when),
        _POPUP["deadline"]: merged["deadline_us"].map(when), "kind": merged["kind"], "x": merged["x"], "y": merged["y"],
    })  # fmt: skip


def _view(gdf: gpd.GeoDataFrame, columns: dict[str, str]) -> gpd.GeoDataFrame:
    """Some columns of a base layer under Chinese names (the popups show every column); missing ones empty."""
    data = {zh: gdf[name].to_numpy() if name in gdf.columns else [None] * len(gdf) for name, zh in columns.items()}
    return gpd.GeoDataFrame(data, geometry=list(gdf.geometry.values), crs=4326)


def folium_page(data: MapInput, props: pd.DataFrame, tz: ZoneInfo, names: dict, *, title: str, from_label: str,
                to_label: str, summary: dict) -> str:  # fmt: skip
    """One offline HTML page: the base layers as overlays and the cases before and after as a choice."""
    base = data.base_after
    grid_view = _view(base["grid"], {"name": _POPUP["grid_name"], "code": _POPUP["grid_code"],
                                     "responsible_unit": _POPUP["unit"]})  # fmt: skip
    road_view = _view(base["roads"], {"name": _POPUP["road"]})
    building_view = _view(base["buildings"], {"name": _POPUP["name"], "address": _POPUP["address"]})
    layers = [
        (i18n.pair("report.map.buildings_layer"), building_view, {
            "color": "#cfc8bb", "fill_color": "#e4dfd6", "weight": 0.5, "fill_opacity": 0.8,
            "label": i18n.pair("report.map.buildings_legend"), "fit": False}),
        (i18n.pair("report.map.roads_layer"), road_view, {
            "color": "#a39d92", "weight": 2, "opacity": 0.8, "tooltip": _POPUP["road"],
            "label": i18n.pair("report.map.roads_legend"), "fit": False}),
        (i18n.pair("report.map.grid_layer"), grid_view, {
            "color": "#7d7468", "weight": 1.5, "dash_array": "6 4", "fill_opacity": 0.0, "tooltip": _POPUP["grid_name"],
            "label": i18n.pair("report.map.grid_legend")}),
    ]  # fmt: skip
    for name, cases, kinds, label in ((i18n.text("report.label.before"), data.before, BEFORE_KINDS, from_label),
                                      (i18n.text("report.label.after"), data.after, AFTER_KINDS, to_label)):
        cases = cases[cases["kind"].isin(list(kinds))]
        view = _case_columns(cases, props, kinds, tz, names)
        frame = _points(view).drop(columns=["x", "y", "kind"])
        classes = {t: {"fill_color": c, "label": (t, en)} for c, t, en in kinds.values()}
        style = {"by": _POPUP["kind"], "radius": 6, "color": "#ffffff", "weight": 1, "fill_opacity": 0.9,
                 "choice": True, "tooltip": _POPUP["category"], "classes": classes}
        layers.append((f"{name} {label}", frame, style))
    if data.places:
        frame = pd.DataFrame([{"x": p["lon"], "y": p["lat"], _POPUP["id"]: p["rank"],
                               _POPUP["category"]: p["category_name"], _POPUP["recurring"]: p["recurring"],
                               _POPUP["address"]: p["address"]} for p in data.places])  # fmt: skip
        places = i18n.pair("report.map.places_layer")
        layers.append((places, _points(frame).drop(columns=["x", "y"]),
                       {"numbered": _POPUP["id"], "color": PLACE_COLOUR, "label": places}))
    return page_html(layers, summary=summary, title=title, attribution=i18n.text("report.map.attribution"))


def kinds_of(before: pd.DataFrame, after: pd.DataFrame, ids: dict[str, list[int]]) -> tuple[pd.DataFrame, ...]:
    """Label each case for the maps: at the start by its state group; at the end as fixed in the period, or
    open (new in the period or left from before)."""
    groups = {s: d["group"] for s, d in workflow.STATES.items()}
    before = before.assign(kind=before["status"].map(groups).fillna("other").to_numpy())
    fixed, new = set(ids.get("fixed", [])), set(ids.get("new", []))
    group_after = after["status"].map(groups).fillna("other").to_numpy()
    fids = after["fid"].to_numpy()
    still = np.where(np.isin(fids, list(new)), "open_new", "open_old")
    kind = np.where(np.isin(fids, list(fixed)), "fixed", np.where(group_after == "open", still, "other"))
    return before, after.assign(kind=kind)
