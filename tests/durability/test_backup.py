"""Online backup and restore through the command line, against real server processes.

``python server.py backup FILE`` runs while writers stream into a live server; everything acknowledged
before it started must come back after ``python server.py restore FILE`` into a new data directory and a
server started there, and the file must be a sound, self-contained database on its own. ``restore`` must
refuse while a server holds the target directory, ``backup`` must not overwrite a file, and restoring
something that is not a backup must fail with a message and leave the target store as it was.
"""

from __future__ import annotations

import http.client
import random
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ._support import (
    SQLITE_ONLY,
    ServerProcess,
    cli,
    consistency_problems,
    create_token,
    open_db,
    position,
    props_for,
    stored_versions,
)

pytestmark = SQLITE_ONLY

WRITERS = 4
SHARED = 5
ACKS_BEFORE_BACKUP = 300
ACKS_AFTER_BACKUP = 100
LOAD_TIMEOUT_S = 60


@dataclass
class Ack:
    fid: int
    version: int
    properties: dict
    sent_at: float
    acked_at: float


@dataclass
class Load:
    """Writers streaming creates and If-Match updates; every answer timed (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acks: list[Ack] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)  # write name -> when it was sent
    statuses: dict[int, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, server: ServerProcess, token: str, tid: int, shared: list[int]) -> None:
        rng = random.Random(tid)
        known = {fid: 1 for fid in shared}
        own: dict[int, int] = {}
        i = 0
        with server.client(token, timeout=LOAD_TIMEOUT_S) as client:
            while not self.stop.is_set():
                props = props_for(f"w{tid}", i)
                i += 1
                roll = rng.random()
                kind = "create" if roll < 0.4 or not own else "own" if roll < 0.7 else "shared"
                sent = time.monotonic()
                with self.lock:
                    self.sent_at[props["name"]] = sent
                try:
                    if kind == "create":
                        status, _, body = client.create(props, *position(tid * 100_000 + i))
                    else:
                        fid = rng.choice(list(own if kind == "own" else known))
                        status, _, body = client.patch(fid, (own if kind == "own" else known)[fid], props)
                        if status == 412 and kind == "shared":
                            known[fid] = body["error"]["current"]["version"]
                except (OSError, http.client.HTTPException) as exc:
                    with self.lock:
                        self.problems.append(f"w{tid} {kind}: connection error {exc!r}")
                    return
                with self.lock:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status in (200, 201) and body["properties"] == props:
                        self.acks.append(Ack(body["id"], body["version"], props, sent, time.monotonic()))
                        (known if kind == "shared" else own)[body["id"]] = body["version"]
                    elif not (status == 412 and kind == "shared"):
                        self.problems.append(f"w{tid} {kind}: {status} {body}")

    def count(self) -> int:
        with self.lock:
            return len(self.acks)

    def wait_for(self, n: int) -> None:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while self.count() < n:
            assert not self.problems, self.problems[:10]
            assert time.monotonic() < deadline, f"only {self.count()} writes acknowledged in {LOAD_TIMEOUT_S} s"
            time.sleep(0.01)


def _dump(data_dir: Path) -> list[str]:
    """The whole logical content of a store (schema and rows), to compare before and after."""
    conn = open_db(data_dir)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _failed_cleanly(result, *words: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    text = (result.stdout + result.stderr).lower()
    assert all(word.lower() in text for word in words), result.stdout + result.stderr


# -- backup under load, restore elsewhere ------------------------------------------------------------------


def test_online_backup_under_load_restores_all_acknowledged_before_it(tmp_path, capsys):
    data, backup = tmp_path / "data", tmp_path / "backup.sqlite3"
    token = create_token(data, "writer", "planner")
    load = Load()
    with ServerProcess.start(data, tmp_path / "server.log") as server:
        shared = []
        with server.client(token) as client:
            for n in range(SHARED):
                status, _, body = client.create(props_for("shared", n), *position(900_000 + n))
                assert status == 201, body
                shared.append(body["id"])
        threads = [threading.Thread(target=load.run, args=(server, token, t, shared), daemon=True)
                   for t in range(WRITERS)]
        for thread in threads:
            thread.start()
        try:
            load.wait_for(ACKS_BEFORE_BACKUP)
            began = time.monotonic()
            with load.lock:
                before = list(load.acks)
            result = cli("backup", str(backup), data_dir=data)
            ended = time.monotonic()
            with load.lock:
                during = sum(began < a.acked_at < ended for a in load.acks)
            load.wait_for(len(load.acks) + ACKS_AFTER_BACKUP)
        finally:
            load.stop.set()
            for thread in threads:
                thread.join(timeout=LOAD_TIMEOUT_S)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not load.problems, "\n".join(load.problems[:20])
    assert set(load.statuses) <= {200, 201, 412}, load.statuses
    assert during > 0, "no write was acknowledged while the backup ran: it is not online"
    with capsys.disabled():
        print(f"\n[durability] backup took {ended - began:.2f} s (process start included) under load;"
              f" {len(before)} writes acknowledged before it, {during} while it ran, {len(load.acks)} in all")

    # The file alone: self-contained, sound, and holding everything acknowledged before the backup began.
    assert backup.is_file() and not list(tmp_path.glob("*.partial")) and not Path(f"{backup}-wal").exists()
    check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert consistency_problems(check) == []
        in_backup = stored_versions(check)
        versions = check.execute("SELECT count(*) FROM version").fetchone()[0]
    finally:
        check.close()
    assert f"{versions} versions" in result.stdout, result.stdout
    missing = [a for a in before if in_backup.get((a.fid, a.version)) != a.properties]
    assert not missing, f"{len(missing)} writes acknowledged before the backup are not in it: {missing[:5]}"
    names = {props["name"] for props in in_backup.values()}
    too_late = [name for name, sent in load.sent_at.items() if sent > ended and name in names]
    assert not too_late, f"writes sent after the backup finished are in it: {too_late[:5]}"

    # Restored into a new data directory and served: the same data, the same accounts.
    restored = tmp_path / "restored"
    result = cli("restore", str(backup), data_dir=restored)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restored" in result.stdout, result.stdout
    with ServerProcess.start(restored, tmp_path / "restored.log") as server, server.client(token) as client:
        features, matched = client.all_features()
        current = {}
        for (fid, version), props in in_backup.items():
            if version > current.get(fid, (0, None))[0]:
                current[fid] = (version, props)
        assert matched == len(features) == len(current)
        assert {f["id"]: (f["version"], f["properties"]) for f in features} == current
        status, _, layer = client.request("GET", "/api/layers/bins")
        assert status == 200 and layer["feature_count"] == len(current)
        by_fid: dict[int, list[Ack]] = {}
        for ack in before:
            by_fid.setdefault(ack.fid, []).append(ack)
        for fid, acks in by_fid.items():
            history = client.history(fid)
            assert [v["version"] for v in history] == list(range(1, len(history) + 1))
            for ack in acks:
                assert history[ack.version - 1]["properties"] == ack.properties, (fid, ack.version)
    with open_db(restored) as conn:
        assert consistency_problems(conn) == []
    conn.close()


# -- refusals ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """A stopped data directory with some features and versions, and a backup of it taken while it ran."""
    base = tmp_path_factory.mktemp("small")
    data, backup = base / "data", base / "small-backup.sqlite3"
    token = create_token(data, "writer", "planner")
    with ServerProcess.start(data, base / "server.log") as server, server.client(token) as client:
        for n in range(40):
            status, _, body = client.create(props_for("small", n), *position(n))
            assert status == 201, body
            if n % 2:
                status, _, body = client.patch(body["id"], 1, props_for("small-edit", n))
                assert status == 200, body
        result = cli("backup", str(backup), data_dir=data)
        assert result.returncode == 0, result.stdout + result.stderr
    return {"data": data, "backup": backup, "token": token}


def _copy_store(small_store, to: Path) -> Path:
    shutil.copytree(small_store["data"], to)
    return to


def test_restore_refuses_while_a_server_runs_on_the_target(small_store, tmp_path):
    data = _copy_store(small_store, tmp_path / "data")
    with ServerProcess.start(data, tmp_path / "server.log") as server, server.client(small_store["token"]) as client:
        status, _, body = client.create(props_for("newer", 1))  # a write the backup does not have
        assert status == 201, body
        listing_before = client.all_features()
        result = cli("restore", str(small_store["backup"]), data_dir=data)
        _failed_cleanly(result, "server is running")
        assert client.all_features() == listing_before  # the live store was not replaced
        status, _, again = client.get(body["id"])
        assert status == 200 and again["properties"] == body["properties"]
    with open_db(data) as conn:
        assert consistency_problems(conn) == []
    conn.close()


def test_backup_refuses_to_overwrite_a_file(small_store, tmp_path):
    data = _copy_store(small_store, tmp_path / "data")
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"an earlier backup, or anything else")
    result = cli("backup", str(existing), data_dir=data)
    _failed_cleanly(result, "exists")
    assert existing.read_bytes() == b"an earlier backup, or anything else"
    assert not list(tmp_path.glob("*.partial"))


def _not_a_backup(kind: str, small_store, tmp_path: Path) -> Path:
    good = small_store["backup"].read_bytes()
    path = tmp_path / f"{kind}.sqlite3"
    if kind == "random":
        path.write_bytes(random.Random(7).randbytes(len(good)))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated-mid-page":
        path.write_bytes(good[: len(good) // 2 + 100])
    elif kind == "truncated-last-page":
        path.write_bytes(good[: len(good) - 4096])
    elif kind == "other-sqlite":
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE notes (body TEXT)")
        other.execute("INSERT INTO notes VALUES ('not ours')")
        other.commit()
        other.close()
    elif kind == "missing":
        pass
    return path


NOT_BACKUPS = ["random", "empty", "truncated-mid-page", "truncated-last-page", "other-sqlite", "missing"]


@pytest.mark.parametrize("kind", NOT_BACKUPS)
def test_restore_of_a_non_backup_fails_and_changes_nothing(kind, small_store, tmp_path):
    data = _copy_store(small_store, tmp_path / "data")
    source = _not_a_backup(kind, small_store, tmp_path)
    before = _dump(data)
    result = cli("restore", str(source), data_dir=data)
    _failed_cleanly(result, source.name)
    assert _dump(data) == before
    with open_db(data) as conn:
        assert consistency_problems(conn) == []
    conn.close()
    with ServerProcess.start(data, tmp_path / "server.log") as server, server.client(small_store["token"]) as client:
        features, matched = client.all_features()
        assert matched == len(features) == 40


@pytest.mark.parametrize("kind", ["backup-to-existing", "random", "empty", "truncated-mid-page", "missing"])
def test_refusals_are_messages_not_tracebacks(kind, small_store, tmp_path):
    data = _copy_store(small_store, tmp_path / "data")
    if kind == "backup-to-existing":
        target = tmp_path / "existing.sqlite3"
        target.write_bytes(b"x")
        result = cli("backup", str(target), data_dir=data)
    else:
        result = cli("restore", str(_not_a_backup(kind, small_store, tmp_path)), data_dir=data)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "error" in result.stderr.lower(), result.stderr


def test_restored_backup_is_what_the_backup_holds(small_store, tmp_path):
    """restore into a directory that already holds a different store replaces it whole."""
    data = tmp_path / "other"
    token = create_token(data, "someone", "planner")
    with ServerProcess.start(data, tmp_path / "server.log") as server, server.client(token) as client:
        assert client.create(props_for("only-here", 0))[0] == 201
    result = cli("restore", str(small_store["backup"]), data_dir=data)
    assert result.returncode == 0, result.stdout + result.stderr
    backup = sqlite3.connect(f"file:{small_store['backup']}?mode=ro", uri=True)
    try:
        expected = stored_versions(backup)
    finally:
        backup.close()
    with open_db(data) as conn:
        assert consistency_problems(conn) == []
        assert stored_versions(conn) == expected
    conn.close()
    with ServerProcess.start(data, tmp_path / "server2.log") as server:
        with server.client(token) as client:  # the replaced store's accounts are gone with it
            assert client.request("GET", "/api/layers/bins")[0] == 401
        with server.client(small_store["token"]) as client:
            features, matched = client.all_features()
            assert matched == 40
            assert "only-here-0" not in {f["properties"]["name"] for f in features}
