"""The feature port's contract, on any backend: versions, reading the past with ``at`` and ``during``,
history, If-Match, all-or-nothing creates, exact bbox queries, filters, paging, points with typed values,
version rows, the extent, and layers created, synced and retired."""

from __future__ import annotations

import json
import math
import random

import pytest
from store_support import TREES, line, point

from layers.catalogue import load_catalogue
from layers.store import LayerExists, NewFeature, StaleVersion, UnknownFeature, open_store


def test_create_get_and_versions(store):
    created = store.create("bins", [point(113.3, 23.1, name="一号箱"), point(113.4, 23.2)], "alice")
    assert [f.version for f in created] == [1, 1] and created[1].fid > created[0].fid
    first = store.get("bins", created[0].fid)
    assert json.loads(first.properties) == {"name": "一号箱"}
    assert first.author == "alice" and first.op == "create" and first.valid_to is None
    assert first.etag == f'"{first.fid}.1"'
    updated = store.update("bins", first.fid, point(113.31, 23.1, name="一号箱", capacity_l=240), 1, "bob")
    assert updated.version == 2 and updated.author == "bob" and updated.op == "update"
    history = store.history("bins", first.fid)
    assert [v.version for v in history] == [1, 2]
    assert history[0].valid_to == history[1].valid_from
    assert store.layer("bins")["feature_count"] == 2
    with pytest.raises(UnknownFeature):
        store.get("roads", first.fid)  # another layer's feature
    with pytest.raises(UnknownFeature):
        store.history("bins", 10**9)


def test_values_come_back_with_their_json_types(store):
    props = {"name": "x", "capacity_l": 240, "sorted": True, "status": None, "nested": {"a": [1, 2.5, False]}}
    [f] = store.create("bins", [point(113.3, 23.1, **props)], "a")
    assert json.loads(store.get("bins", f.fid).properties) == props
    assert json.loads(store.get("bins", f.fid).geometry) == {"type": "Point", "coordinates": [113.3, 23.1]}
    assert store.query("bins").features[0].to_dict()["properties"] == props


def test_read_the_past_with_at(store):
    [f] = store.create("bins", [point(113.3, 23.1, name="旧")], "a")
    between = f.valid_from + 1
    new = store.update("bins", f.fid, point(113.3, 23.1, name="新"), 1, "a")
    assert json.loads(store.get("bins", f.fid, at=between).properties) == {"name": "旧"}
    assert json.loads(store.get("bins", f.fid).properties) == {"name": "新"}
    assert store.get("bins", f.fid, at=new.valid_from).version == 2  # valid_from is inclusive
    with pytest.raises(UnknownFeature):
        store.get("bins", f.fid, at=f.valid_from - 1)
    assert store.query("bins", at=between, filters={"name": "旧"}).total == 1
    assert store.query("bins", at=new.valid_from, filters={"name": "旧"}).total == 0


def test_delete_keeps_history_and_the_past(store):
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    gone = store.delete("bins", f.fid, 1, "b")
    assert gone.op == "delete" and gone.version == 2 and gone.geometry is None
    with pytest.raises(UnknownFeature):
        store.get("bins", f.fid)
    assert store.query("bins").total == 0
    assert store.layer("bins")["feature_count"] == 0
    assert store.query("bins", at=f.valid_from).total == 1
    assert store.query("bins", bbox=(113, 23, 114, 24)).total == 0
    assert store.query("bins", bbox=(113, 23, 114, 24), at=f.valid_from).total == 1
    assert [v.op for v in store.history("bins", f.fid)] == ["create", "delete"]
    with pytest.raises(UnknownFeature):
        store.update("bins", f.fid, point(1, 1), 2, "c")
    with pytest.raises(UnknownFeature):
        store.delete("bins", f.fid, 2, "c")


def test_if_match_a_stale_version_is_refused_with_the_current_one(store):
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    store.update("bins", f.fid, point(113.3, 23.1, name="x"), 1, "a")
    with pytest.raises(StaleVersion) as info:
        store.update("bins", f.fid, point(113.3, 23.1, name="y"), 1, "b")
    assert info.value.current.version == 2 and info.value.current.etag == f'"{f.fid}.2"'
    assert json.loads(store.get("bins", f.fid).properties) == {"name": "x"}
    with pytest.raises(StaleVersion):
        store.delete("bins", f.fid, 1, "b")
    assert store.update("bins", f.fid, point(113.3, 23.1, name="z"), None, "trusted").version == 3  # no check


def test_a_bulk_create_is_all_or_nothing(store):
    store.create("bins", [point(113.3, 23.1)], "a")
    revision = store.layer("bins")["revision"]
    bad = NewFeature({"type": "Point", "coordinates": [math.nan, 23.1]}, {}, (0, 0, 0, 0))
    with pytest.raises(ValueError):
        store.create("bins", [point(113.31, 23.1), point(113.32, 23.1), bad, point(113.33, 23.1)], "a")
    assert store.query("bins").total == 1
    assert store.query("bins", bbox=(113.305, 23, 113.34, 24)).total == 0
    assert store.layer("bins")["feature_count"] == 1 and store.layer("bins")["revision"] == revision
    assert len(store.version_rows("bins", [])[1]) == 1
    with pytest.raises(KeyError):
        store.create("no_such_layer", [point(113.3, 23.1)], "a")


def test_bbox_is_exact_to_the_stored_coordinates(store):
    lon, lat = 113.123456789, 23.123456789
    store.create("bins", [point(lon, lat)], "a")
    assert store.query("bins", bbox=(lon, lat, lon + 1, lat + 1)).total == 1  # on the edge: in
    assert store.query("bins", bbox=(lon - 1, lat - 1, lon, lat)).total == 1
    # Just outside by far less than a float32 index's rounding (about 1e-5 degrees here).
    assert store.query("bins", bbox=(lon + 1e-9, lat, lon + 1, lat + 1)).total == 0
    assert store.query("bins", bbox=(lon - 1, lat - 1, lon - 1e-9, lat)).total == 0


def test_bbox_on_lines_rechecks_the_real_geometry(store):
    # A diagonal road whose bounding box covers the query box's corner but whose path misses it.
    store.create("roads", [line([[113.30, 23.10], [113.32, 23.12]], **{"class": "branch"})], "a")
    assert store.query("roads", bbox=(113.305, 23.115, 113.306, 23.119)).total == 0
    assert store.query("roads", bbox=(113.305, 23.115, 113.306, 23.119), exact_geometry=False).total == 1
    assert store.query("roads", bbox=(113.309, 23.109, 113.311, 23.111)).total == 1


def test_bbox_pages_count_only_what_the_geometry_keeps(store):
    roads = [line([[113.30 + i / 1000, 23.10], [113.32 + i / 1000, 23.12]]) for i in range(5)]
    roads.append(line([[113.30, 23.13], [113.31, 23.14]]))  # far from the box
    store.create("roads", roads, "a")
    page = store.query("roads", bbox=(113.30, 23.095, 113.33, 23.125), limit=2, offset=2)
    assert page.total == 5 and len(page.features) == 2


def test_filters_paging_and_order(store):
    store.create("bins", [point(113.3 + i * 1e-4, 23.1, sorted=i % 2 == 0, capacity_l=120 + i) for i in range(25)], "a")
    assert store.query("bins", filters={"sorted": True}).total == 13
    assert store.query("bins", filters={"sorted": False}).total == 12
    assert store.query("bins", filters={"capacity_l": 130}).total == 1
    assert store.query("bins", filters={"capacity_l": [121, 122, 999]}).total == 2
    assert store.query("bins", filters={"capacity_l": []}).total == 0
    page1 = store.query("bins", limit=10, offset=0)
    page3 = store.query("bins", limit=10, offset=20)
    assert page1.total == 25 and len(page1.features) == 10 and len(page3.features) == 5
    ids = [f.fid for f in page1.features + store.query("bins", limit=10, offset=10).features + page3.features]
    assert ids == sorted(ids) and len(set(ids)) == 25


def test_a_boolean_filter_matches_booleans_only(store):
    store.create("bins", [point(113.3, 23.1, status=True), point(113.31, 23.1, status=1),
                          point(113.32, 23.1, status=0), point(113.33, 23.1, status=False)], "a")  # fmt: skip
    assert store.query("bins", filters={"status": True}).total == 1
    assert store.query("bins", filters={"status": 1}).total == 1
    assert store.query("bins", filters={"status": [False, 0]}).total == 2
    assert store.query("bins", filters={"status": [True, 0]}).total == 2


def test_the_clock_stepping_back_keeps_versions_ordered(backend):
    readings = [5_000_000]
    store = open_store(backend, clock=lambda: readings[0])
    store.sync_builtin_layers(load_catalogue())
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    readings[0] = 4_000_000
    updated = store.update("bins", f.fid, point(113.3, 23.1, name="b"), 1, "a")
    assert updated.valid_from > f.valid_from
    store.close()


def test_backdated_writes_for_seeding(store):
    [f] = store.create("bins", [point(113.3, 23.1)], "seed", at=100)
    assert f.valid_from == 100
    store.update("bins", f.fid, point(113.3, 23.1, name="later"), 1, "seed", at=200)
    assert store.get("bins", f.fid, at=150).properties == "{}"
    with pytest.raises(ValueError):
        store.update("bins", f.fid, point(113.3, 23.1), 2, "seed", at=150)


def test_points_now_and_then(store):
    xs = [113.3, 113.301, 113.302]
    created = store.create("streetlights", [point(x, 23.1, status="working") for x in xs], "a")
    store.update("streetlights", created[1].fid, point(113.301, 23.1, status="broken"), 1, "a")
    now = store.points("streetlights", value_property="status")
    assert now.values == ["working", "broken", "working"]
    assert now.x.tolist() == [113.3, 113.301, 113.302] and now.y.tolist() == [23.1] * 3
    then = store.points("streetlights", at=created[0].valid_from, value_property="status")
    assert then.values == ["working"] * 3 and then.x.tolist()[1] == 113.301
    assert list(store.points("streetlights").fids) == [f.fid for f in created]
    assert store.points("streetlights").values is None
    with pytest.raises(KeyError):
        store.points("no_such_layer")


@pytest.mark.parametrize("at_creation", [False, True])
def test_point_values_are_typed_booleans_stay_booleans(store, at_creation):
    created = store.create("bins", [point(113.3, 23.1, sorted=True), point(113.31, 23.1, sorted=False),
                                    point(113.32, 23.1), point(113.33, 23.1, sorted=1)], "a")  # fmt: skip
    at = created[0].valid_from if at_creation else None
    values = store.points("bins", at=at, value_property="sorted").values
    assert values == [True, False, None, 1]
    assert [type(v) for v in values] == [bool, bool, type(None), int]
    store.points("bins", value_property="sorted")  # cached now: a patched answer must be typed as well
    store.update("bins", created[2].fid, point(113.32, 23.1, sorted=True), 1, "a")
    patched = store.points("bins", value_property="sorted").values
    assert patched == [True, False, True, 1] and [type(v) for v in patched] == [bool, bool, bool, int]


def test_point_arrays_after_many_writes_match_a_fresh_read(store, backend):
    rng = random.Random(5)
    made = store.create("streetlights", [point(113.3 + i * 1e-4, 23.1, status="working") for i in range(50)], "a")
    live = [f.fid for f in made]
    versions = dict.fromkeys(live, 1)
    store.points("streetlights", value_property="status")
    for round_ in range(30):
        action = rng.choice(["create", "update", "delete"])
        if action == "create":
            [f] = store.create("streetlights", [point(113.4 + round_ * 1e-4, 23.2, status="broken")], "a")
            live.append(f.fid)
            versions[f.fid] = 1
        elif action == "update" and live:
            fid = rng.choice(live)
            status = rng.choice(["working", "broken"])
            store.update("streetlights", fid, point(113.5 + round_ * 1e-4, 23.3, status=status), versions[fid], "a")
            versions[fid] += 1
        elif live:
            fid = live.pop(rng.randrange(len(live)))
            store.delete("streetlights", fid, versions[fid], "a")
        if round_ % 4 == 0:
            store.points("streetlights", value_property="status")
    seen = store.points("streetlights", value_property="status")
    other = open_store(backend)  # a second store on the same data reads everything afresh
    full = other.points("streetlights", value_property="status")
    assert seen.fids.tolist() == full.fids.tolist() == sorted(live)
    assert seen.x.tolist() == full.x.tolist() and seen.y.tolist() == full.y.tolist()
    assert seen.values == full.values
    assert store.points("streetlights").fids.tolist() == sorted(live)
    other.close()


def test_version_rows_with_typed_values_and_changes_since_a_revision(store):
    [a] = store.create("bins", [point(113.3, 23.1, name="一号", sorted=True)], "t")
    store.update("bins", a.fid, point(113.4, 23.2, name="一号改", sorted=False), 1, "t")
    revision, rows = store.version_rows("bins", ["name", "sorted"])
    assert revision == store.layer("bins")["revision"]
    assert [(r[0], r[1], r[2], r[5], r[6], r[7], r[8]) for r in rows] == [
        (a.fid, 1, "create", 113.3, 23.1, "一号", True), (a.fid, 2, "update", 113.4, 23.2, "一号改", False)]
    assert [type(r[8]) for r in rows] == [bool, bool]
    assert rows[0][4] == rows[1][3] and rows[1][4] is None  # the first version ends where the second starts
    [b] = store.create("bins", [point(113.5, 23.3, name="三号")], "t")
    _, changed = store.version_rows("bins", ["name"], changed_since=revision)
    assert [r[0] for r in changed] == [b.fid]
    store.create("roads", [line([[113.3, 23.1], [113.31, 23.11]])], "t")
    assert store.version_rows("roads", [])[1][0][5:7] == (None, None)  # not a point
    with pytest.raises(KeyError):
        store.version_rows("no_such_layer", [])


def test_query_during_an_interval(store):
    [a] = store.create("bins", [point(113.3, 23.1, name="旧")], "t", at=1_000)
    store.update("bins", a.fid, point(113.3, 23.1, name="新"), 1, "t", at=2_000)
    [b] = store.create("bins", [point(113.4, 23.2, name="乙")], "t", at=3_000)
    store.delete("bins", b.fid, 1, "t", at=4_000)

    def names(start, end, **kw):
        page = store.query("bins", during=(start, end), **kw)
        return [(v.fid, json.loads(v.properties)["name"]) for v in page.features], page.total

    assert names(None, 999) == ([], 0)
    assert names(None, 1_500) == ([(a.fid, "旧")], 1)
    assert names(1_000, 1_999) == ([(a.fid, "旧")], 1)
    assert names(1_500, 2_500) == ([(a.fid, "新")], 1)  # the last version within the interval
    assert names(3_500, 3_600) == ([(a.fid, "新"), (b.fid, "乙")], 2)
    assert names(4_000, None) == ([(a.fid, "新")], 1)  # b was deleted at 4,000
    assert names(None, None) == ([(a.fid, "新"), (b.fid, "乙")], 2)
    assert names(None, None, bbox=(113.35, 23.15, 113.45, 23.25)) == ([(b.fid, "乙")], 1)
    assert names(1_500, 2_500, filters={"name": "旧"}) == ([], 0)  # the filter sees the last version
    with pytest.raises(ValueError):
        store.query("bins", at=1_500, during=(1_000, 2_000))


def test_layers_persist_custom_layers_and_their_order(store, backend):
    assert store.create_layer(TREES, "a") == TREES | {"builtin": False, "feature_count": 0, "revision": 0}
    with pytest.raises(LayerExists):
        store.create_layer(TREES, "a")
    store.create("trees", [point(1, 2)], "a")
    again = open_store(backend)
    assert again.layer("trees")["feature_count"] == 1 and again.layer("trees")["builtin"] is False
    assert again.layer("bins")["builtin"] is True
    assert [layer["id"] for layer in again.layers()][0] == "trees"  # order 5 comes first
    assert again.layer("no_such_layer") is None
    with pytest.raises(KeyError):
        again.query("no_such_layer")
    again.close()


def test_sync_builtin_layers_updates_definitions_and_keeps_features(store):
    store.create("bins", [point(113.3, 23.1)], "a")
    changed = [dict(d, order=999) if d["id"] == "bins" else d for d in load_catalogue()]
    store.sync_builtin_layers(changed)
    assert store.layer("bins")["order"] == 999 and store.layer("bins")["feature_count"] == 1


def test_the_revision_grows_with_every_write(store):
    before = store.layer("bins")["revision"]
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    after_create = store.layer("bins")["revision"]
    store.update("bins", f.fid, point(113.3, 23.1, name="x"), 1, "a")
    after_update = store.layer("bins")["revision"]
    store.delete("bins", f.fid, 2, "a")
    assert before < after_create < after_update < store.layer("bins")["revision"]


def test_extent(store):
    assert store.extent() is None
    store.create("bins", [point(113.3, 23.1), point(113.4, 23.2)], "a")
    assert store.extent() == (113.3, 23.1, 113.4, 23.2)


def test_a_retired_layer_is_gone_from_every_reading_but_its_id_stays_taken(store, backend):
    definition = {"id": "analysis_x", "title": {"zh-CN": "结果", "en": "Result"}, "geometry_types": ["Point"],
                  "properties": {}, "rules": {"analysis": {"kind": "gaps"}}}  # fmt: skip
    store.create_layer(definition, "planner")
    store.create("bins", [point(113.3, 23.1)], "t")
    store.create("analysis_x", [point(120.0, 30.0)], "planner")  # far away: it widens the extent
    assert store.extent() == (113.3, 23.1, 120.0, 30.0)
    store.retire_layer("analysis_x", "planner")
    assert store.layer("analysis_x") is None and "analysis_x" not in [d["id"] for d in store.layers()]
    fresh = open_store(backend)  # the extent may lag in the store that wrote; a new one reads it anew
    assert fresh.extent() == (113.3, 23.1, 113.3, 23.1)
    fresh.close()
    with pytest.raises(KeyError):
        store.query("analysis_x")
    with pytest.raises(KeyError):
        store.retire_layer("analysis_x", "planner")  # once
    with pytest.raises(KeyError):
        store.retire_layer("bins", "planner")  # never a built-in layer
    with pytest.raises(LayerExists):
        store.create_layer(definition, "planner")


def test_meta_values_are_json(store):
    assert store.get_meta("demo") is None
    store.set_meta("demo", {"name": "示例", "seeded": True, "n": 3})
    store.set_meta("other", [1, 2])
    assert store.get_meta("demo") == {"name": "示例", "seeded": True, "n": 3} and store.get_meta("other") == [1, 2]
    store.set_meta("demo", False)
    assert store.get_meta("demo") is False


def test_the_key_names_the_data_not_the_object(store, backend, tmp_path):
    again = open_store(backend)
    assert isinstance(store.key, str) and again.key == store.key
    again.close()
    other = open_store(f"sqlite:///{(tmp_path / 'elsewhere').as_posix()}")
    assert other.key != store.key
    other.close()


def test_the_clock_is_the_stores(store, clock):
    clock.set(7_000_000_000)
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    assert 7_000_000_000 < f.valid_from <= store.now()
