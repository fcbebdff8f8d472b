"""Data for the browser tests written straight into a store (no server needed): ``seed_many_points`` makes
one custom clustered point layer with many fictional points (the 200,000-point test). The demo community
itself is seeded by ``server.py`` (layers/demo)."""

from __future__ import annotations

import random
from pathlib import Path

from layers.catalogue import load_catalogue
from layers.catalogue.schema import check_layer_definition
from layers.store import NewFeature, open_store, store_url
from server import load_config

MANY_POINTS_LAYER = {
    "id": "many_points",
    "title": {"zh-CN": "压力测试点位", "en": "Stress-test points"},
    "description": {"zh-CN": "大量虚构点位，用于测试地图性能", "en": "Many fictional points to test the map"},
    "geometry_types": ["Point"],
    "editable": True,
    "order": 5,
    "properties": {
        "kind": {"type": "string", "enum": ["a", "b", "c"], "title": {"zh-CN": "类别", "en": "Kind"},
                 "enum_labels": {"a": {"zh-CN": "甲类", "en": "Kind A"}, "b": {"zh-CN": "乙类", "en": "Kind B"},
                                 "c": {"zh-CN": "丙类", "en": "Kind C"}}},
        "name": {"type": "string", "maxLength": 100, "title": {"zh-CN": "名称", "en": "Name"}},
    },
    "required": [],
    "style": {"color": "#4a148c", "fillColor": "#8e24aa", "fillOpacity": 0.85, "weight": 1, "radius": 4,
              "cluster": True, "by": "kind",
              "classes": {"a": {"fillColor": "#8e24aa"}, "b": {"fillColor": "#00897b"}, "c": {"fillColor": "#f4511e"}}},
    "label_property": "name",
    "rules": {},
}


def seed_many_points(data_dir: str | Path, count: int = 200_000, chunk: int = 50_000,
                     bbox: tuple[float, float, float, float] = (113.27, 23.08, 113.35, 23.14),
                     seed: int = 7) -> dict:
    """One clustered point layer with ``count`` points spread (clumped) over ``bbox``; returns the layer."""
    problems = check_layer_definition(MANY_POINTS_LAYER)
    if problems:
        raise ValueError(f"bad test layer definition: {problems}")
    rng = random.Random(seed)
    store = open_store(store_url(load_config({"DATA_DIR": str(data_dir)})), sqlite_synchronous="OFF")
    try:
        store.sync_builtin_layers(load_catalogue())
        store.create_layer(MANY_POINTS_LAYER, "test")
        minx, miny, maxx, maxy = bbox
        centres = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(60)]
        kinds = ["a", "b", "c"]
        done = 0
        while done < count:
            batch = []
            for n in range(done, min(count, done + chunk)):
                if n % 4 == 0:
                    x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                else:
                    cx, cy = centres[n % len(centres)]
                    x = min(maxx, max(minx, rng.gauss(cx, 0.004)))
                    y = min(maxy, max(miny, rng.gauss(cy, 0.004)))
                batch.append(NewFeature({"type": "Point", "coordinates": [round(x, 7), round(y, 7)]},
                                        {"kind": kinds[n % 3], "name": f"点位{n + 1}"},
                                        (round(x, 7), round(y, 7), round(x, 7), round(y, 7))))
            store.create(MANY_POINTS_LAYER["id"], batch, "test")
            done += len(batch)
        return store.layer(MANY_POINTS_LAYER["id"])
    finally:
        store.close()
