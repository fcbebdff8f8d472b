"""Write the planned community through the Store interface, validating every feature first with the
same parser the API uses, so the demo can never hold anything the API would refuse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from layers.catalogue.features import parse_new_features
from layers.demo.frame import Frame
from layers.store import NewFeature, Store

AUTHOR = "demo-seed"


class Writer:
    """Validates features up front, then writes them at back-dated instants, counting what it wrote."""

    def __init__(self, store: Store, frame: Frame, now_us: int) -> None:
        self.store, self.frame, self.now_us = store, frame, now_us
        self.definitions: dict[str, dict] = {}
        self.versions: dict[int, int] = {}  # fid -> current version, for optimistic updates
        self.live: Counter = Counter()
        self.written: Counter = Counter()  # (layer, op) -> versions written
        self._events: list[tuple[int, int, Callable[[], None]]] = []

    def definition(self, layer_id: str) -> dict:
        if layer_id not in self.definitions:
            definition = self.store.layer(layer_id)
            if definition is None:
                raise KeyError(f"layer {layer_id!r} is missing: call store.sync_builtin_layers() first")
            self.definitions[layer_id] = definition
        return self.definitions[layer_id]

    def validate(self, layer_id: str, features: list[tuple[dict, dict]]) -> list[NewFeature]:
        """GeoJSON geometry + properties pairs -> NewFeatures, or ValidationFailed naming every problem."""
        payload = {"type": "FeatureCollection",
                   "features": [{"type": "Feature", "geometry": g, "properties": p} for g, p in features]}
        return parse_new_features(self.definition(layer_id), payload)

    def local(self, features: list) -> list[tuple[dict, dict]]:
        """(shapely geometry in local metres, properties) -> (GeoJSON in WGS 84, properties)."""
        return [(self.frame.geojson(geom), props) for geom, props in features]

    def create(self, layer_id: str, features: list[NewFeature], at: int, author: str = AUTHOR) -> list[int]:
        self._check_time(at)
        stored = self.store.create(layer_id, features, author, at=at)
        for version in stored:
            self.versions[version.fid] = version.version
        self.live[layer_id] += len(stored)
        self.written[layer_id, "create"] += len(stored)
        return [v.fid for v in stored]

    def update(self, layer_id: str, fid: int, feature: NewFeature, at: int, author: str) -> None:
        self._check_time(at)
        stored = self.store.update(layer_id, fid, feature, self.versions[fid], author, at=at)
        self.versions[fid] = stored.version
        self.written[layer_id, "update"] += 1

    def _check_time(self, at: int) -> None:
        if not at < self.now_us:
            raise ValueError(f"demo history must lie before now ({at} >= {self.now_us})")

    # Writes are queued and run in chronological order, so the stored history reads like a real one.
    def at(self, instant: int, action: Callable[[], None]) -> None:
        self._events.append((instant, len(self._events), action))

    def run(self) -> None:
        for _, _, action in sorted(self._events, key=lambda e: e[:2]):
            action()
        self._events.clear()
