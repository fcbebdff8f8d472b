"""OpenStreetMap extracts (``.osm.pbf``) into the project's layers: the one place where OSM tags become our
properties (highway → road class, ``lit`` → lit, building → use, amenity → toilets, bins, collection points,
highway=street_lamp → streetlights). Read with GDAL's OSM driver (layers ``points``, ``lines``,
``multipolygons``); tags without a column of their own come from its ``other_tags``.
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

__all__ = ["OSM_BUILDING_USE", "OSM_CREDIT", "OSM_ROAD_CLASS", "OSM_TARGETS", "UNREADABLE", "OsmReadError",
           "parse_tags", "read_osm"]  # fmt: skip

OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
#: Column of :func:`read_osm`'s answer, present only when some geometry could not be read: true on those rows.
UNREADABLE = "_unreadable_geometry"
#: OSM ``highway`` → our road ``class``. Pedestrian streets are shopping streets; paths and steps are alleys.
OSM_ROAD_CLASS = {"primary": "arterial", "primary_link": "arterial", "secondary": "arterial",
                  "tertiary": "secondary", "tertiary_link": "secondary", "residential": "branch",
                  "unclassified": "branch", "service": "branch", "pedestrian": "commercial", "footway": "alley",
                  "steps": "alley", "path": "alley", "corridor": "alley", "track": "alley"}  # fmt: skip
#: OSM ``building`` → our building ``use``; ``yes`` and anything else unlisted stays unknown.
OSM_BUILDING_USE = {
    **dict.fromkeys(("residential", "apartments", "house", "detached", "terrace", "dormitory"), "residential"),
    **dict.fromkeys(("commercial", "retail", "shop", "office", "hotel", "kiosk", "supermarket"), "commercial"),
    **dict.fromkeys(("school", "university", "college", "kindergarten"), "school"),
    **dict.fromkeys(("industrial", "warehouse", "factory", "manufacture"), "industrial"),
    **dict.fromkeys(("public", "civic", "government", "hospital", "church", "chapel", "cathedral",
                     "train_station", "fire_station", "townhall", "mosque", "temple"), "public"),
}  # fmt: skip
_LIT = {"yes": True, "24/7": True, "automatic": True, "limited": True, "interval": True, "sunset-sunrise": True,
        "no": False, "disused": False}  # fmt: skip
_DRY = {"pitlatrine", "chemical", "bucket", "dry"}
_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:m|metres|meters)?\s*$")
#: The target layers an extract can fill, and the OSM features that go into each.
OSM_TARGETS = {
    "roads": "highway=* (OSM_ROAD_CLASS) lines",
    "buildings": "building=* areas",
    "toilets": "amenity=toilets points and areas",
    "bins": "amenity=waste_basket points and areas",
    "collection_points": "amenity=waste_disposal / recycling / waste_transfer_station points and areas",
    "streetlights": "highway=street_lamp points",
}


def parse_tags(other_tags: object) -> dict[str, str]:
    """GDAL's ``other_tags`` (an hstore text) as a dict.

    >>> parse_tags('"lit"=>"yes","name:zh"=>"\\\\"大\\\\"街"')
    {'lit': 'yes', 'name:zh': '"大"街'}
    >>> parse_tags(None)
    {}
    """
    if not isinstance(other_tags, str):
        return {}
    return {k.replace('\\"', '"'): v.replace('\\"', '"') for k, v in _TAG.findall(other_tags)}


def _number(text: object) -> float | None:
    match = _NUMBER.match(text) if isinstance(text, str) else None
    return float(match[1]) if match else None


class OsmReadError(ValueError):
    """The extract itself cannot be read (truncated, corrupt), as opposed to a target it cannot fill."""


def _read(path: str, layer: str) -> gpd.GeoDataFrame:
    """A layer of the extract; when one geometry breaks the bulk read (a multipolygon ring of two points in
    a real extract), read again leniently: such a row keeps its tags, no geometry and ``UNREADABLE`` true."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                frame = pyogrio.read_dataframe(path, layer=layer)
            except shapely.errors.GEOSException:
                frame = _read_leniently(path, layer)
    except (DataSourceError, DataLayerError, ValueError) as exc:
        raise OsmReadError(f"cannot read the OSM extract: {exc}") from None
    tags = [parse_tags(t) for t in frame["other_tags"]] if "other_tags" in frame else [{}] * len(frame)
    frame["_tags"] = tags
    return frame


def _read_leniently(path: str, layer: str) -> gpd.GeoDataFrame:
    """The layer with each geometry parsed on its own: one that GEOS refuses is None, flagged ``UNREADABLE``."""
    meta, _, wkb, fields = pyogrio.raw.read(path, layer=layer)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    frame = gpd.GeoDataFrame(dict(zip(meta["fields"], fields)), geometry=geoms, crs=meta["crs"] or "EPSG:4326")
    frame[UNREADABLE] = pd.notna(pd.Series(wkb, dtype=object)).to_numpy() & shapely.is_missing(geoms)
    return frame


def _tag(frame: pd.DataFrame, key: str) -> pd.Series:
    """A tag from its own column where GDAL gives it one, else from ``other_tags``."""
    own = frame[key] if key in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    other = frame["_tags"].map(lambda t: t.get(key))
    return own.where(own.notna(), other)


def _out(frame: pd.DataFrame, columns: dict, geometry) -> gpd.GeoDataFrame:
    ids = frame["osm_id"] if "osm_way_id" not in frame else frame["osm_id"].fillna(frame["osm_way_id"])
    data = {"osm_id": ids.to_numpy(object)}
    if UNREADABLE in frame.columns:
        data[UNREADABLE] = frame[UNREADABLE].fillna(False).to_numpy(bool)
    for name, values in columns.items():
        data[name] = np.array([None if _missing(v) else v for v in values], dtype=object)
    attributes = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    return gpd.GeoDataFrame(attributes, geometry=np.asarray(geometry, dtype=object), crs="EPSG:4326")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _amenity_points(path: str, values: tuple[str, ...]) -> pd.DataFrame:
    """Points and areas (as their representative point) tagged ``amenity`` in ``values``."""
    points = _read(path, "points")
    points = points[_tag(points, "amenity").isin(values).to_numpy()]
    areas = _read(path, "multipolygons")
    areas = areas[_tag(areas, "amenity").isin(values).to_numpy()].copy()
    areas["geometry"] = shapely.point_on_surface(areas.geometry.values)
    both = pd.concat([points, areas], ignore_index=True)
    return both


def _lit(value: object) -> bool | None:
    return _LIT.get(value.strip().lower()) if isinstance(value, str) else None


def _roads(path: str) -> gpd.GeoDataFrame:
    lines = _read(path, "lines")
    lines = lines[lines["highway"].isin(list(OSM_ROAD_CLASS)).to_numpy()]
    return _out(lines, {"name": lines["name"], "class": lines["highway"].map(OSM_ROAD_CLASS),
                        "lit": _tag(lines, "lit").map(_lit), "width_m": _tag(lines, "width").map(_number)},
                lines.geometry.values)  # fmt: skip


def _buildings(path: str) -> gpd.GeoDataFrame:
    areas = _read(path, "multipolygons")
    areas = areas[areas["building"].notna().to_numpy()]
    street, number = _tag(areas, "addr:street"), _tag(areas, "addr:housenumber")
    address = [f"{s}{' ' if s and n else ''}{n or ''}".strip() or None if (s or n) else None
               for s, n in zip(street.where(street.notna(), ""), number.where(number.notna(), ""))]  # fmt: skip
    return _out(areas, {"name": areas["name"], "use": areas["building"].map(OSM_BUILDING_USE), "address": address},
                areas.geometry.values)  # fmt: skip


def _toilets(path: str) -> gpd.GeoDataFrame:
    found = _amenity_points(path, ("toilets",))
    disposal = _tag(found, "toilets:disposal").map(lambda v: None if v is None else ("dry" if v in _DRY else
                                                                                         "flush"))
    wheelchair = _tag(found, "wheelchair").map({"yes": True, "no": False, "limited": None}.get)
    return _out(found, {"name": found["name"], "flush": disposal, "accessible": wheelchair,
                        "opening_hours": _tag(found, "opening_hours"), "managed_by": _tag(found, "operator")},
                found.geometry.values)  # fmt: skip


def _bins(path: str) -> gpd.GeoDataFrame:
    found = _amenity_points(path, ("waste_basket",))
    return _out(found, {"name": found["name"]}, found.geometry.values)


def _collection_points(path: str) -> gpd.GeoDataFrame:
    found = _amenity_points(path, ("waste_disposal", "recycling", "waste_transfer_station"))
    amenity = _tag(found, "amenity")
    kind = amenity.map({"waste_transfer_station": "station", "waste_disposal": "point", "recycling": "point"})
    return _out(found, {"name": found["name"], "type": kind, "sorted": amenity.map({"recycling": True}.get),
                        "opening_hours": _tag(found, "opening_hours")}, found.geometry.values)  # fmt: skip


def _streetlights(path: str) -> gpd.GeoDataFrame:
    points = _read(path, "points")
    lamps = points[(points["highway"] == "street_lamp").to_numpy()]
    return _out(lamps, {"pole_height_m": _tag(lamps, "height").map(_number)}, lamps.geometry.values)


_READERS = {"roads": _roads, "buildings": _buildings, "toilets": _toilets, "bins": _bins,
            "collection_points": _collection_points, "streetlights": _streetlights}  # fmt: skip


def read_osm(path: str, target: str) -> gpd.GeoDataFrame:
    """The features of an OSM extract that belong in layer ``target`` (see :data:`OSM_TARGETS`), with our
    property names as columns (missing values None) and ``osm_id``, in WGS 84.

    Parameters
    ----------
    path : str
        An ``.osm.pbf`` (or ``.osm``) file.
    target : str
        One of ``roads``, ``buildings``, ``toilets``, ``bins``, ``collection_points``, ``streetlights``.

    Returns
    -------
    GeoDataFrame
        Areas tagged as toilets, bins or collection points become their representative point.
    """
    if target not in _READERS:
        raise ValueError(f"an OSM extract fills {', '.join(_READERS)}; not {target!r}")
    return _READERS[target](str(path)).reset_index(drop=True)
