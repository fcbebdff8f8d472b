"""The account tables of the PostGIS store (users, tokens, sessions, login attempts, audit log)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import psycopg
from psycopg.types.json import Jsonb

from layers.store import LoginCounters, UserExists, public_session_id
from layers.store.postgis.reading import no_nul

_USER_COLS = "u.id, u.name, u.display_name, u.role, u.grid_codes, u.area, u.disabled, u.created_at, u.updated_at"
_TOKEN_COLS = "t.id, t.user_id, t.label, t.created_at, t.last_used_at, t.revoked_at"
LAST_USED_RESOLUTION_US = 60_000_000  # token use is recorded at most once a minute
_USER_KEYS = ("id", "name", "display_name", "role", "grid_codes", "area", "disabled", "created_at", "updated_at")
_TOKEN_KEYS = ("id", "user_id", "label", "created_at", "last_used_at", "revoked_at")


def _user(row: tuple) -> dict:
    user = dict(zip(_USER_KEYS, row))
    user["grid_codes"] = list(user["grid_codes"])
    user["disabled"] = bool(user["disabled"])
    user["display_name"] = user["display_name"] or user["name"]
    return user


def _token(row: tuple) -> dict:
    return dict(zip(_TOKEN_KEYS, row))


class AccountsMixin:
    """Mixed into :class:`~layers.store.postgis.store.PostGISStore` (``_db`` and ``now`` come from it)."""

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
        try:
            with self._db.write() as conn:
                conn.execute(
                    "INSERT INTO app_user (name, display_name, role, password_hash, grid_codes, area, created_at,"
                    " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (name, display_name, role, password_hash, Jsonb(list(grid_codes)), area, now, now),
                )
                detail = {"role": role, "grid_codes": list(grid_codes)} | ({"area": area} if area else {})
                self._audit(conn, actor, "user.create", name, detail, "")
        except psycopg.errors.UniqueViolation:
            raise UserExists(name) from None
        return self.user(name)

    def user(self, name: str) -> dict | None:
        name = no_nul(name)
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {_USER_COLS}, u.password_hash FROM app_user u WHERE u.name = %s", (name,)
            ).fetchone()
        if row is None:
            return None
        return _user(row[:-1]) | {"password_hash": row[-1]}

    def users(self) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(f"SELECT {_USER_COLS} FROM app_user u ORDER BY u.name").fetchall()
        return [_user(r) for r in rows]

    def update_user(self, name: str, changes: dict) -> dict:
        name = no_nul(name)
        allowed = {"display_name", "role", "grid_codes", "area", "disabled", "password_hash"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
        with self._db.write() as conn:
            row = conn.execute("SELECT id FROM app_user WHERE name = %s", (name,)).fetchone()
            if row is None:
                raise KeyError(name)
            values = {
                k: (Jsonb(list(v)) if k == "grid_codes" else bool(v) if k == "disabled" else v)
                for k, v in changes.items()
            }
            if values:
                assignments = ", ".join(f"{k} = %s" for k in values)  # keys checked against `allowed`
                conn.execute(
                    f"UPDATE app_user SET {assignments}, updated_at = %s WHERE id = %s",
                    [*values.values(), self.now(), row[0]],
                )
            if {"role", "password_hash", "disabled"} & set(changes):
                conn.execute("DELETE FROM session WHERE user_id = %s", (row[0],))
        return self.user(name)

    def add_token(self, user_id: int, label: str, token_hash: str) -> dict:
        with self._db.write() as conn:
            token_id = conn.execute(
                "INSERT INTO token (user_id, label, token_hash, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
                (user_id, label, token_hash, self.now()),
            ).fetchone()[0]
        return next(t for t in self.tokens(user_id) if t["id"] == token_id)

    def token_user(self, token_hash: str) -> tuple[dict, dict] | None:
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT {_TOKEN_COLS}, {_USER_COLS} FROM token t JOIN app_user u ON u.id = t.user_id"
                " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND NOT u.disabled",
                (token_hash,),
            ).fetchone()
        if row is None:
            return None
        token, user = _token(row[:6]), _user(row[6:])
        now = self.now()
        if token["last_used_at"] is None or now - token["last_used_at"] > LAST_USED_RESOLUTION_US:
            with self._db.write() as conn:
                conn.execute("UPDATE token SET last_used_at = %s WHERE id = %s", (now, token["id"]))
        return token, user

    def tokens(self, user_id: int | None = None) -> list[dict]:
        query = f"SELECT {_TOKEN_COLS}, u.name FROM token t JOIN app_user u ON u.id = t.user_id"
        with self._db.read() as conn:
            rows = conn.execute(
                query + (" WHERE t.user_id = %s" if user_id is not None else "") + " ORDER BY t.id",
                (user_id,) if user_id is not None else (),
            ).fetchall()
        return [_token(r[:6]) | {"user": r[6]} for r in rows]

    def revoke_token(self, token_id: int) -> dict | None:
        with self._db.write() as conn:
            conn.execute(
                "UPDATE token SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL", (self.now(), token_id)
            )
        return next((t for t in self.tokens() if t["id"] == token_id), None)

    def revoke_tokens(self, user_id: int) -> list[int]:
        with self._db.write() as conn:
            rows = conn.execute(
                "UPDATE token SET revoked_at = %s WHERE user_id = %s AND revoked_at IS NULL RETURNING id",
                (self.now(), user_id),
            ).fetchall()
        return sorted(r[0] for r in rows)

    def create_session(
        self, session_hash: str, user_id: int, csrf: str, expires_at: int, *, ip: str = "", agent: str = ""
    ) -> None:
        now = self.now()
        with self._db.write() as conn:
            conn.execute("DELETE FROM session WHERE expires_at < %s", (now,))
            conn.execute(
                "INSERT INTO session (id_hash, user_id, csrf, created_at, expires_at, ip, agent)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (session_hash, user_id, csrf, now, expires_at, no_nul(ip[:100]), no_nul(agent[:200])),
            )

    def sessions(self, user_id: int) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT id_hash, created_at, expires_at, ip, agent FROM session"
                " WHERE user_id = %s AND expires_at > %s ORDER BY created_at DESC, id_hash",
                (user_id, self.now()),
            ).fetchall()
        keys = ("created_at", "expires_at", "ip", "agent")
        return [{"id": public_session_id(r[0])} | dict(zip(keys, r[1:])) for r in rows]

    def end_sessions(self, user_id: int, session_id: str | None = None) -> int:
        with self._db.write() as conn:
            hashes = [r[0] for r in conn.execute("SELECT id_hash FROM session WHERE user_id = %s", (user_id,))]
            doomed = [h for h in hashes if session_id is None or public_session_id(h) == session_id]
            for h in doomed:
                conn.execute("DELETE FROM session WHERE id_hash = %s", (h,))
        return len(doomed)

    def session_user(self, session_hash: str) -> tuple[dict, dict] | None:
        with self._db.read() as conn:
            row = conn.execute(
                f"SELECT s.csrf, s.created_at, s.expires_at, {_USER_COLS}"
                " FROM session s JOIN app_user u ON u.id = s.user_id"
                " WHERE s.id_hash = %s AND s.expires_at > %s AND NOT u.disabled",
                (session_hash, self.now()),
            ).fetchone()
        if row is None:
            return None
        return {"csrf": row[0], "created_at": row[1], "expires_at": row[2]}, _user(row[3:])

    def delete_session(self, session_hash: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM session WHERE id_hash = %s", (session_hash,))

    def record_login(self, name: str, ip: str, ok: bool) -> None:
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO login_attempt (name, ip, at, ok) VALUES (%s, %s, %s, %s)",
                (no_nul(name[:100]), no_nul(ip), self.now(), bool(ok)),
            )

    def login_counters(self, name: str, ip: str, *, since: int) -> LoginCounters:
        name, ip = no_nul(name[:100]), no_nul(ip)
        with self._db.read() as conn:
            last_ok = conn.execute(
                "SELECT max(at) FROM login_attempt WHERE name = %s AND ip = %s AND ok", (name, ip)
            ).fetchone()[0]
            pair = conn.execute(
                "SELECT count(*), max(at) FROM login_attempt"
                " WHERE name = %s AND ip = %s AND NOT ok AND at >= %s AND at > %s",
                (name, ip, since, last_ok if last_ok is not None else -1),
            ).fetchone()
            by_ip = conn.execute(
                "SELECT count(*), max(at) FROM login_attempt WHERE ip = %s AND NOT ok AND at >= %s", (ip, since)
            ).fetchone()
        return LoginCounters(pair[0], pair[1], by_ip[0], by_ip[1], last_ok is not None)

    def take_rate_slot(self, scope: str, key: str, limit: int, window_us: int) -> bool:
        now, scope, key = self.now(), no_nul(scope), no_nul(key)
        with self._db.write() as conn:  # the store's write lock: the count and the insert see no other writer
            conn.execute("DELETE FROM rate_event WHERE scope = %s AND key = %s AND at <= %s",
                         (scope, key, now - window_us))  # fmt: skip
            taken = conn.execute("SELECT count(*) FROM rate_event WHERE scope = %s AND key = %s", (scope, key))
            if taken.fetchone()[0] >= limit:
                return False
            conn.execute("INSERT INTO rate_event VALUES (%s, %s, %s)", (scope, key, now))
            return True

    def audit(self, actor: str, action: str, target: str, detail: dict | None = None, ip: str = "") -> None:
        with self._db.write() as conn:
            self._audit(conn, actor, action, target, detail or {}, ip)

    def _audit(self, conn, actor: str, action: str, target: str, detail: dict, ip: str) -> None:
        conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail, ip) VALUES (%s, %s, %s, %s, %s, %s)",
            (self.now(), actor, action, target, json.dumps(detail, ensure_ascii=False), ip),
        )

    def audit_log(self, limit: int = 200) -> list[dict]:
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT at, actor, action, target, detail, ip FROM audit ORDER BY id DESC LIMIT %s", (limit,)
            ).fetchall()
        return [dict(zip(("at", "actor", "action", "target", "detail", "ip"), r)) for r in rows]
