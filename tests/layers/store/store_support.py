"""Small builders for the store's contract tests (imported by name, beside them)."""

from __future__ import annotations

from layers.store import NewFeature


def point(lon: float, lat: float, **props) -> NewFeature:
    return NewFeature({"type": "Point", "coordinates": [lon, lat]}, props, (lon, lat, lon, lat))


def line(coords, **props) -> NewFeature:
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return NewFeature({"type": "LineString", "coordinates": coords}, props, (min(xs), min(ys), max(xs), max(ys)))


TREES = {
    "id": "trees",
    "title": {"zh-CN": "树", "en": "Trees"},
    "geometry_types": ["Point"],
    "properties": {"healthy": {"type": "boolean"}, "height_m": {"type": "number"}},
    "order": 5,
}
