"""OGC API – Features, Part 1 Core, as plain data: the documents (landing page, conformance, collections,
items, feature), their links, and the parsing of the query parameters. ``web/ogc.py`` binds it to HTTP.

Only CRS84 is served, a feature's temporal geometry is the validity interval of its versions, and a
``datetime`` instant reads the layer as it was then (the store's ``at``); an interval gives every feature that
existed during it, as it was last within it. See ``docs/ogc.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timezone
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from layers import i18n
from layers.catalogue.schema import parse_filter_value
from layers.errors import Detail, InvalidParameter
from layers.store import Bbox, FeatureVersion, format_instant, parse_instant

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84_NAMES = (CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84")
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
_SPEC = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
# Only what this server honours: no Part 2 (other CRS), so clients never send crs/bbox-crs for others.
CONFORMANCE = tuple(_SPEC + name for name in ("core", "geojson", "html", "oas30"))
FORMATS = ("json", "html")
DEFAULT_LIMIT = 10
MAX_OFFSET = 2**31
AT_MIN_US = -2_208_988_800_000_000  # 1900-01-01, as for the /api's at=
AT_MAX_US = 7_258_118_400_000_000  # 2200-01-01

COMMON_PARAMS = ("f",)
ITEMS_PARAMS = ("f", "bbox", "limit", "offset", "datetime", "crs", "bbox-crs", "area")
FEATURE_PARAMS = ("f", "datetime", "crs")

TITLE = i18n.bilingual("ogc.service.title")
DESCRIPTION = i18n.bilingual("ogc.service.description")
_FORMAT_TITLES = {"json": "JSON", "html": i18n.bilingual("ogc.link.html_page")}


def text_of(value) -> str:
    """A ``{"zh-CN": ..., "en": ...}`` text as one string, Chinese first: ``垃圾箱 / Litter bins``.

    >>> text_of({"zh-CN": "垃圾箱", "en": "Litter bins"})
    '垃圾箱 / Litter bins'
    """
    if isinstance(value, dict):
        parts = [value.get("zh-CN"), value.get("en")]
        return " / ".join(dict.fromkeys(p for p in parts if p))
    return "" if value is None else str(value)


# -- query parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A parsed query. ``fmt`` is None when ``f`` was not sent (the caller negotiates by Accept)."""

    pairs: tuple[tuple[str, str], ...]
    fmt: str | None = None
    bbox: Bbox | None = None
    at: int | None = None
    during: tuple[int | None, int | None] | None = None  # a datetime interval
    filters: dict = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_bbox(text: str) -> Bbox:
    """Four numbers (CRS84) or six (CRS84h: heights, which 2-D data always meets, are checked and dropped).

    >>> parse_bbox("113.3,23.1,0,113.4,23.2,50")
    (113.3, 23.1, 113.4, 23.2)
    """
    expected = "expected 4 numbers minLon,minLat,maxLon,maxLat (or 6 with heights after each corner's latitude)"
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(expected) from None
    if len(values) not in (4, 6) or not all(math.isfinite(v) for v in values):
        raise ValueError(expected)
    if len(values) == 6:
        if values[2] > values[5]:
            raise ValueError("the minimum height is greater than the maximum height")
        values = [values[0], values[1], values[3], values[4]]
    minx, miny, maxx, maxy = values
    lons_ok = -180 <= minx <= 180 and -180 <= maxx <= 180
    if not (lons_ok and -90 <= miny <= 90 and -90 <= maxy <= 90):
        if -90 <= minx <= 90 and -90 <= maxx <= 90 and -180 <= miny <= 180 and -180 <= maxy <= 180:
            raise ValueError("latitude and longitude look swapped; CRS84 order is minLon,minLat,maxLon,maxLat")
        raise ValueError("out of range: longitudes -180..180, latitudes -90..90")
    if miny > maxy:
        raise ValueError("the minimum latitude is greater than the maximum latitude")
    if minx > maxx:
        raise ValueError("minLon > maxLon (a box across the antimeridian) is not supported; send two boxes")
    return (minx, miny, maxx, maxy)


def _instant(text: str, tz: ZoneInfo | timezone) -> int:
    # An unencoded "+" in a query string arrives as a space: "…T09:00:00 08:00" can only mean "+08:00".
    text = re.sub(r"(T[\d:.,]+) (\d\d(?::?\d\d)?)$", r"\1+\2", text.strip())
    try:
        value = parse_instant(text, tz)
    except (ValueError, OverflowError, OSError):
        raise ValueError("expected an RFC 3339 date-time like 2026-03-01T09:00:00+08:00, or a date") from None
    if not AT_MIN_US <= value <= AT_MAX_US:
        raise ValueError("out of range: instants from 1900 to 2200")
    return value


def parse_datetime(text: str, tz: ZoneInfo | timezone = UTC) -> int | tuple[int | None, int | None]:
    """An instant (RFC 3339 date-time, or a date) as microseconds, or an interval ``start/end`` (either end
    may be ``..`` or empty: open) as a ``(start, end)`` pair with None for an open end."""
    if "/" not in text:
        if text.strip() == "..":
            raise ValueError("'..' is an open end of an interval, like ../2026-03-01; alone it is no instant")
        return _instant(text, tz)
    parts = text.split("/")
    if len(parts) != 2:
        raise ValueError("an interval has one '/': start/end, either end '..' for open")
    start, end = (None if p.strip() in ("", "..") else _instant(p, tz) for p in parts)
    if start is not None and end is not None and start > end:
        raise ValueError("the interval's start is after its end")
    return (start, end)


def parse_limit(text: str, max_limit: int) -> int:
    """1 or more; above ``max_limit`` the maximum is used, as the standard requires (no error)."""
    if not re.fullmatch(r"[+-]?\d{1,18}", text.strip()):
        raise ValueError(f"expected an integer from 1 to {max_limit}")
    value = int(text)
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return min(value, max_limit)


def parse_offset(text: str) -> int:
    if not re.fullmatch(r"\+?\d{1,18}", text.strip()) or int(text) > MAX_OFFSET:
        raise ValueError(f"expected an integer from 0 to {MAX_OFFSET}")
    return int(text)


def parse_format(text: str) -> str:
    if text not in FORMATS:
        raise ValueError(f"expected one of {', '.join(FORMATS)}")
    return text


def _parse_crs(text: str) -> str:
    if text not in CRS84_NAMES:
        raise ValueError(f"only {CRS84} is served (OGC API – Features Part 2 is not implemented)")
    return text


def _parse_filter(spec: dict, text: str):
    # GDAL's OAPIF driver sends a boolean field's value as 1 or 0.
    if spec.get("type") == "boolean" and text in ("1", "0"):
        return text == "1"
    return parse_filter_value(spec, text)


def filterable(layer: dict) -> dict:
    """The layer's properties that can be filtered on with ``name=value`` (not shadowed by a parameter)."""
    return {name: spec for name, spec in layer.get("properties", {}).items() if name not in ITEMS_PARAMS}


def _unknown(pairs: Sequence[tuple[str, str]], allowed: Iterable[str]) -> list[Detail]:
    allowed, seen, problems = set(allowed), set(), []
    for name, _ in pairs:
        if name in seen:
            problems.append(Detail(name, "repeated", "given more than once; send each parameter once"))
        elif name not in allowed:
            known = ", ".join(sorted(allowed))
            problems.append(Detail(name, "unknown_parameter", f"not a parameter here; the parameters are {known}"))
        seen.add(name)
    return problems


def parse_query(
    pairs: Iterable[tuple[str, str]],
    allowed: Sequence[str] = COMMON_PARAMS,
    *,
    layer: dict | None = None,
    max_limit: int = 10_000,
    tz: ZoneInfo | timezone = UTC,
) -> Query:
    """Parse every parameter, refusing unknown, repeated and bad ones all at once (400 ``invalid_parameter``).

    ``layer`` makes its properties filterable (items only); ``tz`` reads ``datetime`` values without offset.
    """
    pairs = tuple(pairs)
    properties = filterable(layer) if layer is not None else {}
    problems = _unknown(pairs, [*allowed, *properties])
    parsers = {
        "f": parse_format,
        "bbox": parse_bbox,
        "datetime": lambda text: parse_datetime(text, tz),
        "limit": lambda text: parse_limit(text, max_limit),
        "offset": parse_offset,
        "crs": _parse_crs,
        "bbox-crs": _parse_crs,
        "area": str,  # checked, with the reader's scope, by layers.areas
    }
    values: dict = {}
    filters: dict = {}
    for name, text in pairs:
        if any(d["field"] == name for d in problems):
            continue
        try:
            if name in properties:
                filters[name] = _parse_filter(properties[name], text)
            else:
                values[name] = parsers[name](text)
        except ValueError as exc:
            problems.append(Detail(name, "invalid_value", str(exc)))
    if problems:
        raise InvalidParameter(key="errors.ogc.invalid_parameter", details=problems)
    return Query(
        pairs=pairs,
        fmt=values.get("f"),
        bbox=values.get("bbox"),
        at=values["datetime"] if isinstance(values.get("datetime"), int) else None,
        during=values["datetime"] if isinstance(values.get("datetime"), tuple) else None,
        filters=filters,
        limit=values.get("limit", DEFAULT_LIMIT),
        offset=values.get("offset", 0),
    )


# -- links ------------------------------------------------------------------------------------------


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out


def _url(path: str, pairs: Iterable[tuple[str, object]]) -> str:
    pairs = list(pairs)
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _with(pairs: Iterable[tuple[str, str]], **changes) -> list[tuple[str, object]]:
    """``pairs`` without the changed names, then the changes (keyword ``f``, ``limit``, ``offset``)."""
    return [(k, v) for k, v in pairs if k not in changes] + list(changes.items())


def self_links(path: str, pairs: Iterable[tuple[str, str]], fmt: str, json_type: str = JSON) -> list[dict]:
    """``self`` in the response's format and ``alternate`` in the other, each with an explicit ``f``."""
    pairs = list(pairs)
    types = {"json": json_type, "html": HTML}
    ordered = [fmt] + [other for other in FORMATS if other != fmt]
    rels = {name: "self" if name == fmt else "alternate" for name in FORMATS}
    return [link(_url(path, _with(pairs, f=name)), rels[name], types[name], _FORMAT_TITLES[name]) for name in ordered]


def collection_path(base: str, layer_id: str) -> str:
    return f"{base}/collections/{quote(layer_id, safe='')}"


# -- documents --------------------------------------------------------------------------------------


def landing_page(base: str, site: str, fmt: str) -> dict:
    """The landing page: API definition (JSON and HTML), conformance, collections, and the map."""
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": self_links(base, [], fmt)
        + [
            link(f"{base}/openapi?f=json", "service-desc", OPENAPI_JSON, i18n.bilingual("ogc.link.definition")),
            link(f"{base}/openapi?f=html", "service-doc", HTML, i18n.bilingual("ogc.link.documentation")),
            link(f"{base}/conformance?f=json", "conformance", JSON, i18n.bilingual("ogc.link.conformance")),
            link(f"{base}/collections?f=json", "data", JSON, i18n.bilingual("ogc.link.collections")),
            link(site, "related", HTML, i18n.bilingual("ogc.link.map")),
        ],
    }


def conformance(base: str, fmt: str) -> dict:
    return {"conformsTo": list(CONFORMANCE), "links": self_links(f"{base}/conformance", [], fmt)}


def collection(layer: dict, bbox: Bbox | None, base: str, fmt: str = "json") -> dict:
    """One layer as a collection; the same object (links included) as in ``/collections``."""
    path = collection_path(base, layer["id"])
    doc = {
        "id": layer["id"],
        "title": text_of(layer.get("title")) or layer["id"],
        "description": text_of(layer.get("description")),
        "itemType": "feature",
        "crs": [CRS84],
    }
    if bbox is not None:
        doc["extent"] = {"spatial": {"bbox": [list(bbox)], "crs": CRS84}}
    doc["links"] = self_links(path, [], fmt) + [
        link(f"{path}/items?f=json", "items", GEOJSON, i18n.bilingual("ogc.link.features_geojson")),
        link(f"{path}/items?f=html", "items", HTML, i18n.bilingual("ogc.link.features_html")),
        link(f"{path}/schema?f=json", "describedby", SCHEMA_JSON, i18n.bilingual("ogc.link.schema")),
    ]
    return doc


def collections(layers_with_boxes: Iterable[tuple[dict, Bbox | None]], base: str, fmt: str) -> dict:
    return {
        "links": self_links(f"{base}/collections", [], fmt),
        "collections": [collection(layer, bbox, base) for layer, bbox in layers_with_boxes],
    }


def items_head(
    base: str, layer_id: str, query: Query, fmt: str, total: int, returned: int, now_us: int, tz: ZoneInfo
) -> dict:
    """Everything of an items response but the features: counts, time stamp, and self/alternate/next/prev
    links that keep the query (with the limit actually used)."""
    path = collection_path(base, layer_id)
    items = f"{path}/items"
    page_type = GEOJSON if fmt == "json" else HTML
    links = self_links(items, query.pairs, fmt, GEOJSON)
    if query.offset + returned < total:
        pairs = _with(query.pairs, limit=query.limit, offset=query.offset + query.limit, f=fmt)
        links.append(link(_url(items, pairs), "next", page_type, i18n.bilingual("ogc.link.next")))
    if query.offset > 0:
        pairs = _with(query.pairs, limit=query.limit, offset=max(0, query.offset - query.limit), f=fmt)
        links.append(link(_url(items, pairs), "prev", page_type, i18n.bilingual("ogc.link.prev")))
    links.append(link(f"{path}?f=json", "collection", JSON, i18n.bilingual("ogc.link.collection")))
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": returned,
        "timeStamp": format_instant(now_us, tz),
        "links": links,
    }


def feature_collection_json(head: dict, features: Sequence[FeatureVersion], tz: ZoneInfo) -> str:
    """``head`` with ``features`` appended, serialising each stored feature once (no parse and re-dump)."""
    text = json.dumps(head, ensure_ascii=False)
    return text[:-1] + ',"features":[' + ",".join(f.to_json(tz) for f in features) + "]}"


def feature_links(base: str, layer_id: str, fid: int, query: Query, fmt: str) -> list[dict]:
    path = collection_path(base, layer_id)
    return self_links(f"{path}/items/{fid}", query.pairs, fmt, GEOJSON) + [
        link(f"{path}?f=json", "collection", JSON, i18n.bilingual("ogc.link.collection"))
    ]


def feature_json(version: FeatureVersion, links: list[dict], tz: ZoneInfo) -> str:
    """A stored feature as GeoJSON with its ``links`` as a foreign member."""
    return version.to_json(tz)[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"


def version_during(history: list, start: int | None, end: int | None):
    """Of one feature's versions (oldest first), the last one valid at some moment of [start, end], or None."""
    found = None
    for v in history:
        if v.op == "delete":
            continue
        ends = v.valid_to
        if (end is None or v.valid_from <= end) and (start is None or ends is None or ends > start):
            found = v
    return found
