"""An import session's files and lifecycle: a folder under ``<data>/imports/<id>/`` holding the upload as
sent and ``session.json`` (owner, options, state), visible only to its owner and to administrators,
deleted once it expires; the few most recent sessions stay in memory with what was read and evaluated."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from layers.errors import Detail, NotFound
from layers.imports.preview import Evaluation

SESSION_ID_LEN = 32
_CACHE_SIZE = 2


class Session:
    """One session's files and, while it is in memory, what was read and evaluated."""

    def __init__(self, path: Path, meta: dict) -> None:
        self.path, self.meta = path, meta
        self.lock = threading.RLock()
        self.read_key: tuple | None = None
        self.table = None
        self.kind: str | None = None
        self.evaluation: Evaluation | None = None
        self.eval_key: str | None = None

    def save(self) -> None:
        tmp = self.path / "session.json.tmp"
        tmp.write_text(json.dumps(self.meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path / "session.json")


class SessionFolders:
    """The session folders under ``root``; ``now`` is the store's clock (µs), ``ttl_s`` a session's life."""

    def __init__(self, root: Path, now: Callable[[], int], ttl_s: int) -> None:
        self.root, self.now, self.ttl_s = root, now, ttl_s
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def expires_us(self, meta: dict) -> int:
        return meta["created_us"] + self.ttl_s * 1_000_000

    def _expired(self, meta: dict) -> bool:
        return self.now() > self.expires_us(meta)

    def sweep(self) -> int:
        """Delete expired sessions; return how many."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in self.root.iterdir():
            try:
                meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
                expired = self._expired(meta)
            except (OSError, ValueError, KeyError):
                expired = time.time() - folder.stat().st_mtime > self.ttl_s
            if expired:
                shutil.rmtree(folder, ignore_errors=True)
                with self._lock:
                    self._cache.pop(folder.name, None)
                removed += 1
        return removed

    def get(self, session_id: str, user: dict) -> Session:
        """The live session ``session_id`` of ``user`` (any session for an administrator), else NotFound."""
        missing = NotFound(key="errors.import.not_found", params={"session_id": session_id},
                           details=[Detail("id", "not_found", "unknown or expired import session")])  # fmt: skip
        if not (len(session_id) == SESSION_ID_LEN and all(c in "0123456789abcdef" for c in session_id)):
            raise missing
        with self._lock:
            session = self._cache.get(session_id)
            if session is None:
                path = self.root / session_id
                try:
                    meta = json.loads((path / "session.json").read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    raise missing from None
                session = Session(path, meta)
            self._cache[session_id] = session
            self._cache.move_to_end(session_id)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if self._expired(session.meta) or (session.meta["owner"] != user["name"] and user.get("role") != "admin"):
            raise missing
        return session

    def new(self, data: bytes, filename: str, user: dict, kind: str) -> Session:
        """A new session of ``user`` keeping ``data`` as sent (expired sessions are swept first)."""
        self.sweep()
        session_id = secrets.token_hex(SESSION_ID_LEN // 2)
        path = self.root / session_id
        path.mkdir(parents=True)
        (path / "upload.bin").write_bytes(data)
        now = self.now()
        meta = {"id": session_id, "owner": user["name"], "created_us": now, "filename": str(filename or "")[:200],
                "size_bytes": len(data), "format": kind, "status": "preview", "options": {}, "result": None}
        session = Session(path, meta)
        session.save()
        with self._lock:
            self._cache[session_id] = session
        return session

    def remove(self, session: Session) -> None:
        """Delete the session's folder and forget it."""
        shutil.rmtree(session.path, ignore_errors=True)
        with self._lock:
            self._cache.pop(session.path.name, None)
