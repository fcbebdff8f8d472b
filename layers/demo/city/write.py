"""Writing a generated city into an empty store: every feature checked with the API's own parser first, the
free disk space checked before anything is written, then one transaction of bulk creates (the base layers
in large batches, the cases in their 10-minute batches) and the cases' later steps in time order."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from layers.catalogue.features import parse_new_features
from layers.store import NewFeature, Store

CHUNK = 50_000  # features per validation and per bulk create (the API's own limit per request)
# Bytes a feature version takes on disk with its indexes (about 630 measured on SQLite at scale 0.01),
# and the margin kept free beyond the estimate.
BYTES_PER_VERSION = 800
MARGIN = 1.5


class NotEmpty(ValueError):
    """The store already holds features or areas."""


class DiskTooSmall(OSError):
    """The estimate of what the city needs exceeds the free space."""

    def __init__(self, needed: int, free: int, where: str) -> None:
        super().__init__(f"{needed} bytes needed, {free} free in {where}")
        self.needed, self.free, self.where = needed, free, where


def check_empty(store: Store) -> None:
    taken = [layer["id"] for layer in store.layers() if layer["feature_count"]]
    if taken or store.areas():
        raise NotEmpty(", ".join(taken) or "areas")


def check_disk(versions: int, data_dir: str | Path) -> int:
    """The bytes the city should take; raise DiskTooSmall when the data directory's disk has less free."""
    needed = int(versions * BYTES_PER_VERSION * MARGIN)
    path = Path(data_dir)
    while not path.exists():
        path = path.parent
    free = shutil.disk_usage(path).free
    if needed > free:
        raise DiskTooSmall(needed, free, str(path))
    return needed


def validate(store: Store, layer_id: str, features: list[tuple[dict, dict]]) -> list[NewFeature]:
    """GeoJSON + properties pairs checked by the API's parser, in chunks; all valid or ValidationFailed."""
    definition = store.layer(layer_id)
    out: list[NewFeature] = []
    for start in range(0, len(features), CHUNK):
        chunk = features[start : start + CHUNK]
        payload = {"type": "FeatureCollection",
                   "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in chunk]}  # fmt: skip
        out += parse_new_features(definition, payload)
    return out


def bulk_create(store: Store, layer_id: str, features: list[NewFeature], author: str, at: int) -> list[int]:
    fids: list[int] = []
    for start in range(0, len(features), CHUNK):
        fids += [v.fid for v in store.create(layer_id, features[start : start + CHUNK], author, at=at)]
    return fids


def run_in_order(store: Store, events: list[tuple[int, int, Callable[[], None]]], period_us: int) -> None:
    """Run (instant, sequence, action) events in time order, so the history reads like a real one, one
    transaction per ``period_us`` of it. (One transaction for a year would update the layer's revision row
    tens of thousands of times in one transaction, which PostgreSQL cannot prune as it goes: each update
    then walks a longer chain of that row's versions.)"""
    events = sorted(events, key=lambda e: e[:2])
    start = 0
    while start < len(events):
        period = events[start][0] // period_us
        stop = start
        while stop < len(events) and events[stop][0] // period_us == period:
            stop += 1
        with store.atomic():
            for _, _, action in events[start:stop]:
                action()
        start = stop
