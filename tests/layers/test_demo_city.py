"""The generated city (layers/demo/city) at tiny scale, on the store under test: the same seed gives the same
data, the area hierarchy is consistent with the cells, every case lies in its cell, the weekly rhythm,
recurring places and overdue units are there, and a store holding data, a bad scale or a disk too small
are refused before anything is written."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import pytest
from shapely.geometry import Point, shape

from layers.areas import hierarchy
from layers.catalogue import load_catalogue
from layers.demo import city
from layers.demo.city import DiskTooSmall, NotEmpty, generate_city, level_counts
from layers.demo.city import write as city_write
from layers.store import open_store

NOW_US = 1_796_000_000_000_000  # 2026-11-30
SCALE = 0.001  # 2 districts × 2 streets × 2 communities × 6 cells


def _store(url, clock):
    store = open_store(url, clock=clock)
    store.sync_builtin_layers(load_catalogue())
    return store


def _contents(store) -> dict:
    out = {}
    for layer in ("grid", "roads", "buildings", "bins", "streetlights", "collection_points", "toilets", "blackspots"):
        page = store.query(layer, limit=100_000)
        out[layer] = [(v.geometry, v.properties, v.version, v.valid_from) for v in page.features]
    out["areas"] = [(a["code"], a["name"]) for a in store.areas()]
    return out


@pytest.fixture
def made(backend, clock, tmp_path):
    store = _store(backend, clock)
    summary = generate_city(store, scale=SCALE, data_dir=tmp_path, now_us=NOW_US, progress=lambda _: None)
    yield store, summary
    store.close()


def test_the_same_seed_gives_the_same_city_and_another_seed_another(made, second_backend, clock, tmp_path):
    store, summary = made
    again = _store(second_backend, clock)
    try:
        generate_city(again, scale=SCALE, data_dir=tmp_path, now_us=NOW_US, progress=lambda _: None)
        assert _contents(again) == _contents(store)
    finally:
        again.close()
    other = city.plan_city(SCALE, 7)
    assert other.names != city.plan_city(SCALE, summary["seed"]).names


def test_the_hierarchy_is_consistent_with_the_cells(made):
    store, summary = made
    nd, ns, nc, nn = level_counts(SCALE)
    tree = hierarchy(store)
    assert summary["cells"] == nd * ns * nc * nn == store.query("grid", limit=1).total
    levels = Counter(area.level for area in tree.areas.values())
    assert levels == {"district": nd, "street": nd * ns, "community": nd * ns * nc, "cell": nd * ns * nc * nn}
    for area in tree.areas.values():
        assert area.name, area.code  # every level named, cells by the grid layer
        if area.level != "cell":
            assert area.cells == len(tree.cell_codes(area.code)) > 0
            assert sum(child.cells for child in tree.children(area.code)) == area.cells
    assert store.get_meta("demo")["fictional"] is True


def test_every_case_lies_in_its_own_cell_and_the_rhythms_are_there(made):
    store, _ = made
    cells = {json.loads(v.properties)["code"]: shape(json.loads(v.geometry))
             for v in store.query("grid", limit=10_000).features}  # fmt: skip
    cases = store.query("blackspots", limit=100_000).features
    assert len(cases) > 1000
    weekdays, recurring, overdue = Counter(), 0, 0
    for version in cases:
        props = json.loads(version.properties)
        assert cells[props["grid_code"]].covers(Point(json.loads(version.geometry)["coordinates"]))
        weekdays[datetime.fromisoformat(props["reported_at"]).weekday()] += 1
        recurring += props.get("recurrence", 0) > 0
        if props.get("fixed_at") and props["fixed_at"] > props["deadline"]:
            overdue += 1
    per_weekday = sum(weekdays[d] for d in range(5)) / 5
    per_weekend_day = (weekdays[5] + weekdays[6]) / 2
    assert per_weekday > 1.2 * per_weekend_day
    assert recurring > len(cases) * 0.1 and overdue > 0
    statuses = Counter(json.loads(v.properties)["status"] for v in cases)
    assert statuses["closed"] > statuses["dispatched"] > 0 and statuses["rejected"] > 0
    posters = sum(json.loads(v.properties)["category"] == "0201" for v in cases)
    assert 0.35 < posters / len(cases) < 0.55  # illegal posters: about half of what is filed


def test_a_store_holding_data_a_bad_scale_and_a_small_disk_are_refused_before_writing(made, backend, tmp_path,
                                                                                      monkeypatch):  # fmt: skip
    store, _ = made
    with pytest.raises(NotEmpty):
        generate_city(store, scale=SCALE, data_dir=tmp_path, now_us=NOW_US, progress=lambda _: None)
    for scale in (0, -1, 1.5):
        with pytest.raises(ValueError, match="scale"):
            level_counts(scale)
    with pytest.raises(DiskTooSmall) as exc:
        city_write.check_disk(10**15, tmp_path)
    assert exc.value.needed > exc.value.free
    empty = open_store(f"sqlite:///{tmp_path / 'empty'}")
    empty.sync_builtin_layers(load_catalogue())
    monkeypatch.setattr(city_write, "BYTES_PER_VERSION", 10**12)
    with pytest.raises(DiskTooSmall):
        generate_city(empty, scale=SCALE, data_dir=tmp_path, now_us=NOW_US, progress=lambda _: None)
    assert all(layer["feature_count"] == 0 for layer in empty.layers()) and empty.areas() == []
    empty.close()
