"""Turn client payloads into validated features for a layer, or refuse them naming every bad field.

The store trusts what this module hands it, so everything a client sends passes through here: GeoJSON
shape, ``crs``, geometry (``geo.geojson``), properties against the layer schema, and size limits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from geo.geojson import bounds, check_geometry
from layers.catalogue.schema import check_layer_definition, check_properties
from layers.errors import Detail, PayloadTooLarge, ValidationFailed
from layers.store import Bbox, FeatureVersion, NewFeature

CRS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "OGC:CRS84",
    "CRS84",
}
# Members our own responses carry, so a fetched feature can be sent back unchanged.
_FEATURE_KEYS = {
    "type",
    "id",
    "geometry",
    "properties",
    "bbox",
    "layer",
    "version",
    "op",
    "valid_from",
    "valid_to",
    "author",
}
_COLLECTION_KEYS = {"type", "features", "bbox", "crs", "name", "numberMatched", "numberReturned", "links", "timeStamp"}
MAX_DETAILS = 200


@dataclass(frozen=True)
class Limits:
    """How much one request may write."""

    max_features: int = 50_000
    max_vertices: int = 100_000


def _refuse(problems: list[dict], key: str, params: dict | None = None) -> None:
    shown = problems[:MAX_DETAILS]
    extra = {"details_truncated": len(problems) - len(shown)} if len(problems) > len(shown) else None
    raise ValidationFailed(key=key, params=params, details=shown, extra=extra)


def _check_crs(crs: Any, field: str) -> list[Detail]:
    if crs is None:
        return []
    name = (
        crs.get("properties", {}).get("name")
        if isinstance(crs, dict) and isinstance(crs.get("properties"), dict)
        else None
    )
    if name in CRS84_NAMES:
        return []
    return [
        Detail(
            field,
            "unsupported_crs",
            f"coordinates must be WGS 84 longitude/latitude (CRS84, RFC 7946); got crs {json.dumps(crs)[:200]}",
        )
    ]


def _check_feature(
    definition: dict, feature: Any, field: str, extent: Bbox | None, limits: Limits
) -> tuple[list[dict], NewFeature | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [Detail(field, "invalid_geojson", "expected a GeoJSON Feature")], None
    problems: list[dict] = [
        Detail(f"{field}.{key}", "unknown_field", "not a GeoJSON Feature member")
        for key in sorted(set(feature) - _FEATURE_KEYS)
    ]
    if "geometry" not in feature or feature["geometry"] is None:
        problems.append(Detail(f"{field}.geometry", "empty_geometry", "every feature of this layer needs a geometry"))
    else:
        problems += check_geometry(
            feature["geometry"],
            tuple(definition["geometry_types"]),
            field=f"{field}.geometry",
            max_vertices=limits.max_vertices,
            extent=extent,
        )
    props = feature.get("properties")
    problems += check_properties(definition, props, field=f"{field}.properties")
    if problems:
        return problems, None
    geometry = {"type": feature["geometry"]["type"], "coordinates": feature["geometry"]["coordinates"]}
    return [], NewFeature(geometry, dict(props or {}), bounds(geometry))


def parse_new_features(
    definition: dict, payload: Any, extent: Bbox | None = None, limits: Limits = Limits()
) -> list[NewFeature]:
    """Validate a Feature or FeatureCollection for ``definition``'s layer; all valid or ValidationFailed."""
    if not isinstance(payload, dict) or payload.get("type") not in ("Feature", "FeatureCollection"):
        raise ValidationFailed(
            key="errors.feature.not_geojson",
            code="invalid_geojson",
            details=[Detail("type", "invalid_geojson", "the body's type must be 'Feature' or 'FeatureCollection'")],
        )
    problems = _check_crs(payload.get("crs"), "crs")
    if payload["type"] == "Feature":
        found, feature = _check_feature(definition, payload, "feature", extent, limits)
        problems += found
        if problems:
            _refuse(problems, "errors.feature.refused")
        return [feature]
    problems += [
        Detail(key, "unknown_field", "not a GeoJSON FeatureCollection member")
        for key in sorted(set(payload) - _COLLECTION_KEYS)
    ]
    features = payload.get("features")
    if not isinstance(features, list):
        problems.append(Detail("features", "invalid_geojson", "a FeatureCollection needs a 'features' array"))
        _refuse(problems, "errors.feature.collection_refused")
    if len(features) > limits.max_features:
        raise PayloadTooLarge(
            key="errors.feature.too_many",
            params={"count": len(features), "limit": limits.max_features},
            details=[Detail("features", "too_many_features", f"at most {limits.max_features} features per request")],
        )
    if not features:
        problems.append(Detail("features", "empty", "the collection has no features"))
    accepted = []
    for i, item in enumerate(features):
        found, feature = _check_feature(definition, item, f"features[{i}]", extent, limits)
        problems += found
        accepted.append(feature)
    if problems:
        _refuse(
            problems,
            "errors.feature.some_invalid",
            {"invalid": sum(1 for f in accepted if f is None), "total": len(features)},
        )
    return accepted


def parse_replacement(
    definition: dict, payload: Any, extent: Bbox | None = None, limits: Limits = Limits()
) -> NewFeature:
    """Validate the Feature sent with PUT (it replaces geometry and properties whole)."""
    problems = _check_crs(payload.get("crs"), "crs") if isinstance(payload, dict) else []
    found, feature = _check_feature(definition, payload, "feature", extent, limits)
    if problems or found:
        _refuse(problems + found, "errors.feature.refused")
    return feature


def apply_patch(
    definition: dict, current: FeatureVersion, patch: Any, extent: Bbox | None = None, limits: Limits = Limits()
) -> NewFeature:
    """Merge ``{"geometry"?, "properties"?}`` into the current version (JSON merge patch: a property set
    to null is removed) and validate the result."""
    if not isinstance(patch, dict) or not ({"geometry", "properties"} & set(patch)):
        raise ValidationFailed(
            key="errors.feature.empty_patch",
            code="invalid_patch",
            details=[Detail("", "invalid_patch", "expected an object with 'geometry' and/or 'properties'")],
        )
    problems = [
        Detail(key, "unknown_field", "a patch holds only 'type', 'geometry' and 'properties'")
        for key in sorted(set(patch) - {"type", "geometry", "properties"})
    ]
    props = json.loads(current.properties or "{}")
    if "properties" in patch:
        if not isinstance(patch["properties"], dict):
            problems.append(Detail("properties", "wrong_type", "properties must be an object"))
        else:
            for key, value in patch["properties"].items():
                if value is None:
                    props.pop(key, None)
                else:
                    props[key] = value
    geometry = patch.get("geometry", json.loads(current.geometry))
    if problems:
        _refuse(problems, "errors.feature.change_refused")
    return parse_replacement(definition, {"type": "Feature", "geometry": geometry, "properties": props}, extent, limits)


def new_layer_definition(payload: Any) -> dict:
    """Validate a custom layer definition sent by a client (see ``layers/catalogue/schema.py``)."""
    problems = check_layer_definition(payload)
    if problems:
        _refuse(problems, "errors.layer.definition_refused")
    definition = dict(payload)
    definition.setdefault("editable", True)
    definition.setdefault("properties", {})
    definition.setdefault("required", [])
    definition.setdefault("style", {})
    definition.setdefault("rules", {})
    definition.setdefault("order", 500)
    return definition
