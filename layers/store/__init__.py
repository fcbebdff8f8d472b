"""The store contract: the interface every backend implements, its dataclasses and errors."""

from layers.store.interface import (
    AccountStore,
    Bbox,
    CaseStore,
    CreatedVersions,
    FeatureVersion,
    LayerExists,
    NewFeature,
    Page,
    PointArrays,
    StaleVersion,
    Store,
    UnknownFeature,
    UserExists,
    format_instant,
    parse_instant,
)

__all__ = [
    "AccountStore",
    "Bbox",
    "CaseStore",
    "CreatedVersions",
    "FeatureVersion",
    "LayerExists",
    "NewFeature",
    "Page",
    "PointArrays",
    "StaleVersion",
    "Store",
    "UnknownFeature",
    "UserExists",
    "format_instant",
    "parse_instant",
]
