"""The inspection tables of the PostGIS store: versioned checklists, rounds with their sampled items, and the
answers sent from the phones (one per item, enforced by a unique key)."""

from __future__ import annotations

import json

import psycopg

from layers.store.inspections import AnswerExists

_ROUND = ["id", "area", "checklist", "checklist_version", "mode", "seed", "status", "created_by", "created_at",
          "closed_at", "design"]  # fmt: skip
_ITEM = ["item", "kind", "stratum", "cell", "weight", "geometry", "ref", "inspector", "seq"]
_ANSWER = ["id", "round_id", "item", "answer_values", "lon", "lat", "taken_at", "distance_m", "flags", "photo_id",
           "author", "received_at"]  # fmt: skip
_ROUND_SQL = f"SELECT {', '.join(_ROUND)} FROM inspection_round WHERE id = %s"
_VERSION = "definition, version, valid_from, valid_to, author"


def _answer(row: tuple) -> dict:
    record = dict(zip(_ANSWER, row))
    record["values"] = record.pop("answer_values")
    return record


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _version(row: tuple | None) -> dict | None:
    if row is None:
        return None
    d, v, f, t, a = row
    return d | {"version": v, "valid_from": f, "valid_to": t, "author": a}


class InspectionsMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` and ``_now``)."""

    # -- checklists -------------------------------------------------------------------------------
    def checklists(self) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {_VERSION} FROM checklist_version c WHERE valid_to IS NULL"
                " ORDER BY (SELECT min(id) FROM checklist_version o WHERE o.code = c.code)"
            ).fetchall()
        return [_version(r) for r in rows]

    def checklist(self, code: str, version: int | None = None) -> dict | None:
        query = f"SELECT {_VERSION} FROM checklist_version WHERE code = %s"
        query += " AND valid_to IS NULL" if version is None else " AND version = %s"
        with self._db.read() as conn:
            return _version(conn.execute(query, (code,) if version is None else (code, version)).fetchone())

    def checklist_history(self, code: str) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {_VERSION} FROM checklist_version WHERE code = %s ORDER BY version", (code,)
            ).fetchall()
        return [_version(r) for r in rows]

    def put_checklist(self, definition: dict, author: str, at: int | None = None) -> dict:
        now = self._now(at)
        with self._db.write() as conn:
            current = conn.execute(
                "SELECT id, definition, valid_from, version FROM checklist_version"
                " WHERE code = %s AND valid_to IS NULL FOR UPDATE",
                (definition["code"],),
            ).fetchone()
            version = 1
            if current is not None:
                if current[1] == definition:
                    return self.checklist(definition["code"])
                now, version = max(now, current[2] + 1), current[3] + 1
                conn.execute("UPDATE checklist_version SET valid_to = %s WHERE id = %s", (now, current[0]))
            conn.execute(
                "INSERT INTO checklist_version (code, version, valid_from, author, definition)"
                " VALUES (%s, %s, %s, %s, %s)",
                (definition["code"], version, now, author, _text(definition)),
            )
            return self.checklist(definition["code"])

    def seed_checklists(self, definitions: list[dict], at: int | None = None) -> int:
        with self._db.write() as conn:
            known = {r[0] for r in conn.execute("SELECT DISTINCT code FROM checklist_version")}
            fresh = [d for d in definitions if d["code"] not in known]
            now = self._now(at)
            for d in fresh:
                conn.execute(
                    "INSERT INTO checklist_version (code, version, valid_from, author, definition)"
                    " VALUES (%s, 1, %s, 'system', %s)",
                    (d["code"], now, _text(d)),
                )
        return len(fresh)

    # -- rounds -----------------------------------------------------------------------------------
    def add_round(self, record: dict, items: list[dict]) -> dict:
        with self._db.write() as conn:
            round_id = conn.execute(
                "INSERT INTO inspection_round (area, checklist, checklist_version, mode, seed, status, created_by,"
                " created_at, design) VALUES (%s, %s, %s, %s, %s, 'open', %s, %s, %s) RETURNING id",
                (record["area"], record["checklist"], record["checklist_version"], record["mode"], record["seed"],
                 record["created_by"], self._now(record.get("created_at")), _text(record.get("design") or {})),
            ).fetchone()[0]  # fmt: skip
            if items:
                with conn.cursor() as cur:
                    cur.executemany(
                        f"INSERT INTO inspection_item (round_id, {', '.join(_ITEM)})"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [(round_id, i["item"], i["kind"], i["stratum"], i["cell"], float(i["weight"]),
                          _text(i["geometry"]), _text(i.get("ref") or {}), i.get("inspector"), int(i.get("seq", 0)))
                         for i in items],
                    )  # fmt: skip
            return self.inspection_round(round_id)

    def inspection_round(self, round_id: int) -> dict | None:
        with self._db.read() as conn:
            row = conn.execute(_ROUND_SQL, (round_id,)).fetchone()
            if row is None:
                return None
            items = conn.execute(
                f"SELECT {', '.join(_ITEM)} FROM inspection_item WHERE round_id = %s ORDER BY item", (round_id,)
            ).fetchall()
        return dict(zip(_ROUND, row)) | {"items": [dict(zip(_ITEM, r)) for r in items]}

    def inspection_rounds(self) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT {', '.join(_ROUND)} FROM inspection_round ORDER BY id DESC").fetchall()
        return [dict(zip(_ROUND, r)) for r in rows]

    def close_round(self, round_id: int, at: int | None = None) -> dict:
        with self._db.write() as conn:
            conn.execute(
                "UPDATE inspection_round SET status = 'closed', closed_at = %s WHERE id = %s AND status = 'open'",
                (self._now(at), round_id),
            )
            row = conn.execute(_ROUND_SQL, (round_id,)).fetchone()
        if row is None:
            raise KeyError(round_id)
        return dict(zip(_ROUND, row))

    # -- answers ----------------------------------------------------------------------------------
    def add_answer(self, round_id: int, record: dict) -> dict:
        with self._db.write() as conn:
            if conn.execute(
                "SELECT 1 FROM inspection_answer WHERE round_id = %s AND item = %s", (round_id, record["item"])
            ).fetchone():
                raise AnswerExists(round_id, record["item"])
            try:
                row = conn.execute(
                    "INSERT INTO inspection_answer (round_id, item, answer_values, lon, lat, taken_at, distance_m,"
                    " flags, photo_id, author, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    f" RETURNING {', '.join(_ANSWER)}",
                    (round_id, record["item"], _text(record["values"]), record.get("lon"), record.get("lat"),
                     record.get("taken_at"), record.get("distance_m"), _text(record.get("flags") or []),
                     record.get("photo_id"), record["author"], self._now(record.get("received_at"))),
                ).fetchone()  # fmt: skip
            except psycopg.errors.UniqueViolation:
                raise AnswerExists(round_id, record["item"]) from None
            return _answer(row)

    def round_answers(self, round_id: int) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(_ANSWER)} FROM inspection_answer WHERE round_id = %s ORDER BY item", (round_id,)
            ).fetchall()
        return [_answer(r) for r in rows]
