"""What only the SQLite backend has: its file and WAL mode, schema versions and migrations of older databases,
the bulk-create path (page cache, packed R*Trees, staging table, defensive builds). The behaviour every
backend shares is in ../test_contract_*.py."""

from __future__ import annotations

import math
import sqlite3

import pytest

from layers.catalogue import load_catalogue
from layers.store import NewFeature
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


def test_a_failed_create_leaves_no_row_in_any_table(db):
    db.create("bins", [point(113.3, 23.1)], "a")
    bad = NewFeature({"type": "Point", "coordinates": [math.nan, 23.1]}, {}, (0, 0, 0, 0))
    with pytest.raises(ValueError):
        db.create("bins", [point(113.31, 23.1), point(113.32, 23.1), bad, point(113.33, 23.1)], "a")
    conn = sqlite3.connect(db.path)
    assert conn.execute("SELECT count(*) FROM version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM feature").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM cur_rtree").fetchone()[0] == 1
    conn.close()


def test_the_database_is_one_file_in_wal_mode_with_sound_rtrees(db, tmp_path):
    db.create("bins", [point(113.3, 23.1)], "a")
    assert db.path == tmp_path / "chuangwei.sqlite3" and db.key == f"sqlite:{db.path.resolve()}"
    conn = db._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT rtreecheck('cur_rtree'), rtreecheck('hist_rtree')").fetchone() == ("ok", "ok")
    assert db.integrity_check() == "ok"


def test_refuses_a_database_of_another_schema_version(tmp_path):
    store = SQLiteStore(tmp_path)
    store._conn().execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    store.close()
    with pytest.raises(RuntimeError, match="schema version 99"):
        SQLiteStore(tmp_path)




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
    import layers.store.sqlite.writes as module

    monkeypatch.setattr(module, "BULK_FEATURES", 3)
    before = db._conn().execute("PRAGMA cache_size").fetchone()[0]
    created = db.create("bins", [point(113.3 + i / 1000, 23.1, name=f"{i}号") for i in range(5)], "t")
    assert [v.fid for v in created] == [1, 2, 3, 4, 5] and db.layer("bins")["feature_count"] == 5
    assert db._conn().execute("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the cache must come back all the same
        db.create("no_such_layer", [point(113.3, 23.1)] * 4, "t")
    assert db._conn().execute("PRAGMA cache_size").fetchone()[0] == before


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
    import layers.store.sqlite.writes as module
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
    import layers.store.sqlite.writes as module
    from layers.store.sqlite import rtree_bulk

    monkeypatch.setattr(module, "BULK_FEATURES", 10)
    db.create("bins", [point(113.3 + i / 10_000, 23.1) for i in range(100)], "seed")  # packs (100 >= 10)
    monkeypatch.setattr(rtree_bulk, "load", lambda *a: pytest.fail("a 20-feature create must not rebuild 100+"))
    created = db.create("bins", [point(113.2 + i / 10_000, 23.2) for i in range(20)], "more")  # 100 > 3 * 20
    assert len(created) == 20
    assert db.query("bins", bbox=(113.19, 23.19, 113.21, 23.21)).total == 20
    assert db._conn().execute("SELECT rtreecheck('cur_rtree'), rtreecheck('hist_rtree')").fetchone() == ("ok", "ok")


def test_a_bulk_create_that_fails_midway_leaves_nothing_and_the_next_one_works(db, monkeypatch):
    import layers.store.sqlite.writes as module

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


def test_a_retired_layer_stays_on_record_with_who_retired_it(db):
    definition = {"id": "analysis_x", "title": {"zh-CN": "结果", "en": "Result"}, "geometry_types": ["Point"],
                  "properties": {}, "rules": {"analysis": {"kind": "gaps"}}}  # fmt: skip
    db.create_layer(definition, "planner")
    db.create("analysis_x", [point(120.0, 30.0)], "planner")
    db.retire_layer("analysis_x", "planner")
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
    import layers.store.sqlite.writes as module
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
