"""The OpenAPI 3.0 definition of ``/ogc``, generated from the layers so every collection's paths, query
parameters (its properties included) and feature schema appear. GDAL reads the ``limit`` parameter's
``default``/``maximum`` from ``#/components/parameters/limit`` and the property parameters to decide
which attribute filters it may send to the server.
"""

from __future__ import annotations

from layers import i18n
from layers.interop.ogc import (
    CRS84,
    DEFAULT_LIMIT,
    DESCRIPTION,
    GEOJSON,
    HTML,
    ITEMS_PARAMS,
    JSON,
    OPENAPI_JSON,
    SCHEMA_JSON,
    TITLE,
    filterable,
    text_of,
)

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer", "format": "int64"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}
_COPIED = ("enum", "minimum", "maximum", "maxLength")

AREA_PATTERN = "^[0-9]{6}([0-9]{3}){0,3}$"  # an area code: a prefix of the 15-digit grid codes


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def property_schema(spec: dict) -> dict:
    """A layer property's spec as an OpenAPI schema (its bilingual title as one string)."""
    schema = dict(_TYPES.get(spec.get("type"), {"type": "string"}))
    schema.update({key: spec[key] for key in _COPIED if key in spec})
    if spec.get("title"):
        schema["title"] = text_of(spec["title"])
    return schema


def feature_schema(layer: dict, url: str) -> dict:
    """A JSON Schema of the layer's GeoJSON features (linked as ``describedby``): GDAL types its fields
    from it instead of guessing from the first page (where a height of 6 would make 4.5 an integer)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "title": text_of(layer.get("title")) or layer["id"],
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {"type": "object", "description": "GeoJSON: " + ", ".join(layer.get("geometry_types", []))},
            "properties": {
                "type": "object",
                "properties": {name: property_schema(spec) for name, spec in layer.get("properties", {}).items()},
            },
        },
    }


def _content(schema: dict, media_type: str, html: bool = True) -> dict:
    content = {media_type: {"schema": schema}}
    if html:
        content[HTML] = {"schema": {"type": "string"}}
    return content


def _operation(operation_id: str, summary: str, parameters: list, ok: dict, errors=("400", "401", "500")) -> dict:
    responses = {"200": {"description": i18n.bilingual("ogc.openapi.success"), "content": ok}}
    responses.update({code: _ref("responses", f"Error{code}") for code in errors})
    return {"operationId": operation_id, "summary": summary, "parameters": parameters, "responses": responses}


def _layer_paths(layer: dict) -> dict:
    lid, title = layer["id"], text_of(layer.get("title")) or layer["id"]
    properties = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": i18n.bilingual("ogc.openapi.param_property", name=name),
            "schema": property_schema(spec),
            "style": "form",
            "explode": False,
        }
        for name, spec in filterable(layer).items()
    ]
    item_params = [_ref("parameters", p) for p in ITEMS_PARAMS]
    feature = _operation(
        f"getFeature_{lid}",
        i18n.text("ogc.label.title_part", title=title, part=i18n.bilingual("ogc.openapi.one_feature")),
        [_ref("parameters", p) for p in ("featureId", "f", "datetime", "crs")],
        _content(_ref("schemas", f"feature_{lid}"), GEOJSON),
        ("400", "401", "404", "500"),
    )
    feature["responses"]["304"] = {"description": i18n.bilingual("ogc.openapi.not_modified")}
    return {
        f"/collections/{lid}": {
            "get": _operation(
                f"describeCollection_{lid}",
                i18n.text("ogc.label.title_part", title=title, part=i18n.bilingual("ogc.openapi.collection")),
                [_ref("parameters", "f")],
                _content(_ref("schemas", "collection"), JSON),
                ("400", "401", "404", "500"),
            )
        },
        f"/collections/{lid}/schema": {
            "get": _operation(
                f"getSchema_{lid}",
                i18n.text("ogc.label.title_part", title=title, part=i18n.bilingual("ogc.openapi.schema")),
                [_ref("parameters", "f")],
                _content({"type": "object"}, SCHEMA_JSON),
                ("400", "401", "404", "500"),
            )
        },
        f"/collections/{lid}/items": {
            "get": _operation(
                f"getFeatures_{lid}",
                i18n.text("ogc.label.title_part", title=title, part=i18n.bilingual("ogc.openapi.features")),
                item_params + properties,
                _content(_ref("schemas", f"featureCollection_{lid}"), GEOJSON),
                ("400", "401", "404", "500"),
            )
        },
        f"/collections/{lid}/items/{{featureId}}": {"get": feature},
    }


def _parameters(max_limit: int) -> dict:
    def query(name: str, description: str, schema: dict, **extra) -> dict:
        return {"name": name, "in": "query", "required": False, "description": description, "schema": schema,
                "style": "form", "explode": False, **extra}  # fmt: skip

    crs = {"type": "string", "enum": [CRS84]}
    return {
        "f": query("f", i18n.bilingual("ogc.openapi.param_f"),
                   {"type": "string", "enum": ["json", "html"]}),
        "bbox": query(
            "bbox",
            i18n.bilingual("ogc.openapi.param_bbox"),
            {"type": "array", "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
             "items": {"type": "number"}},
        ),  # fmt: skip
        "limit": query(
            "limit",
            i18n.bilingual("ogc.openapi.param_limit", max_limit=max_limit),
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": DEFAULT_LIMIT},
        ),
        "offset": query("offset", i18n.bilingual("ogc.openapi.param_offset"),
                        {"type": "integer", "minimum": 0, "default": 0}),
        "datetime": query(
            "datetime",
            i18n.bilingual("ogc.openapi.param_datetime"),
            {"type": "string"},
        ),
        "crs": query("crs", i18n.bilingual("ogc.openapi.crs84_only"), crs),
        "bbox-crs": query("bbox-crs", i18n.bilingual("ogc.openapi.crs84_only"), crs),
        "area": query("area", i18n.bilingual("ogc.openapi.param_area"), {"type": "string", "pattern": AREA_PATTERN}),
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "description": i18n.bilingual("ogc.openapi.param_feature_id"),
                      "schema": {"type": "integer", "minimum": 1}},
    }  # fmt: skip


def _link_schema() -> dict:
    return {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {k: {"type": "string"} for k in ("href", "rel", "type", "hreflang", "title")},
    }


def _error_schema() -> dict:
    detail = {
        "type": "object",
        "required": ["field", "code", "reason"],
        "properties": {k: {"type": "string"} for k in ("field", "code", "reason")},
    }
    body = {
        "type": "object",
        "required": ["status", "code", "message", "message_zh", "details"],
        "properties": {
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "message_zh": {"type": "string"},
            "details": {"type": "array", "items": detail},
        },
    }
    return {"type": "object", "required": ["error"], "properties": {"error": body}}


def _collection_schema() -> dict:
    links = {"type": "array", "items": _ref("schemas", "link")}
    bbox = {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 4, "maxItems": 6,
                                                       "items": {"type": "number"}}}  # fmt: skip
    return {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "extent": {"type": "object", "properties": {"spatial": {"type": "object", "properties": {
                "bbox": bbox, "crs": {"type": "string"}}}}},
            "links": links,
        },
    }  # fmt: skip


def _feature_schemas(layer: dict) -> dict:
    lid = layer["id"]
    props = {name: property_schema(spec) for name, spec in layer.get("properties", {}).items()}
    feature = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": _ref("schemas", "geometry"),
            "properties": {"type": "object", "nullable": True, "properties": props},
            "version": {"type": "integer"},
            "op": {"type": "string", "enum": ["create", "update"]},
            "valid_from": {"type": "string", "format": "date-time"},
            "valid_to": {"type": "string", "format": "date-time", "nullable": True},
            "author": {"type": "string"},
            "links": {"type": "array", "items": _ref("schemas", "link")},
        },
    }
    collection = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("schemas", f"feature_{lid}")},
            "links": {"type": "array", "items": _ref("schemas", "link")},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }
    return {f"feature_{lid}": feature, f"featureCollection_{lid}": collection}


def _schemas(layers: list[dict]) -> dict:
    links = {"type": "array", "items": _ref("schemas", "link")}
    schemas = {
        "link": _link_schema(),
        "error": _error_schema(),
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}, "links": links}},
        "collection": _collection_schema(),
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "geometry": {"type": "object", "nullable": True, "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                                "MultiPolygon", "GeometryCollection"]},
            "coordinates": {"type": "array", "items": {}}, "geometries": {"type": "array", "items": {}}}},
    }  # fmt: skip
    for layer in layers:
        schemas.update(_feature_schemas(layer))
    return schemas


def _responses() -> dict:
    reasons = {
        "400": i18n.bilingual("ogc.openapi.error_400"),
        "401": i18n.bilingual("ogc.openapi.error_401"),
        "404": i18n.bilingual("ogc.openapi.error_404"),
        "500": i18n.bilingual("ogc.openapi.error_500"),
    }
    return {
        f"Error{code}": {"description": text, "content": {JSON: {"schema": _ref("schemas", "error")}}}
        for code, text in reasons.items()
    }


def openapi(base: str, layers: list[dict], *, max_limit: int, login_required: bool, cookie_name: str) -> dict:
    """The whole definition for the API served at ``base`` (an absolute URL ending in ``/ogc``)."""
    f = [_ref("parameters", "f")]
    paths = {
        "/": {"get": _operation("getLandingPage", i18n.bilingual("ogc.openapi.landing_page"), f,
                                _content(_ref("schemas", "landingPage"), JSON))},
        "/conformance": {"get": _operation("getConformanceDeclaration", i18n.bilingual("ogc.openapi.conformance"), f,
                                           _content(_ref("schemas", "confClasses"), JSON))},
        "/openapi": {"get": _operation("getAPIDefinition", i18n.bilingual("ogc.openapi.definition"), f,
                                       _content({"type": "object"}, OPENAPI_JSON))},
        "/collections": {"get": _operation("getCollections", i18n.bilingual("ogc.openapi.collections"), f,
                                           _content(_ref("schemas", "collections"), JSON))},
    }  # fmt: skip
    for layer in layers:
        paths.update(_layer_paths(layer))
    schemes = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": i18n.bilingual("ogc.openapi.bearer")},
        "basicAuth": {"type": "http", "scheme": "basic", "description": i18n.bilingual("ogc.openapi.basic")},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": cookie_name,
                          "description": i18n.bilingual("ogc.openapi.session")},
    }  # fmt: skip
    security = [{"bearerAuth": []}, {"basicAuth": []}, {"sessionCookie": []}]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": base}],
        "security": security if login_required else [{}, *security],
        "paths": paths,
        "components": {
            "parameters": _parameters(max_limit),
            "schemas": _schemas(layers),
            "responses": _responses(),
            "securitySchemes": schemes,
        },
    }
