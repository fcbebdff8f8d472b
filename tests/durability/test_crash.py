"""kill -9 the server while writes stream in; after a restart every acknowledged write is there, exactly, and
nothing is half-written.

One data directory lives through three crashes, each at a different moment (see ``MOMENTS``):

1. ``early``: 0.3 s after the writers start (the first requests to a freshly started server);
2. ``steady``: after 400 acknowledged single writes, in a steady stream of creates, updates and bulk creates;
3. ``mid-commit``: a 25,000-feature bulk create (one all-or-nothing transaction, large enough for the store
   to pack its R*Trees anew) is the only writer, and the kill comes as soon as the ``-wal`` file changes,
   i.e. while its frames are being written.

Writers are four threads of single writes (creates, PATCHes and DELETEs of their own features, PATCHes of
shared features with If-Match) and one thread of bulk creates (2,000 features each). Each write carries a unique
name, so whatever is found stored can be traced back to the request that sent it: acknowledged writes must
all be there exactly; a request cut off by the kill may be there or not, but whole. After each crash the
server is started again on the same directory and the whole store (all rounds so far) is checked.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from layers.store.sqlite.writes import BULK_FEATURES

from ._support import (
    DB_NAME,
    SQLITE_ONLY,
    Client,
    ServerProcess,
    consistency_problems,
    create_token,
    open_db,
    position,
    props_for,
)

pytestmark = SQLITE_ONLY

SINGLE_WRITERS = 4
SHARED = 8
ROUND_TIMEOUT_S = 30


@dataclass
class Log:
    """What was sent and what was acknowledged, across all rounds (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[str, dict] = field(default_factory=dict)  # name -> properties sent
    acked: dict[tuple[int, int], dict] = field(default_factory=dict)  # (fid, version) -> properties
    acked_names: set[str] = field(default_factory=set)
    batches: dict[str, list[str]] = field(default_factory=dict)  # bulk request -> names in it
    acked_batches: set[str] = field(default_factory=set)
    in_doubt: list[str] = field(default_factory=list)  # requests cut off by the kill (names or batches)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    round_acks: int = 0  # single writes acknowledged in this round
    round_bulks: int = 0  # bulk creates acknowledged in this round
    bulk_seconds: list[float] = field(default_factory=list)
    bulk_sends: list[float] = field(default_factory=list)  # when each bulk request of this round was sent

    def send(self, props: dict) -> None:
        with self.lock:
            self.sent[props["name"]] = props

    def ack_delete(self, fid: int, version: int) -> None:
        with self.lock:
            if (fid, version) in self.acked:
                self.problems.append(f"{(fid, version)} acknowledged twice")
            self.acked[(fid, version)] = None
            self.acked_names.add(_delete_name(fid, version))
            self.round_acks += 1

    def ack(self, feature: dict, expected: dict, single: bool = True) -> None:
        with self.lock:
            key = (feature["id"], feature["version"])
            if key in self.acked:
                self.problems.append(f"{key} acknowledged twice")
            if feature["properties"] != expected:
                self.problems.append(f"{key}: sent {expected}, acknowledged {feature['properties']}")
            self.acked[key] = feature["properties"]
            self.acked_names.add(expected["name"])
            self.round_acks += single


def _delete_name(fid: int, version: int) -> str:
    """What a deletion is traced by: it has no properties, so no name of its own."""
    return f"delete:{fid}.{version}"


def _single_writer(port: int, token: str, rnd: int, tid: int, shared: list[int], stop: threading.Event,
                   log: Log) -> None:
    rng = random.Random(rnd * 100 + tid)
    client = Client(port, token, timeout=ROUND_TIMEOUT_S)
    known: dict[int, int] = {}
    own: dict[int, int] = {}
    i = 0
    try:
        for fid in shared:
            status, _, body = client.get(fid)
            known[fid] = body["version"]
        while not stop.is_set():
            props = props_for(f"r{rnd}t{tid}", i)
            i += 1
            roll = rng.random()
            if roll < 0.4 or not own:
                kind, fid = "create", None
            else:
                kind = "own" if roll < 0.6 else "delete" if roll < 0.7 else "shared"
                fid = rng.choice(list(known if kind == "shared" else own))
            if kind == "delete":
                props = {"name": _delete_name(fid, own[fid] + 1)}
                with log.lock:
                    log.sent[props["name"]] = None
            else:
                log.send(props)
            try:
                if kind == "create":
                    status, head, body = client.create(props, *position(rnd * 10_000 + tid * 1_000 + i))
                elif kind == "delete":
                    status, head, body = client.delete(fid, own[fid])
                else:
                    status, head, body = client.patch(fid, (own if kind == "own" else known)[fid], props)
            except (OSError, http.client.HTTPException):
                with log.lock:
                    log.in_doubt.append(props["name"])
                return
            with log.lock:
                log.statuses[status] += 1
            if status == 204 and kind == "delete":
                log.ack_delete(fid, own.pop(fid) + 1)
            elif status in (200, 201):
                log.ack(body, props)
                (known if kind == "shared" else own)[body["id"]] = body["version"]
            elif status == 412 and kind == "shared":
                status, _, body = client.get(fid)
                known[fid] = body["version"]
            else:
                with log.lock:
                    log.problems.append(f"r{rnd} t{tid} {kind} {fid}: {status} {body}")
    except (OSError, http.client.HTTPException):
        return  # a read cut off by the kill
    finally:
        client.close()


def _bulk_writer(port: int, token: str, rnd: int, size: int, pause_s: float, stop: threading.Event,
                 log: Log) -> None:
    client = Client(port, token, timeout=ROUND_TIMEOUT_S)
    j = 0
    try:
        while not stop.is_set():
            batch = f"r{rnd}-bulk{j}"
            props = [props_for(batch, k) for k in range(size)]
            names = [p["name"] for p in props]
            body = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(position(k))}, "properties": p}
                for k, p in enumerate(props)
            ]}
            with log.lock:
                log.batches[batch] = names
                for p in props:
                    log.sent[p["name"]] = p
                log.bulk_sends.append(time.monotonic())
            try:
                status, _, answer = client.request("POST", "/api/layers/bins/features", body)
            except (OSError, http.client.HTTPException):
                with log.lock:
                    log.in_doubt.append(batch)
                return
            with log.lock:
                log.statuses[status] += 1
                if status == 201:
                    log.bulk_seconds.append(time.monotonic() - log.bulk_sends[-1])
                    log.acked_batches.add(batch)
                else:
                    log.problems.append(f"bulk {batch}: {status} {answer}")
            if status == 201:
                for feature, p in zip(answer["features"], props):
                    log.ack(feature, p, single=False)
                with log.lock:
                    log.round_bulks += 1
            j += 1
            stop.wait(pause_s)
    finally:
        client.close()


def _wait_for(condition, timeout: float = ROUND_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the crash moment never came"
        time.sleep(0.005)


def _check_store(server: ServerProcess, token: str, log: Log, moment: str) -> set[str]:
    """Everything acknowledged is stored exactly; whatever else is stored was sent and cut off by the kill."""
    with open_db(server.data_dir) as conn:
        assert consistency_problems(conn) == [], moment
        rows = conn.execute("SELECT fid, version, op, properties FROM version WHERE layer = 'bins'").fetchall()
    conn.close()
    stored = {(fid, version): None if op == "delete" else json.loads(props) for fid, version, op, props in rows}
    lost = {k: v for k, v in log.acked.items() if k not in stored or stored[k] != v}
    assert not lost, f"{moment}: {len(lost)} acknowledged writes lost or changed, e.g. {list(lost.items())[:5]}"
    traced = {key: _delete_name(*key) if props is None else props["name"] for key, props in stored.items()}
    names = Counter(traced.values())
    assert max(names.values()) == 1, f"{moment}: a write stored twice: {names.most_common(3)}"
    unknown = [(key, stored[key]) for key, name in traced.items()
               if name not in log.sent or log.sent[name] != stored[key]]
    assert not unknown, f"{moment}: stored versions that no request sent: {unknown[:5]}"
    extra = set(names) - log.acked_names  # committed, but the answer never arrived
    doubtful = set()
    for item in log.in_doubt:
        doubtful.update(log.batches.get(item, [item]))
    assert extra <= doubtful, f"{moment}: unacknowledged writes stored: {sorted(extra - doubtful)[:5]}"
    for batch, batch_names in log.batches.items():
        found = sum(name in names for name in batch_names)
        assert found in (0, len(batch_names)), f"{moment}: bulk {batch} half-written: {found} of {len(batch_names)}"
        assert batch not in log.acked_batches or found == len(batch_names), f"{moment}: acknowledged {batch} lost"

    with server.client(token) as client:  # and the restarted server serves exactly that
        features, matched = client.all_features()
        current = {}
        for (fid, version), props in stored.items():
            if version > current.get(fid, (0, None))[0]:
                current[fid] = (version, props)
        current = {fid: top for fid, top in current.items() if top[1] is not None}  # deleted ones are not live
        assert matched == len(features) == len(current)
        assert {f["id"]: (f["version"], f["properties"]) for f in features} == current
        for fid, version in sorted(log.acked)[:: max(1, len(log.acked) // 200)]:  # a sample, through /history
            history = client.history(fid)
            assert history[version - 1]["properties"] == (log.acked[(fid, version)] or {})
            assert history[version - 1]["op"] == ("delete" if log.acked[(fid, version)] is None else
                                                  "create" if version == 1 else "update")
    return set(names)


def _wal_stamp(data: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(data / f"{DB_NAME}-wal")
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns


@dataclass
class Moment:
    name: str
    single_writers: int
    bulk_size: int
    bulk_pause_s: float
    arm: Callable[[Log, Path], Callable[[], None]]  # called before the writers start; returns the wait


def _first_wal_write(log: Log, data: Path) -> Callable[[], None]:
    """Wait until the bulk create (the only writer) first writes to the -wal file, so the kill lands while its
    frames are being written: a spill of the uncommitted transaction, or the commit itself."""
    before = _wal_stamp(data)

    def wait() -> None:
        _wait_for(lambda: log.bulk_sends)
        deadline = time.monotonic() + ROUND_TIMEOUT_S
        while _wal_stamp(data) == before:
            assert time.monotonic() < deadline, "the bulk create never wrote to the WAL"

    return wait


MOMENTS = [
    Moment("early: 0.3 s into the stream", SINGLE_WRITERS, 2_000, 0.2, lambda log, data: lambda: time.sleep(0.3)),
    Moment("steady: after 400 acknowledged single writes", SINGLE_WRITERS, 2_000, 0.2,
           lambda log, data: lambda: _wait_for(lambda: log.round_acks >= 400)),
    # Larger than BULK_FEATURES, so the kill lands in a create that packs both R*Trees anew.
    Moment(f"mid-commit: at the first WAL write of a {BULK_FEATURES + 5_000:,}-feature bulk create", 0,
           BULK_FEATURES + 5_000, 0.0, _first_wal_write),
]


def test_kill_9_mid_write_loses_no_acknowledged_write(tmp_path, capsys):
    data = tmp_path / "data"
    token = create_token(data, "writer", "planner")
    log = Log()
    server = ServerProcess.start(data, tmp_path / "server.log")
    try:
        shared = []
        with server.client(token) as client:
            for n in range(SHARED):
                props = props_for("shared", n)
                log.send(props)
                status, _, body = client.create(props, *position(90_000 + n))
                assert status == 201, body
                log.ack(body, props)
                shared.append(body["id"])

        report = []
        for rnd, moment in enumerate(MOMENTS):
            with log.lock:
                log.round_acks = log.round_bulks = 0
                log.bulk_sends = []
                doubt_before = len(log.in_doubt)
            with server.client(token) as client:  # the token's once-a-minute last_used write happens now
                assert client.request("GET", "/api/layers/bins")[0] == 200
            stop = threading.Event()
            threads = [
                threading.Thread(target=_single_writer, args=(server.port, token, rnd, t, shared, stop, log),
                                 daemon=True)
                for t in range(moment.single_writers)
            ] + [threading.Thread(target=_bulk_writer, daemon=True,
                                  args=(server.port, token, rnd, moment.bulk_size, moment.bulk_pause_s, stop, log))]
            wait = moment.arm(log, data)
            wal_before = _wal_stamp(data)
            for thread in threads:
                thread.start()
            try:
                wait()
            finally:
                server.kill9()
                stop.set()
            wal = _wal_stamp(data)
            for thread in threads:
                thread.join(timeout=ROUND_TIMEOUT_S)
            assert not any(t.is_alive() for t in threads), f"{moment.name}: a writer hung after the kill"
            assert not log.problems, "\n".join(log.problems[:20])
            cut = log.in_doubt[doubt_before:]

            server = ServerProcess.start(data, tmp_path / "server.log")  # same data dir: the lock died with it
            stored_names = _check_store(server, token, log, moment.name)
            cut_committed = [item for item in cut if log.batches.get(item, [item])[0] in stored_names]
            bulk = [f"{b} {'committed' if b in cut_committed else 'rolled back'}" for b in cut if b in log.batches]
            report.append(
                f"{moment.name}: acknowledged {log.round_acks} single writes + {log.round_bulks} bulk creates;"
                f" {len(cut)} requests cut off ({len(cut_committed)} of them committed; bulk: {bulk or 'none'});"
                f" -wal {wal_before and wal_before[0]} -> {wal and wal[0]} bytes"
            )
        with capsys.disabled():
            print("\n[durability] kill -9 rounds:\n  " + "\n  ".join(report))
        assert set(log.statuses) <= {200, 201, 204, 412}, log.statuses
        assert log.statuses[204] > 0, "no deletion was exercised"
    finally:
        server.stop()
