"""PostGIS only: a bulk create (COPY, written as COPY's own text in Z-order of the features' centres) stores
exactly what the same features stored row by row do: ids in the order given, text with backslashes, tabs,
newlines and Chinese as written, float bounds to the last bit, and the same answers to every query."""

from __future__ import annotations

import random

import pytest

from layers.catalogue import load_catalogue
from layers.store import NewFeature, open_store
from layers.store.postgis import writing
from tests.postgis_support import is_postgis

pytestmark = pytest.mark.skipif(not is_postgis(), reason="PostGIS tests run when TEST_STORE_URL is postgresql://…")


@pytest.fixture
def store(backend, clock):
    store = open_store(backend, clock=clock)
    store.sync_builtin_layers(load_catalogue())
    yield store
    store.close()


def _features(n: int) -> list[NewFeature]:
    rng = random.Random(7)
    names = ["一号\\箱", "tab\there", "line\nbreak", 'quote"d', "cr\rlf", "plain", "\\N", "é"]
    out = []
    for _ in range(n):
        x, y = 113.2 + rng.random() * 0.3, 23.0 + rng.random() * 0.25
        props = {"name": rng.choice(names), "capacity_l": rng.choice([120, 240.5])}
        out.append(NewFeature({"type": "Point", "coordinates": [x, y]}, props, (x, y, x, y)))
    return out


def test_a_bulk_create_stores_what_row_inserts_store(store, monkeypatch):
    features = _features(writing.COPY_FEATURES + 500)
    bulk = store.create("bins", features, "作者\\a\tb")
    assert [f.fid for f in bulk] == list(range(bulk[0].fid, bulk[0].fid + len(features)))  # ids in the order given
    monkeypatch.setattr(writing, "COPY_FEATURES", 10**9)  # the same features again, inserted row by row
    rows = store.create("bins", features, "作者\\a\tb")
    by_bulk = {f.fid: f for f in store.query("bins", limit=100_000).features}
    for i in range(len(features)):
        a, b = by_bulk[bulk[0].fid + i], by_bulk[rows[0].fid + i]
        assert (a.geometry, a.properties, a.author) == (b.geometry, b.properties, b.author)
        assert a.properties == bulk[i].properties and a.geometry == bulk[i].geometry
    box = (113.25, 23.05, 113.3, 23.1)
    found = store.query("bins", bbox=box, limit=100_000).features
    in_box = [i for i, f in enumerate(features) if 113.25 <= f.bbox[0] <= 113.3 and 23.05 <= f.bbox[1] <= 23.1]
    assert sorted(f.fid for f in found) == sorted([bulk[0].fid + i for i in in_box] + [rows[0].fid + i for i in in_box])
    arrays = store.points("bins")
    assert arrays.x.tolist()[: len(features)] == [f.bbox[0] for f in features]  # float bounds to the last bit


def test_spatial_order_is_a_permutation_and_keeps_neighbours_together():
    rng = random.Random(3)
    boxes = [(x, y, x, y) for x, y in ((rng.random(), rng.random()) for _ in range(4000))]
    order = writing.spatial_order(boxes).tolist()
    assert sorted(order) == list(range(4000))
    steps = [abs(boxes[a][0] - boxes[b][0]) + abs(boxes[a][1] - boxes[b][1]) for a, b in zip(order, order[1:])]
    assert sorted(steps)[len(steps) // 2] < 0.05  # the median step between consecutive rows is short
