"""Planning a field worker's round through open cases ("plan my round"): a visiting order (nearest
neighbour, then 2-opt and Or-opt moves) and the walk along the streets, straight where streets do not reach."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from scipy.spatial.distance import cdist
from shapely.geometry import LineString

from geo.network import StreetNetwork, metric_crs_for_frames, radius_number
from geo.numeric import real_number
from geo.routing.legs import StreetLegs
from geo.routing.order import UnreachableLegWarning, order_stops, path_length_m

__all__ = ["RoundPlan", "UnreachableLegWarning", "order_stops", "path_length_m", "plan_round"]

_WGS84 = pyproj.CRS("EPSG:4326")
_LEG_KEYS = ("from", "to", "length_m", "method", "reason")


@dataclass
class RoundPlan:
    """A planned round.

    Attributes
    ----------
    order : list
        Stop ids in visiting order.
    legs : list of dict
        One per leg: ``from`` (stop id, None for the start position), ``to``, ``length_m``, ``method``
        (``"network"`` or ``"straight"``) and ``reason`` (None, or why the leg is straight:
        ``"no_roads"``, ``"off_network"`` when a stop is farther than ``max_snap_m`` from every road,
        ``"disconnected"`` when the two lie on street networks with no link between them).
    length_m, straight_length_m : float
        The round's length, and the sum of straight lines between the same stops in the same order.
    method : str
        ``"network"`` if any leg follows the streets, else ``"straight"``.
    route : shapely.LineString
        The walk in WGS 84: along the streets for network legs (with the access leg from each stop to
        the street and back), straight otherwise; empty when there is no leg.
    """

    order: list
    legs: list[dict]
    length_m: float
    straight_length_m: float
    method: str
    route: LineString


def _check_stops(stops_gdf: object) -> list:
    if not isinstance(stops_gdf, gpd.GeoDataFrame):
        raise TypeError(f"stops_gdf must be a GeoDataFrame, got {type(stops_gdf).__name__}")
    if stops_gdf.crs is None:
        raise ValueError("stops_gdf has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")
    if "id" not in stops_gdf.columns:
        raise ValueError("stops_gdf needs an 'id' column")
    geoms, ids = np.asarray(stops_gdf.geometry.values, dtype=object), stops_gdf["id"]
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms) | (shapely.get_type_id(geoms) != 0)
    if bad.any():
        raise ValueError(f"stops_gdf must hold one Point per stop, not so for ids {ids[bad].tolist()[:5]}")
    if ids.duplicated().any():
        raise ValueError(f"stops_gdf has duplicate ids: {ids[ids.duplicated()].tolist()[:5]}")
    return ids.tolist()


def _check_start(start: object) -> tuple[float, float] | None:
    if start is None:
        return None
    if isinstance(start, (str, bytes)) or not hasattr(start, "__len__") or len(start) != 2:
        raise TypeError(f"start must be a (lon, lat) pair or None, got {start!r}")
    lon, lat = real_number(start[0], "start lon"), real_number(start[1], "start lat")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"start must be WGS 84 (lon, lat) degrees, got {tuple(start)!r}")
    return lon, lat


def _check_roads(roads: object) -> None:
    if roads is not None and not isinstance(roads, (gpd.GeoDataFrame, StreetNetwork)):
        raise TypeError(f"roads_gdf must be a GeoDataFrame, a StreetNetwork or None, got {type(roads).__name__}")
    if isinstance(roads, gpd.GeoDataFrame) and roads.crs is None:
        raise ValueError("roads_gdf has no CRS: set one (e.g. .set_crs('EPSG:4326')), it is never guessed")


def _network(roads: object, frames: list) -> tuple[StreetNetwork | None, pyproj.CRS]:
    """The street network (None without usable roads) and the metric CRS to work in."""
    if isinstance(roads, StreetNetwork):
        return (roads if len(roads.edges_gdf) else None), roads.crs
    if roads is None or (roads.geometry.is_empty | roads.geometry.isna()).all():
        return None, metric_crs_for_frames(*frames)
    crs = metric_crs_for_frames(*frames, roads)
    net = StreetNetwork.from_lines(roads, crs=crs)
    return (net if len(net.edges_gdf) else None), crs


def plan_round(
    stops_gdf: gpd.GeoDataFrame,
    roads_gdf: gpd.GeoDataFrame | StreetNetwork | None = None,
    start: tuple[float, float] | None = None,
    *,
    max_snap_m: float = 150.0,
) -> RoundPlan:
    """Plan a walk through every stop (open cases), along the streets when roads are given.

    Parameters
    ----------
    stops_gdf : GeoDataFrame
        Points (WGS 84, or any CRS) with a unique ``id`` column.
    roads_gdf : GeoDataFrame or StreetNetwork, optional
        Road lines, or a network already built from them.  Without roads, legs are straight lines.
    start : (lon, lat), optional
        Where the worker stands (WGS 84); the round then starts there.  Else it starts at a stop.
    max_snap_m : float
        A stop (or the start) farther than this from every road, or on a part of the network with no
        link to the other stop, is reached by a straight leg for that pair, and the leg says so.

    Returns
    -------
    RoundPlan
        Its ``route`` is as long as ``length_m`` (measured in the metric CRS of the data).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> stops = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, crs="EPSG:32649",
    ...     geometry=[Point(735000, 2556000), Point(735300, 2556000), Point(735100, 2556000)]).to_crs(4326)
    >>> plan = plan_round(stops)
    >>> plan.order, round(plan.length_m, 3), plan.method
    (['a', 'c', 'b'], 300.0, 'straight')
    """
    ids, lonlat = _check_stops(stops_gdf), _check_start(start)
    max_snap = radius_number(max_snap_m, "max_snap_m")
    _check_roads(roads_gdf)
    if not ids:
        return RoundPlan([], [], 0.0, 0.0, "straight", LineString())
    start_gs = gpd.GeoSeries(shapely.points([lonlat] if lonlat else np.empty((0, 2))), crs=_WGS84)
    net, crs = _network(roads_gdf, [stops_gdf, start_gs])
    points = np.r_[start_gs.to_crs(crs).values, stops_gdf.geometry.to_crs(crs).values]
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    straight = cdist(xy, xy)
    streets = None if net is None else StreetLegs(net, xy, max_snap)
    dist = straight if streets is None else np.where(np.isfinite(streets.dist_m), streets.dist_m, straight)
    order = order_stops(dist, start=0 if lonlat else None)
    pairs = list(zip(order[:-1], order[1:]))
    reasons = [("no_roads" if streets is None else streets.reason(i, j)) for i, j in pairs]
    walked = [pair for pair, reason in zip(pairs, reasons) if reason is None]
    walks = dict(zip(walked, streets.walks(walked) if walked else []))
    labels = ([None] if lonlat else []) + ids
    legs = [
        dict(zip(_LEG_KEYS, (labels[i], labels[j], float(dist[i, j]), "straight" if why else "network", why)))
        for (i, j), why in zip(pairs, reasons)
    ]
    return RoundPlan(
        order=[labels[k] for k in order if not (lonlat and k == 0)],
        legs=legs,
        length_m=float(sum(leg["length_m"] for leg in legs)),
        straight_length_m=float(sum(straight[i, j] for i, j in pairs)),
        method="network" if walked else "straight",
        route=_route([walks[p] if p in walks else xy[list(p)] for p in pairs], crs),
    )


def _route(coords: list[np.ndarray], crs: pyproj.CRS) -> LineString:
    """One WGS 84 line through the legs' metric coordinates (points within 1 micrometre of the last dropped)."""
    xy = np.concatenate(coords) if coords else np.empty((0, 2))
    xy = xy[np.r_[True, np.hypot(*(xy[1:] - xy[:-1]).T) > 1e-6]] if len(xy) else xy
    if len(xy) < 2:
        return LineString()
    lon, lat = pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return LineString(np.column_stack([lon, lat]))
