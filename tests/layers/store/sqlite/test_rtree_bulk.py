"""The R*Tree bulk loader writes exactly what SQLite's own inserts would store, in a tree SQLite checks
as valid (``rtreecheck``), answers every query the same, and keeps working with ordinary writes."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from layers.store.sqlite import rtree_bulk


def _tree(conn: sqlite3.Connection, name: str) -> None:
    conn.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, minx, maxx, miny, maxy)")


def _boxes(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)
    w = rng.exponential(0.02, n) * (rng.random(n) < 0.4)  # points and small extents
    ids = rng.permutation(np.arange(1, 4 * n + 2))[:n]
    return ids, np.stack([x, x + w, y, y + w * 0.7], axis=1)


def _query(conn, name, box):
    minx, maxx, miny, maxy = box
    return conn.execute(
        f"SELECT id FROM {name} WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ? ORDER BY id",
        (maxx, minx, maxy, miny),
    ).fetchall()


@pytest.mark.parametrize("n", [0, 1, 50, 51, 52, 2601, 2602, 140_000])
def test_bulk_load_stores_what_inserts_store_and_answers_the_same(n):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _tree(conn, "inserted")
    _tree(conn, "packed")
    ids, boxes = _boxes(n)
    conn.executemany("INSERT INTO inserted VALUES (?, ?, ?, ?, ?)", zip(ids.tolist(), *boxes.T.tolist()))
    conn.execute("BEGIN")
    rtree_bulk.load(conn, "packed", ids, boxes)
    conn.execute("COMMIT")
    assert conn.execute("SELECT rtreecheck('packed')").fetchone()[0] == "ok"
    assert rtree_bulk.entries(conn, "packed") == n
    # Same float32 values, rounded outwards exactly as SQLite rounds them.
    assert conn.execute("SELECT * FROM packed ORDER BY id").fetchall() == conn.execute(
        "SELECT * FROM inserted ORDER BY id"
    ).fetchall()
    rng = np.random.default_rng(n)
    for _ in range(100):
        qx, qy, size = rng.uniform(-180, 180), rng.uniform(-90, 90), rng.uniform(0, 30)
        box = (qx, qx + size, qy, qy + size / 2)
        assert _query(conn, "packed", box) == _query(conn, "inserted", box)
    # A packed tree has full nodes: a million entries fit in far fewer nodes than inserts leave.
    if n > 2602:
        packed_nodes = conn.execute("SELECT count(*) FROM packed_node").fetchone()[0]
        inserted_nodes = conn.execute("SELECT count(*) FROM inserted_node").fetchone()[0]
        assert packed_nodes < inserted_nodes
        depth = conn.execute("SELECT hex(substr(data, 1, 2)) FROM packed_node WHERE nodeno = 1").fetchone()[0]
        assert int(depth, 16) == 3  # 140,000 > 51**3: 2,745 leaves, 54 and 2 branches, the root


def test_ordinary_writes_after_a_bulk_load_keep_the_tree_valid(tmp_path):
    path = tmp_path / "t.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    _tree(conn, "r")
    ids, boxes = _boxes(20_000)
    # The tree is used (reads and writes) before the load, so SQLite holds state about it.
    conn.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?)", zip(ids[:500].tolist(), *boxes[:500].T.tolist()))
    assert _query(conn, "r", (-180, 180, -90, 90))
    other = sqlite3.connect(path, isolation_level=None)
    assert len(_query(other, "r", (-180, 180, -90, 90))) == 500
    conn.execute("BEGIN IMMEDIATE")
    old_ids, old_boxes = rtree_bulk.read_all(conn, "r")
    assert sorted(old_ids.tolist()) == sorted(ids[:500].tolist())
    rtree_bulk.load(conn, "r", np.concatenate([old_ids, ids[500:]]), np.concatenate([old_boxes, boxes[500:]]))
    conn.execute("COMMIT")
    assert len(_query(other, "r", (-180, 180, -90, 90))) == 20_000  # a second connection sees the new tree
    conn.execute("BEGIN")
    for i in range(3000):
        conn.execute("DELETE FROM r WHERE id = ?", (int(ids[i]),))
        conn.execute("INSERT INTO r VALUES (?, 1, 2, 3, 4)", (10**9 + i,))
        conn.execute("UPDATE r SET minx = -5, maxx = -4 WHERE id = ?", (int(ids[3000 + i]),))
    conn.execute("COMMIT")
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM r").fetchone()[0] == 20_000
    assert len(_query(other, "r", (-5, -4, -90, 90))) >= 3000


def test_a_failed_load_inside_a_transaction_leaves_the_old_tree():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _tree(conn, "r")
    conn.execute("INSERT INTO r VALUES (1, 0, 1, 0, 1)")
    ids, boxes = _boxes(1000)
    conn.execute("BEGIN")
    rtree_bulk.load(conn, "r", ids, boxes)
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT * FROM r").fetchall() == [(1, 0.0, 1.0, 0.0, 1.0)]
    assert conn.execute("SELECT rtreecheck('r')").fetchone()[0] == "ok"


@pytest.mark.parametrize(
    ("ids", "boxes", "message"),
    [
        ([1, 1], [[0, 1, 0, 1], [2, 3, 2, 3]], "unique"),
        ([1], [[float("nan"), 1, 0, 1]], "finite"),
        ([1], [[2, 1, 0, 1]], "min <= max"),
        ([1, 2], [[0, 1, 0, 1]], "2 ids for 1 boxes"),
    ],
)
def test_bad_entries_are_refused_before_anything_is_written(ids, boxes, message):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _tree(conn, "r")
    conn.execute("INSERT INTO r VALUES (9, 0, 1, 0, 1)")
    with pytest.raises(ValueError, match=message):
        rtree_bulk.load(conn, "r", np.array(ids), np.array(boxes, dtype=float))
    assert conn.execute("SELECT id FROM r").fetchall() == [(9,)]


def test_table_names_are_checked():
    conn = sqlite3.connect(":memory:")
    with pytest.raises(ValueError, match="not an R\\*Tree table name"):
        rtree_bulk.entries(conn, "r; DROP TABLE x")


@pytest.mark.parametrize("value", [0.1, -0.1, 113.123456789, -33.8688, 1e-30, -1e30, 0.0, 16777217.0])
def test_rounding_is_outwards_like_sqlite(value):
    conn = sqlite3.connect(":memory:")
    _tree(conn, "r")
    conn.execute("INSERT INTO r VALUES (1, ?, ?, ?, ?)", (value, value, value, value))
    stored = conn.execute("SELECT minx, maxx FROM r").fetchone()
    low, high = rtree_bulk.round_down(np.array([value]))[0], rtree_bulk.round_up(np.array([value]))[0]
    assert (float(low), float(high)) == stored
    assert float(low) <= value <= float(high)
