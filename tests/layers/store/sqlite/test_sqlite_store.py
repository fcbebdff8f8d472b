"""The SQLite store: versions, reading the past, atomic bulk writes, stale versions, exact bbox queries."""

from __future__ import annotations

import json
import math
import sqlite3

import pytest

from layers.catalogue import load_catalogue
from layers.store import LayerExists, NewFeature, StaleVersion, UnknownFeature
from layers.store.sqlite.store import SQLiteStore


def point(lon: float, lat: float, **props) -> NewFeature:
    return NewFeature({"type": "Point", "coordinates": [lon, lat]}, props, (lon, lat, lon, lat))


def line(coords, **props) -> NewFeature:
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return NewFeature({"type": "LineString", "coordinates": coords}, props, (min(xs), min(ys), max(xs), max(ys)))


@pytest.fixture
def db(tmp_path):
    ticks = iter(range(1_000_000, 10**12, 1_000))
    store = SQLiteStore(tmp_path, clock=lambda: next(ticks))
    store.sync_builtin_layers(load_catalogue())
    yield store
    store.close()


def test_create_get_and_versions(db):
    created = db.create("bins", [point(113.3, 23.1, name="一号箱"), point(113.4, 23.2)], "alice")
    assert [f.version for f in created] == [1, 1]
    first = db.get("bins", created[0].fid)
    assert first.properties == '{"name":"一号箱"}'
    assert first.author == "alice" and first.op == "create" and first.valid_to is None
    updated = db.update("bins", first.fid, point(113.31, 23.1, name="一号箱", capacity_l=240), 1, "bob")
    assert updated.version == 2 and updated.author == "bob"
    history = db.history("bins", first.fid)
    assert [v.version for v in history] == [1, 2]
    assert history[0].valid_to == history[1].valid_from
    assert db.layer("bins")["feature_count"] == 2


def test_read_the_past_with_at(db):
    [f] = db.create("bins", [point(113.3, 23.1, name="旧")], "a")
    between = f.valid_from + 1
    new = db.update("bins", f.fid, point(113.3, 23.1, name="新"), 1, "a")
    assert db.get("bins", f.fid, at=between).properties == '{"name":"旧"}'
    assert db.get("bins", f.fid).properties == '{"name":"新"}'
    with pytest.raises(UnknownFeature):
        db.get("bins", f.fid, at=f.valid_from - 1)
    assert db.query("bins", at=between, filters={"name": "旧"}).total == 1
    assert db.query("bins", at=new.valid_from, filters={"name": "旧"}).total == 0


def test_delete_keeps_history_and_the_past(db):
    [f] = db.create("bins", [point(113.3, 23.1)], "a")
    gone = db.delete("bins", f.fid, 1, "b")
    assert gone.op == "delete" and gone.version == 2
    with pytest.raises(UnknownFeature):
        db.get("bins", f.fid)
    assert db.query("bins").total == 0
    assert db.layer("bins")["feature_count"] == 0
    assert db.query("bins", at=f.valid_from).total == 1
    assert db.query("bins", bbox=(113, 23, 114, 24)).total == 0
    assert db.query("bins", bbox=(113, 23, 114, 24), at=f.valid_from).total == 1
    assert [v.op for v in db.history("bins", f.fid)] == ["create", "delete"]
    with pytest.raises(UnknownFeature):
        db.update("bins", f.fid, point(1, 1), 2, "c")


def test_stale_version_is_refused_with_the_current_one(db):
    [f] = db.create("bins", [point(113.3, 23.1)], "a")
    db.update("bins", f.fid, point(113.3, 23.1, name="x"), 1, "a")
    with pytest.raises(StaleVersion) as info:
        db.update("bins", f.fid, point(113.3, 23.1, name="y"), 1, "b")
    assert info.value.current.version == 2
    assert db.get("bins", f.fid).properties == '{"name":"x"}'
    with pytest.raises(StaleVersion):
        db.delete("bins", f.fid, 1, "b")


def test_bulk_write_is_all_or_nothing(db):
    db.create("bins", [point(113.3, 23.1)], "a")
    bad = NewFeature({"type": "Point", "coordinates": [math.nan, 23.1]}, {}, (0, 0, 0, 0))
    with pytest.raises(ValueError):
        db.create("bins", [point(113.31, 23.1), point(113.32, 23.1), bad, point(113.33, 23.1)], "a")
    assert db.query("bins").total == 1
    assert db.layer("bins")["feature_count"] == 1
    conn = sqlite3.connect(db.path)
    assert conn.execute("SELECT count(*) FROM version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM cur_rtree").fetchone()[0] == 1


def test_bbox_is_exact_despite_float32_rtree(db):
    lon, lat = 113.123456789, 23.123456789
    db.create("bins", [point(lon, lat)], "a")
    assert db.query("bins", bbox=(lon, lat, lon + 1, lat + 1)).total == 1
    # Just outside by far less than the R*Tree's float32 rounding (about 1e-5 degrees here).
    assert db.query("bins", bbox=(lon + 1e-9, lat, lon + 1, lat + 1)).total == 0
    assert db.query("bins", bbox=(lon - 1, lat - 1, lon - 1e-9, lat)).total == 0


def test_bbox_on_lines_uses_the_real_geometry(db):
    # A diagonal road whose bounding box covers the query box's corner but whose path misses it.
    db.create("roads", [line([[113.30, 23.10], [113.32, 23.12]], **{"class": "branch"})], "a")
    assert db.query("roads", bbox=(113.305, 23.115, 113.306, 23.119)).total == 0
    assert db.query("roads", bbox=(113.309, 23.109, 113.311, 23.111)).total == 1


def test_filters_pagination_and_order(db):
    db.create("bins", [point(113.3 + i * 1e-4, 23.1, sorted=i % 2 == 0, capacity_l=120 + i) for i in range(25)], "a")
    assert db.query("bins", filters={"sorted": True}).total == 13
    assert db.query("bins", filters={"capacity_l": 130}).total == 1
    page1 = db.query("bins", limit=10, offset=0)
    page3 = db.query("bins", limit=10, offset=20)
    assert page1.total == 25 and len(page1.features) == 10 and len(page3.features) == 5
    ids = [f.fid for f in page1.features]
    assert ids == sorted(ids)


def test_clock_stepping_back_keeps_versions_ordered(tmp_path):
    readings = [5_000_000]
    store = SQLiteStore(tmp_path, clock=lambda: readings[0])
    store.sync_builtin_layers(load_catalogue())
    readings[0] = 5_000_000
    [f] = store.create("bins", [point(113.3, 23.1)], "a")
    readings[0] = 4_000_000
    updated = store.update("bins", f.fid, point(113.3, 23.1, name="b"), 1, "a")
    assert updated.valid_from > f.valid_from
    store.close()


def test_backdated_writes_for_seeding(db):
    [f] = db.create("bins", [point(113.3, 23.1)], "seed", at=100)
    db.update("bins", f.fid, point(113.3, 23.1, name="later"), 1, "seed", at=200)
    assert db.get("bins", f.fid, at=150).properties == "{}"
    with pytest.raises(ValueError):
        db.update("bins", f.fid, point(113.3, 23.1), 2, "seed", at=150)


def test_points_now_and_then(db):
    created = db.create("streetlights", [point(113.3 + i * 1e-3, 23.1, status="working") for i in range(3)], "a")
    db.update("streetlights", created[1].fid, point(113.301, 23.1, status="broken"), 1, "a")
    now = db.points("streetlights", value_property="status")
    assert now.values == ["working", "broken", "working"]
    then = db.points("streetlights", at=created[0].valid_from, value_property="status")
    assert then.values == ["working"] * 3
    assert list(db.points("streetlights").fids) == [f.fid for f in created]


def test_layers_persist_and_custom_layers(tmp_path):
    store = SQLiteStore(tmp_path)
    store.sync_builtin_layers(load_catalogue())
    definition = {
        "id": "trees",
        "title": {"zh-CN": "树", "en": "Trees"},
        "geometry_types": ["Point"],
        "properties": {},
        "order": 5,
    }
    store.create_layer(definition, "a")
    with pytest.raises(LayerExists):
        store.create_layer(definition, "a")
    store.create("trees", [point(1, 2)], "a")
    store.close()
    again = SQLiteStore(tmp_path)
    assert again.layer("trees")["feature_count"] == 1
    assert again.layer("trees")["builtin"] is False
    assert [layer["id"] for layer in again.layers()][0] == "trees"
    assert again._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.integrity_check() == "ok"
    again.close()


def test_sync_builtin_layers_updates_definitions(db):
    definitions = load_catalogue()
    changed = [dict(d, order=999) if d["id"] == "bins" else d for d in definitions]
    db.sync_builtin_layers(changed)
    assert db.layer("bins")["order"] == 999


def test_extent(db):
    assert db.extent() is None
    db.create("bins", [point(113.3, 23.1), point(113.4, 23.2)], "a")
    assert db.extent() == (113.3, 23.1, 113.4, 23.2)


def test_point_arrays_patched_after_writes_match_a_full_read(db, tmp_path):
    import random

    rng = random.Random(5)
    live = [
        f.fid
        for f in db.create("streetlights", [point(113.3 + i * 1e-4, 23.1, status="working") for i in range(50)], "a")
    ]
    versions = dict.fromkeys(live, 1)
    db.points("streetlights", value_property="status")  # prime the in-memory arrays
    for round_ in range(30):
        action = rng.choice(["create", "update", "delete"])
        if action == "create":
            [f] = db.create("streetlights", [point(113.4 + round_ * 1e-4, 23.2, status="broken")], "a")
            live.append(f.fid)
            versions[f.fid] = 1
        elif action == "update" and live:
            fid = rng.choice(live)
            status = rng.choice(["working", "broken"])
            db.update("streetlights", fid, point(113.5 + round_ * 1e-4, 23.3, status=status), versions[fid], "a")
            versions[fid] += 1
        elif live:
            fid = live.pop(rng.randrange(len(live)))
            db.delete("streetlights", fid, versions[fid], "a")
        if round_ % 4 == 0:
            patched = db.points("streetlights", value_property="status")
    patched = db.points("streetlights", value_property="status")
    fresh = SQLiteStore(db.data_dir)
    full = fresh.points("streetlights", value_property="status")
    assert patched.fids.tolist() == full.fids.tolist() == sorted(live)
    assert patched.x.tolist() == full.x.tolist() and patched.y.tolist() == full.y.tolist()
    assert patched.values == full.values
    assert db.points("streetlights").fids.tolist() == sorted(live)
    fresh.close()


def test_refuses_a_database_of_another_schema_version(tmp_path):
    store = SQLiteStore(tmp_path)
    store._conn().execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        SQLiteStore(tmp_path)


def test_point_arrays_without_a_value_property_survive_a_write(db):
    db.create("bins", [point(113.3, 23.1, name="一号")], "t")
    assert db.points("bins").fids.tolist() == [1]
    db.create("bins", [point(113.31, 23.11, name="二号")], "t")
    patched = db.points("bins")  # patched from the cached arrays: once built an invalid JSON path "$."
    assert patched.fids.tolist() == [1, 2] and patched.values is None


def test_nested_writes_are_one_transaction_and_version_rows(db):
    with pytest.raises(RuntimeError), db.atomic():
        db.create("bins", [point(113.3, 23.1, name="一号")], "t")
        db.create("bins", [point(113.31, 23.11, name="二号")], "t")
        raise RuntimeError("the outer write fails")
    assert db.layer("bins")["feature_count"] == 0
    with db.atomic():
        [a] = db.create("bins", [point(113.3, 23.1, name="一号")], "t")
        db.update("bins", a.fid, point(113.4, 23.2, name="一号改"), 1, "t")
    revision, rows = db.version_rows("bins", ["name"])
    assert [(r[0], r[1], r[2], r[5], r[6], r[7]) for r in rows] == [
        (a.fid, 1, "create", 113.3, 23.1, "一号"), (a.fid, 2, "update", 113.4, 23.2, "一号改")]
    assert rows[0][4] == rows[1][3] and rows[1][4] is None  # the first version ends where the second starts
    [b] = db.create("bins", [point(113.5, 23.3, name="三号")], "t")
    _, changed = db.version_rows("bins", ["name"], changed_since=revision)
    assert [r[0] for r in changed] == [b.fid]


def test_an_older_idempotency_table_gains_its_headers_column(tmp_path):
    db = SQLiteStore(tmp_path)
    conn = sqlite3.connect(db.path)
    conn.executescript("DROP TABLE idempotency; CREATE TABLE idempotency (actor TEXT NOT NULL, key TEXT NOT NULL,"
                       " fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,"
                       " created_at INTEGER NOT NULL, PRIMARY KEY (actor, key));"
                       " INSERT INTO idempotency VALUES ('a', 'k', 'f', 201, '{}', 1);")  # fmt: skip
    conn.close()
    db.close()
    reopened = SQLiteStore(tmp_path)
    assert reopened.idempotent_result("a", "k") == ("f", 201, "{}", {})


def test_a_bulk_create_uses_a_large_page_cache_and_restores_it(db, monkeypatch):
    import layers.store.sqlite.store as module

    monkeypatch.setattr(module, "BULK_FEATURES", 3)
    before = db._conn().execute("PRAGMA cache_size").fetchone()[0]
    created = db.create("bins", [point(113.3 + i / 1000, 23.1, name=f"{i}号") for i in range(5)], "t")
    assert [v.fid for v in created] == [1, 2, 3, 4, 5] and db.layer("bins")["feature_count"] == 5
    assert db._conn().execute("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the cache must come back all the same
        db.create("no_such_layer", [point(113.3, 23.1)] * 4, "t")
    assert db._conn().execute("PRAGMA cache_size").fetchone()[0] == before


def test_query_during_an_interval(db):
    [a] = db.create("bins", [point(113.3, 23.1, name="旧")], "t", at=1_000)
    db.update("bins", a.fid, point(113.3, 23.1, name="新"), 1, "t", at=2_000)
    [b] = db.create("bins", [point(113.4, 23.2, name="乙")], "t", at=3_000)
    db.delete("bins", b.fid, 1, "t", at=4_000)

    def names(start, end, **kw):
        page = db.query("bins", during=(start, end), **kw)
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
        db.query("bins", at=1_500, during=(1_000, 2_000))


def _mixed_history(store: SQLiteStore, n: int, seed: int) -> None:
    """Points and lines, some updated (closed versions in hist_rtree) and some deleted."""
    import random

    rnd = random.Random(seed)
    pts = [point(113.2 + rnd.random() / 5, 23.05 + rnd.random() / 7, name=f"点{i}") for i in range(n)]
    created = store.create("bins", pts, "seed")
    roads = store.create("roads", [line([[113.2 + i / 500, 23.1], [113.21 + i / 500, 23.12]], name=f"路{i}")
                                   for i in range(n // 10)], "seed")  # fmt: skip
    for v in created[: n // 5]:
        store.update("bins", v.fid, point(113.25 + rnd.random() / 50, 23.1, name="移动"), 1, "seed")
    for v in list(created[n // 5 : n // 4]) + list(roads[:3]):
        store.delete(v.layer, v.fid, 1, "seed")


def _answers(store: SQLiteStore, moments: list[int]) -> list:
    boxes = [None, (113.2, 23.05, 113.3, 23.1), (113.24, 23.09, 113.26, 23.11), (113.2, 23.1, 113.22, 23.13)]
    out = []
    for layer in ("bins", "roads"):
        for box in boxes:
            for at in [None, *moments]:
                page = store.query(layer, bbox=box, at=at, limit=100_000)
                out.append((layer, box, at, page.total, [(v.fid, v.version, v.properties) for v in page.features]))
            page = store.query(layer, bbox=box, during=(moments[0], moments[-1]), limit=100_000)
            out.append((layer, box, "during", page.total, [(v.fid, v.version) for v in page.features]))
    return out


def test_a_bulk_create_packs_the_rtrees_and_every_query_answers_as_with_row_inserts(tmp_path, monkeypatch):
    import layers.store.sqlite.store as module
    from layers.store.sqlite import rtree_bulk
    from tests.durability._support import consistency_problems

    loads = []
    real_load = rtree_bulk.load
    monkeypatch.setattr(rtree_bulk, "load", lambda conn, table, ids, boxes: (loads.append(table),
                                                                               real_load(conn, table, ids, boxes)))
    results = {}
    for name, threshold in (("rows", 10**9), ("packed", 100)):
        monkeypatch.setattr(module, "BULK_FEATURES", threshold)
        ticks = iter(range(1_000_000, 10**12, 1_000))
        store = SQLiteStore(tmp_path / name, clock=lambda: next(ticks))  # noqa: B023 - used within the loop
        store.sync_builtin_layers(load_catalogue())
        _mixed_history(store, 200, seed=1)
        middle = store.now()
        # A big create into a layer that already has live, updated and deleted features: both R*Trees are
        # rebuilt with the old entries and the new ones.
        more = [point(113.2 + i / 4000, 23.06 + (i % 37) / 300, name=f"新{i}") for i in range(400)]
        created = store.create("bins", more, "bulk")
        assert len(created) == 400 and created[0].fid + 399 == created[-1].fid
        assert [v.fid for v in created[:2]] == [created[0].fid, created[0].fid + 1]
        _mixed_history(store, 100, seed=2)  # ordinary writes after the rebuild
        conn = sqlite3.connect(store.path)
        assert consistency_problems(conn) == []
        conn.close()
        results[name] = _answers(store, [1_000_000 + 5_000, middle, store.now()])
        store.close()
    # In the packed store: the first 200 points (empty trees) and the 400 (trees of ~300 and ~360 entries);
    # the later 100 go in row by row (trees over three times their size).
    assert loads == ["cur_rtree", "hist_rtree"] * 2
    assert results["packed"] == results["rows"]


def test_a_bulk_create_into_a_much_larger_tree_inserts_row_by_row(db, monkeypatch):
    import layers.store.sqlite.store as module
    from layers.store.sqlite import rtree_bulk

    monkeypatch.setattr(module, "BULK_FEATURES", 10)
    db.create("bins", [point(113.3 + i / 10_000, 23.1) for i in range(100)], "seed")  # packs (100 >= 10)
    monkeypatch.setattr(rtree_bulk, "load", lambda *a: pytest.fail("a 20-feature create must not rebuild 100+"))
    created = db.create("bins", [point(113.2 + i / 10_000, 23.2) for i in range(20)], "more")  # 100 > 3 * 20
    assert len(created) == 20
    assert db.query("bins", bbox=(113.19, 23.19, 113.21, 23.21)).total == 20
    assert db._conn().execute("SELECT rtreecheck('cur_rtree'), rtreecheck('hist_rtree')").fetchone() == ("ok", "ok")


def test_a_bulk_create_that_fails_midway_leaves_nothing_and_the_next_one_works(db, monkeypatch):
    import layers.store.sqlite.store as module

    monkeypatch.setattr(module, "BULK_FEATURES", 10)
    good = [point(113.3 + i / 1000, 23.1, name=f"{i}") for i in range(30)]
    broken = NewFeature({"type": "Point", "coordinates": [113.3, 23.1]}, {}, (113.3, 23.1, 113.3, {"x": 1}))
    with pytest.raises(sqlite3.Error):
        db.create("bins", [*good, broken, *good], "t")  # fails while staging the 31st row
    assert db.layer("bins")["feature_count"] == 0 and db.layer("bins")["revision"] == 0
    conn = db._conn()
    assert conn.execute("SELECT count(*) FROM version").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0  # the staging table is gone
    created = db.create("bins", good, "t")
    assert len(created) == 30 and db.query("bins", bbox=(113.29, 23.09, 113.4, 23.11)).total == 30
    assert conn.execute("SELECT rtreecheck('cur_rtree'), rtreecheck('hist_rtree')").fetchone() == ("ok", "ok")


def test_a_retired_layer_is_gone_from_every_reading_but_kept_on_record(db, tmp_path):
    definition = {"id": "analysis_x", "title": {"zh-CN": "结果", "en": "Result"}, "geometry_types": ["Point"],
                  "properties": {}, "rules": {"analysis": {"kind": "gaps"}}}  # fmt: skip
    db.create_layer(definition, "planner")
    db.create("bins", [point(113.3, 23.1)], "t")
    db.create("analysis_x", [point(120.0, 30.0)], "planner")  # far away: it widens the extent
    assert db.extent() == (113.3, 23.1, 120.0, 30.0)
    db._extent_cache = None
    db.retire_layer("analysis_x", "planner")
    assert db.layer("analysis_x") is None and "analysis_x" not in [d["id"] for d in db.layers()]
    assert db.extent() == (113.3, 23.1, 113.3, 23.1)
    with pytest.raises(KeyError):
        db.query("analysis_x")
    with pytest.raises(KeyError):
        db.retire_layer("analysis_x", "planner")  # once
    with pytest.raises(KeyError):
        db.retire_layer("bins", "planner")  # never a built-in layer
    with pytest.raises(LayerExists):
        db.create_layer(definition, "planner")
    row = db._conn().execute("SELECT retired_by, feature_count FROM layer WHERE id = 'analysis_x'").fetchone()
    assert row == ("planner", 1)


def test_an_older_database_gets_the_retired_columns(tmp_path):
    conn = sqlite3.connect(tmp_path / "chuangwei.sqlite3")
    conn.executescript("CREATE TABLE layer (id TEXT PRIMARY KEY, definition TEXT NOT NULL, builtin INTEGER NOT NULL,"
                       " created_at INTEGER NOT NULL, created_by TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0,"
                       " feature_count INTEGER NOT NULL DEFAULT 0);")  # fmt: skip
    conn.close()
    store = SQLiteStore(tmp_path)
    store.sync_builtin_layers(load_catalogue())
    assert {"retired_at", "retired_by"} <= {r[1] for r in store._conn().execute("PRAGMA table_info(layer)")}
    assert store.layer("bins") is not None
    store.close()


def test_a_sqlite_that_refuses_writing_the_rtree_tables_still_takes_bulk_creates(db, monkeypatch):
    """Some SQLite builds forbid writing a virtual table's own tables (defensive mode): the packed load
    fails there, and the create goes on inserting row by row, all of it or nothing."""
    import layers.store.sqlite.store as module
    from layers.store.sqlite import rtree_bulk

    def refuse(conn, table, ids, boxes):
        conn.execute(f"DELETE FROM {table}_rowid")  # a partial write first, which must be undone
        raise sqlite3.OperationalError(f"table {table}_node may not be modified")

    monkeypatch.setattr(module, "BULK_FEATURES", 10)
    db.create("bins", [point(113.3 + i / 10_000, 23.1) for i in range(15)], "seed")
    monkeypatch.setattr(rtree_bulk, "load", refuse)
    created = db.create("bins", [point(113.2 + i / 10_000, 23.2) for i in range(40)], "bulk")
    assert len(created) == 40 and db.layer("bins")["feature_count"] == 55
    assert db.query("bins", bbox=(113.19, 23.19, 113.21, 23.21)).total == 40
    assert db.query("bins", bbox=(113.29, 23.09, 113.31, 23.11)).total == 15
    conn = db._conn()
    assert conn.execute("SELECT rtreecheck('cur_rtree'), rtreecheck('hist_rtree')").fetchone() == ("ok", "ok")
    assert conn.execute("SELECT count(*) FROM cur_rtree").fetchone()[0] == 55
