"""An import session's record and lifecycle, kept by the store (``ImportSessionStore``) so that every app process
on one database sees it: the upload as sent is a blob, the record holds the owner, options, status, result and
the blob keys; visible only to its owner and to administrators, deleted once it expires. The few most recent
sessions stay in this process's memory with what was read and evaluated (re-read when another process changed
their options)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from layers.errors import Detail, NotFound
from layers.imports.preview import Evaluation

SESSION_ID_LEN = 32
_CACHE_SIZE = 2
BLOB_KEYS = ("upload_key",)  # the meta entries naming blobs (and every value of ``refused_keys``)


class Session:
    """One session's record and, while it is in memory, what was read and evaluated."""

    def __init__(self, records: SessionRecords, meta: dict) -> None:
        self.records, self.meta = records, meta
        self.lock = threading.RLock()
        self.read_key: tuple | None = None
        self.table = None
        self.kind: str | None = None
        self.evaluation: Evaluation | None = None
        self.eval_key: str | None = None

    @property
    def id(self) -> str:
        return self.meta["id"]

    def upload(self) -> bytes:
        """The file as it was uploaded."""
        return self.records.store.read_blob(self.meta["upload_key"])

    def save(self, meta: dict | None = None) -> None:
        """Store the record (``meta``, then kept as this session's, or the current one), inside the caller's
        transaction if there is one."""
        meta = self.meta if meta is None else meta
        self.records.store.save_import_session(self.id, meta["owner"], meta["created_us"], meta)
        self.meta = meta


def blob_keys(meta: dict) -> set[str]:
    return {meta[k] for k in BLOB_KEYS if meta.get(k)} | set((meta.get("refused_keys") or {}).values())


class SessionRecords:
    """The import sessions of ``store``; a session lives ``ttl_s`` seconds from its upload (store's clock)."""

    def __init__(self, store, ttl_s: int) -> None:
        self.store, self.ttl_s = store, ttl_s
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def expires_us(self, meta: dict) -> int:
        return meta["created_us"] + self.ttl_s * 1_000_000

    def _expired(self, meta: dict) -> bool:
        return self.store.now() > self.expires_us(meta)

    def sweep(self) -> int:
        """Delete expired sessions and the blobs no live session names; return how many sessions."""
        records = self.store.import_sessions()
        expired = [r for r in records if self._expired(r["meta"])]
        kept = set().union(*(blob_keys(r["meta"]) for r in records if not self._expired(r["meta"])))
        for record in expired:
            self._forget(record["id"], blob_keys(record["meta"]) - kept)
        return len(expired)

    def get(self, session_id: str, user: dict) -> Session:
        """The live session ``session_id`` of ``user`` (any session for an administrator), as stored now,
        else NotFound."""
        missing = NotFound(key="errors.import.not_found", params={"session_id": session_id},
                           details=[Detail("id", "not_found", "unknown or expired import session")])  # fmt: skip
        if not (len(session_id) == SESSION_ID_LEN and all(c in "0123456789abcdef" for c in session_id)):
            raise missing
        record = self.store.import_session(session_id)
        if record is None:
            with self._lock:
                self._cache.pop(session_id, None)
            raise missing
        meta = record["meta"]
        if self._expired(meta) or (meta["owner"] != user["name"] and user.get("role") != "admin"):
            raise missing
        with self._lock:
            session = self._cache.get(session_id)
            if session is None:
                session = Session(self, meta)
            self._cache[session_id] = session
            self._cache.move_to_end(session_id)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        with session.lock:
            session.meta = meta  # another app process may have changed it since
        return session

    def new(self, data: bytes, filename: str, user: dict, kind: str) -> Session:
        """A new session of ``user`` keeping ``data`` as sent (expired sessions are swept first)."""
        self.sweep()
        session_id = secrets.token_hex(SESSION_ID_LEN // 2)
        meta = {"id": session_id, "owner": user["name"], "created_us": self.store.now(),
                "filename": str(filename or "")[:200], "size_bytes": len(data), "format": kind, "status": "preview",
                "options": {}, "result": None, "upload_key": self.store.put_blob(data, "bin")}  # fmt: skip
        session = Session(self, meta)
        session.save()
        with self._lock:
            self._cache[session_id] = session
        return session

    def remove(self, session: Session) -> None:
        """Delete the session and the blobs no other session names."""
        others = set().union(*(blob_keys(r["meta"]) for r in self.store.import_sessions() if r["id"] != session.id))
        self._forget(session.id, blob_keys(session.meta) - others)

    def _forget(self, session_id: str, blobs: set[str]) -> None:
        self.store.delete_import_session(session_id)
        for key in blobs:
            self.store.delete_blob(key)
        with self._lock:
            self._cache.pop(session_id, None)
