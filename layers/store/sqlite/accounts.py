"""The account tables of the SQLite store (users, tokens, sessions, login attempts, audit log)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from layers.store import LoginCounters, UserExists, public_session_id

ACCOUNT_SCHEMA = """
CREATE TABLE IF NOT EXISTS user (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT,
    role TEXT NOT NULL,
    password_hash TEXT,
    grid_codes TEXT NOT NULL DEFAULT '[]',
    area TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS token (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS session (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user(id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS session_user ON session(user_id);
CREATE TABLE IF NOT EXISTS login_attempt (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempt_name ON login_attempt(name, at);
CREATE INDEX IF NOT EXISTS login_attempt_pair ON login_attempt(name, ip, at);
CREATE INDEX IF NOT EXISTS login_attempt_ip ON login_attempt(ip, at);
CREATE TABLE IF NOT EXISTS rate_event (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_event_key ON rate_event(scope, key, at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    ip TEXT NOT NULL DEFAULT ''
);
"""
_USER_COLS = "u.id, u.name, u.display_name, u.role, u.grid_codes, u.area, u.disabled, u.created_at, u.updated_at"
_TOKEN_COLS = "t.id, t.user_id, t.label, t.created_at, t.last_used_at, t.revoked_at"
LAST_USED_RESOLUTION_US = 60_000_000  # token use is recorded at most once a minute


def migrate_account_tables(conn: sqlite3.Connection) -> None:
    """Columns added to the account tables since they were first created: where a session started."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(session)")}
    if "ip" not in columns:
        conn.execute("ALTER TABLE session ADD COLUMN ip TEXT NOT NULL DEFAULT ''")
        conn.execute("ALTER TABLE session ADD COLUMN agent TEXT NOT NULL DEFAULT ''")


def _user(row: tuple) -> dict:
    keys = ("id", "name", "display_name", "role", "grid_codes", "area", "disabled", "created_at", "updated_at")
    user = dict(zip(keys, row))
    user["grid_codes"] = json.loads(user["grid_codes"])
    user["disabled"] = bool(user["disabled"])
    user["display_name"] = user["display_name"] or user["name"]
    return user


def migrate_user_table(conn: sqlite3.Connection) -> None:
    """Columns added to ``user`` since it was first created: the area an account is scoped to."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(user)")}
    if "area" not in columns:
        conn.execute("ALTER TABLE user ADD COLUMN area TEXT")


def _token(row: tuple) -> dict:
    return dict(zip(("id", "user_id", "label", "created_at", "last_used_at", "revoked_at"), row))


class SQLiteAccounts:
    """Mixed into :class:`layers.store.sqlite.store.SQLiteStore`; uses its ``_conn``, ``_write`` and ``now``."""

    def create_user(
        self,
        name: str,
        role: str,
        password_hash: str | None,
        *,
        display_name: str | None = None,
        grid_codes: Sequence[str] = (),
        area: str | None = None,
        actor: str = "system",
    ) -> dict:
        now = self.now()
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO user (name, display_name, role, password_hash, grid_codes, area, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, display_name, role, password_hash, json.dumps(list(grid_codes)), area, now, now),
                )
            except sqlite3.IntegrityError:
                raise UserExists(name) from None
            detail = {"role": role, "grid_codes": list(grid_codes)} | ({"area": area} if area else {})
            self._audit(conn, actor, "user.create", name, detail, "")
        return self.user(name)

    def user(self, name: str) -> dict | None:
        row = (
            self._conn()
            .execute(f"SELECT {_USER_COLS}, u.password_hash FROM user u WHERE u.name = ?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        user = _user(row[:-1])
        user["password_hash"] = row[-1]
        return user

    def users(self) -> list[dict]:
        rows = self._conn().execute(f"SELECT {_USER_COLS} FROM user u ORDER BY u.name").fetchall()
        return [_user(r) for r in rows]

    def update_user(self, name: str, changes: dict) -> dict:
        allowed = {"display_name", "role", "grid_codes", "area", "disabled", "password_hash"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
        with self._write() as conn:
            row = conn.execute("SELECT id FROM user WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise KeyError(name)
            values = {
                k: (json.dumps(v) if k == "grid_codes" else int(v) if k == "disabled" else v)
                for k, v in changes.items()
            }
            if values:
                assignments = ", ".join(f"{k} = ?" for k in values)  # keys checked against `allowed`
                conn.execute(
                    f"UPDATE user SET {assignments}, updated_at = ? WHERE id = ?",
                    [*values.values(), self.now(), row[0]],
                )
            if {"role", "password_hash", "disabled"} & set(changes):
                conn.execute("DELETE FROM session WHERE user_id = ?", (row[0],))
        return self.user(name)

    def add_token(self, user_id: int, label: str, token_hash: str) -> dict:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO token (user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?)",
                (user_id, label, token_hash, self.now()),
            )
            token_id = cur.lastrowid
        return next(t for t in self.tokens(user_id) if t["id"] == token_id)

    def token_user(self, token_hash: str) -> tuple[dict, dict] | None:
        conn = self._conn()
        row = conn.execute(
            f"SELECT {_TOKEN_COLS}, {_USER_COLS} FROM token t JOIN user u ON u.id = t.user_id"
            " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0",
            (token_hash,),
        ).fetchone()
        if row is None:
            return None
        token, user = _token(row[:6]), _user(row[6:])
        now = self.now()
        if token["last_used_at"] is None or now - token["last_used_at"] > LAST_USED_RESOLUTION_US:
            with self._write() as wconn:
                wconn.execute("UPDATE token SET last_used_at = ? WHERE id = ?", (now, token["id"]))
        return token, user

    def tokens(self, user_id: int | None = None) -> list[dict]:
        sql = f"SELECT {_TOKEN_COLS}, u.name FROM token t JOIN user u ON u.id = t.user_id"
        rows = (
            self._conn()
            .execute(
                sql + (" WHERE t.user_id = ?" if user_id is not None else "") + " ORDER BY t.id",
                (user_id,) if user_id is not None else (),
            )
            .fetchall()
        )
        return [_token(r[:6]) | {"user": r[6]} for r in rows]

    def revoke_token(self, token_id: int) -> dict | None:
        with self._write() as conn:
            conn.execute("UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (self.now(), token_id))
        return next((t for t in self.tokens() if t["id"] == token_id), None)

    def revoke_tokens(self, user_id: int) -> list[int]:
        now = self.now()
        with self._write() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM token WHERE user_id = ? AND revoked_at IS NULL ORDER BY id", (user_id,))]
            conn.execute("UPDATE token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", (now, user_id))
        return ids

    def create_session(
        self, session_hash: str, user_id: int, csrf: str, expires_at: int, *, ip: str = "", agent: str = ""
    ) -> None:
        now = self.now()
        with self._write() as conn:
            conn.execute("DELETE FROM session WHERE expires_at < ?", (now,))
            conn.execute(
                "INSERT INTO session (id_hash, user_id, csrf, created_at, expires_at, ip, agent)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_hash, user_id, csrf, now, expires_at, ip[:100], agent[:200]),
            )

    def sessions(self, user_id: int) -> list[dict]:
        rows = self._conn().execute(
            "SELECT id_hash, created_at, expires_at, ip, agent FROM session"
            " WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id_hash",
            (user_id, self.now()),
        ).fetchall()
        keys = ("created_at", "expires_at", "ip", "agent")
        return [{"id": public_session_id(r[0])} | dict(zip(keys, r[1:])) for r in rows]

    def end_sessions(self, user_id: int, session_id: str | None = None) -> int:
        with self._write() as conn:
            hashes = [r[0] for r in conn.execute("SELECT id_hash FROM session WHERE user_id = ?", (user_id,))]
            doomed = [h for h in hashes if session_id is None or public_session_id(h) == session_id]
            conn.executemany("DELETE FROM session WHERE id_hash = ?", [(h,) for h in doomed])
        return len(doomed)

    def session_user(self, session_hash: str) -> tuple[dict, dict] | None:
        row = (
            self._conn()
            .execute(
                f"SELECT s.csrf, s.created_at, s.expires_at, {_USER_COLS}"
                " FROM session s JOIN user u ON u.id = s.user_id"
                " WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0",
                (session_hash, self.now()),
            )
            .fetchone()
        )
        if row is None:
            return None
        return {"csrf": row[0], "created_at": row[1], "expires_at": row[2]}, _user(row[3:])

    def delete_session(self, session_hash: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM session WHERE id_hash = ?", (session_hash,))

    def record_login(self, name: str, ip: str, ok: bool) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO login_attempt (name, ip, at, ok) VALUES (?, ?, ?, ?)",
                (name[:100], ip, self.now(), int(ok)),
            )

    def login_counters(self, name: str, ip: str, *, since: int) -> LoginCounters:
        name = name[:100]
        conn = self._conn()
        last_ok = conn.execute(
            "SELECT max(at) FROM login_attempt WHERE name = ? AND ip = ? AND ok = 1", (name, ip)
        ).fetchone()[0]
        pair = conn.execute(
            "SELECT count(*), max(at) FROM login_attempt WHERE name = ? AND ip = ? AND ok = 0 AND at >= ? AND at > ?",
            (name, ip, since, last_ok if last_ok is not None else -1),
        ).fetchone()
        by_ip = conn.execute(
            "SELECT count(*), max(at) FROM login_attempt WHERE ip = ? AND ok = 0 AND at >= ?", (ip, since)
        ).fetchone()
        return LoginCounters(pair[0], pair[1], by_ip[0], by_ip[1], last_ok is not None)

    def take_rate_slot(self, scope: str, key: str, limit: int, window_us: int) -> bool:
        now = self.now()
        with self._write() as conn:  # BEGIN IMMEDIATE: the count and the insert see no other writer
            conn.execute("DELETE FROM rate_event WHERE scope = ? AND key = ? AND at <= ?",
                         (scope, key, now - window_us))  # fmt: skip
            taken = conn.execute("SELECT count(*) FROM rate_event WHERE scope = ? AND key = ?", (scope, key))
            if taken.fetchone()[0] >= limit:
                return False
            conn.execute("INSERT INTO rate_event VALUES (?, ?, ?)", (scope, key, now))
            return True

    def audit(self, actor: str, action: str, target: str, detail: dict | None = None, ip: str = "") -> None:
        with self._write() as conn:
            self._audit(conn, actor, action, target, detail or {}, ip)

    def _audit(self, conn, actor: str, action: str, target: str, detail: dict, ip: str) -> None:
        conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?)",
            (self.now(), actor, action, target, json.dumps(detail, ensure_ascii=False), ip),
        )

    def audit_log(self, limit: int = 200) -> list[dict]:
        rows = (
            self._conn()
            .execute("SELECT at, actor, action, target, detail, ip FROM audit ORDER BY id DESC LIMIT ?", (limit,))
            .fetchall()
        )
        return [
            dict(zip(("at", "actor", "action", "target", "detail", "ip"), r[:4] + (json.loads(r[4]), r[5])))
            for r in rows
        ]
