"""The inspection tables of the SQLite store: versioned checklists, rounds with their sampled items, and the
answers sent from the phones (one per item, enforced by the primary key)."""

from __future__ import annotations

import json
import sqlite3

from layers.store.inspections import AnswerExists

INSPECTION_SCHEMA = """
CREATE TABLE IF NOT EXISTS checklist_version (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    author TEXT NOT NULL,
    definition TEXT NOT NULL,
    UNIQUE (code, version)
);
CREATE TABLE IF NOT EXISTS inspection_round (
    id INTEGER PRIMARY KEY,
    area TEXT NOT NULL,
    checklist TEXT NOT NULL,
    checklist_version INTEGER NOT NULL,
    mode TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    design TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inspection_item (
    round_id INTEGER NOT NULL REFERENCES inspection_round(id),
    item INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stratum TEXT NOT NULL,
    cell TEXT NOT NULL,
    weight REAL NOT NULL,
    geometry TEXT NOT NULL,
    ref TEXT NOT NULL,
    inspector TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (round_id, item)
);
CREATE TABLE IF NOT EXISTS inspection_answer (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL,
    item INTEGER NOT NULL,
    answer_values TEXT NOT NULL,
    lon REAL,
    lat REAL,
    taken_at TEXT,
    distance_m REAL,
    flags TEXT NOT NULL,
    photo_id INTEGER,
    author TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (round_id, item),
    FOREIGN KEY (round_id, item) REFERENCES inspection_item(round_id, item)
);
"""

_ROUND = "id, area, checklist, checklist_version, mode, seed, status, created_by, created_at, closed_at, design"
_ITEM = "item, kind, stratum, cell, weight, geometry, ref, inspector, seq"
_ANSWER = "id, round_id, item, answer_values, lon, lat, taken_at, distance_m, flags, photo_id, author, received_at"


def _round(row: tuple) -> dict:
    record = dict(zip([c.strip() for c in _ROUND.split(",")], row))
    record["design"] = json.loads(record["design"])
    return record


def _item(row: tuple) -> dict:
    record = dict(zip([c.strip() for c in _ITEM.split(",")], row))
    record["geometry"], record["ref"] = json.loads(record["geometry"]), json.loads(record["ref"])
    return record


def _answer(row: tuple) -> dict:
    record = dict(zip([c.strip() for c in _ANSWER.split(",")], row))
    record["values"] = json.loads(record.pop("answer_values"))
    record["flags"] = json.loads(record["flags"])
    return record


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SQLiteInspections:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (``_conn``, ``_write`` and ``_now``)."""

    # -- checklists -------------------------------------------------------------------------------
    def checklists(self) -> list[dict]:
        rows = (
            self._conn()
            .execute(
                "SELECT definition, version, valid_from, valid_to, author FROM checklist_version"
                " WHERE valid_to IS NULL ORDER BY (SELECT min(id) FROM checklist_version c WHERE c.code ="
                " checklist_version.code)"
            )
            .fetchall()
        )
        return [json.loads(d) | {"version": v, "valid_from": f, "valid_to": t, "author": a} for d, v, f, t, a in rows]

    def checklist(self, code: str, version: int | None = None) -> dict | None:
        sql = "SELECT definition, version, valid_from, valid_to, author FROM checklist_version WHERE code = ?"
        sql += " AND valid_to IS NULL" if version is None else " AND version = ?"
        row = self._conn().execute(sql, (code,) if version is None else (code, version)).fetchone()
        if row is None:
            return None
        d, v, f, t, a = row
        return json.loads(d) | {"version": v, "valid_from": f, "valid_to": t, "author": a}

    def checklist_history(self, code: str) -> list[dict]:
        rows = (
            self._conn()
            .execute(
                "SELECT definition, version, valid_from, valid_to, author FROM checklist_version WHERE code = ?"
                " ORDER BY version",
                (code,),
            )
            .fetchall()
        )
        return [json.loads(d) | {"version": v, "valid_from": f, "valid_to": t, "author": a} for d, v, f, t, a in rows]

    def put_checklist(self, definition: dict, author: str, at: int | None = None) -> dict:
        now = self._now(at)
        with self._write() as conn:
            current = conn.execute(
                "SELECT id, definition, valid_from, version FROM checklist_version WHERE code = ? AND valid_to IS NULL",
                (definition["code"],),
            ).fetchone()
            version = 1
            if current is not None:
                if json.loads(current[1]) == definition:
                    return self.checklist(definition["code"])
                now, version = max(now, current[2] + 1), current[3] + 1
                conn.execute("UPDATE checklist_version SET valid_to = ? WHERE id = ?", (now, current[0]))
            conn.execute(
                "INSERT INTO checklist_version (code, version, valid_from, author, definition) VALUES (?, ?, ?, ?, ?)",
                (definition["code"], version, now, author, _text(definition)),
            )
            return self.checklist(definition["code"])

    def seed_checklists(self, definitions: list[dict], at: int | None = None) -> int:
        with self._write() as conn:
            known = {r[0] for r in conn.execute("SELECT DISTINCT code FROM checklist_version")}
            fresh = [d for d in definitions if d["code"] not in known]
            now = self._now(at)
            conn.executemany(
                "INSERT INTO checklist_version (code, version, valid_from, author, definition)"
                " VALUES (?, 1, ?, 'system', ?)",
                [(d["code"], now, _text(d)) for d in fresh],
            )
        return len(fresh)

    # -- rounds -----------------------------------------------------------------------------------
    def add_round(self, record: dict, items: list[dict]) -> dict:
        with self._write() as conn:
            round_id = conn.execute(
                "INSERT INTO inspection_round (area, checklist, checklist_version, mode, seed, status, created_by,"
                " created_at, design) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
                (record["area"], record["checklist"], record["checklist_version"], record["mode"], record["seed"],
                 record["created_by"], self._now(record.get("created_at")), _text(record.get("design") or {})),
            ).fetchone()[0]  # fmt: skip
            conn.executemany(
                f"INSERT INTO inspection_item (round_id, {_ITEM}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(round_id, i["item"], i["kind"], i["stratum"], i["cell"], float(i["weight"]), _text(i["geometry"]),
                  _text(i.get("ref") or {}), i.get("inspector"), int(i.get("seq", 0))) for i in items],
            )  # fmt: skip
            return self.inspection_round(round_id)

    def inspection_round(self, round_id: int) -> dict | None:
        conn = self._conn()
        row = conn.execute(f"SELECT {_ROUND} FROM inspection_round WHERE id = ?", (round_id,)).fetchone()
        if row is None:
            return None
        items = conn.execute(
            f"SELECT {_ITEM} FROM inspection_item WHERE round_id = ? ORDER BY item", (round_id,)
        ).fetchall()
        return _round(row) | {"items": [_item(r) for r in items]}

    def inspection_rounds(self) -> list[dict]:
        rows = self._conn().execute(f"SELECT {_ROUND} FROM inspection_round ORDER BY id DESC").fetchall()
        return [_round(r) for r in rows]

    def close_round(self, round_id: int, at: int | None = None) -> dict:
        with self._write() as conn:
            conn.execute(
                "UPDATE inspection_round SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
                (self._now(at), round_id),
            )
            row = conn.execute(f"SELECT {_ROUND} FROM inspection_round WHERE id = ?", (round_id,)).fetchone()
        if row is None:
            raise KeyError(round_id)
        return _round(row)

    # -- answers ----------------------------------------------------------------------------------
    def add_answer(self, round_id: int, record: dict) -> dict:
        with self._write() as conn:
            try:
                answer_id = conn.execute(
                    "INSERT INTO inspection_answer (round_id, item, answer_values, lon, lat, taken_at, distance_m,"
                    " flags, photo_id, author, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (round_id, record["item"], _text(record["values"]), record.get("lon"), record.get("lat"),
                     record.get("taken_at"), record.get("distance_m"), _text(record.get("flags") or []),
                     record.get("photo_id"), record["author"], self._now(record.get("received_at"))),
                ).fetchone()[0]  # fmt: skip
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" in str(exc):
                    raise AnswerExists(round_id, record["item"]) from None
                raise
            row = conn.execute(f"SELECT {_ANSWER} FROM inspection_answer WHERE id = ?", (answer_id,)).fetchone()
            return _answer(row)

    def round_answers(self, round_id: int) -> list[dict]:
        rows = (
            self._conn()
            .execute(f"SELECT {_ANSWER} FROM inspection_answer WHERE round_id = ? ORDER BY item", (round_id,))
            .fetchall()
        )
        return [_answer(r) for r in rows]
