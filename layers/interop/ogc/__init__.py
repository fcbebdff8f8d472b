"""OGC API - Features, Part 1 Core, as plain data, with its OpenAPI definition."""

from layers.interop.ogc.documents import (
    CONFORMANCE,
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

__all__ = [
    "CONFORMANCE",
    "CRS84",
    "DEFAULT_LIMIT",
    "DESCRIPTION",
    "GEOJSON",
    "HTML",
    "ITEMS_PARAMS",
    "JSON",
    "OPENAPI_JSON",
    "SCHEMA_JSON",
    "TITLE",
    "filterable",
    "text_of",
]
