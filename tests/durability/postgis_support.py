"""Helpers for the PostGIS durability tests: several ``server.py`` processes on one PostGIS store, a throwaway
PostgreSQL cluster of the test's own (so that stopping a server never touches the shared one), writers that
spread their requests over the processes and keep a log of what was sent and acknowledged, and the check that
everything acknowledged is stored exactly and nothing else but whole writes cut off mid-way.

The counts scale with ``DURABILITY_SCALE`` (a fraction of the issue's full run, default below 1 so that the CI
run stays short); ``DURABILITY_SCALE=1`` is the documented full run: 16 clients x 500 writes.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.postgis_support import TEST_STORE_URL, fresh_postgis_url, is_postgis, with_query

from ._support import Client, position, props_for

POSTGIS_ONLY = pytest.mark.skipif(
    not is_postgis(), reason="PostGIS durability (two app processes on one database): TEST_STORE_URL=postgresql://…"
)
SCALE = float(os.environ.get("DURABILITY_SCALE", "0.2"))
LAYER_SQL = "SELECT fid, version, op, props FROM version WHERE layer = 'bins'"


def scaled(full: int, least: int = 1) -> int:
    """``full`` times ``DURABILITY_SCALE``, at least ``least``."""
    return max(least, round(full * SCALE))


def configure(data_dirs, url: str) -> None:
    """Make every ``server.py --data DIR`` of ``data_dirs`` use the store ``url`` (``DIR/config.json``)."""
    for data_dir in data_dirs:
        config = Path(data_dir) / "config.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps({"STORE_URL": with_query(url, pool_max="10")}), encoding="utf-8")


@contextmanager
def shared_store(*data_dirs: Path) -> Iterator[str]:
    """A new schema in the test database, named in the config of every data directory given."""
    with fresh_postgis_url(Path(data_dirs[0]), TEST_STORE_URL, new=True) as url:
        configure(data_dirs, url)
        yield url


@dataclass
class Log:
    """What was sent and acknowledged by every writer, across processes and rounds (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[str, dict | None] = field(default_factory=dict)  # name -> properties (None: a deletion)
    acked: dict[tuple[int, int], dict | None] = field(default_factory=dict)  # (fid, version) -> properties
    acked_names: set[str] = field(default_factory=set)
    batches: dict[str, list[str]] = field(default_factory=dict)
    acked_batches: set[str] = field(default_factory=set)
    in_doubt: set[str] = field(default_factory=set)  # names (or batches) whose answer never came
    statuses: Counter = field(default_factory=Counter)
    by_port: Counter = field(default_factory=Counter)  # acknowledged single writes per app process
    singles: int = 0  # acknowledged single writes (not bulk)
    problems: list[str] = field(default_factory=list)
    stale: int = 0
    own_conflicts: int = 0
    unavailable: int = 0  # 503 store_unavailable answers (the database was down)

    def ack(self, fid: int, version: int, props: dict | None, name: str, port: int, single: bool = True) -> None:
        with self.lock:
            if (fid, version) in self.acked:
                self.problems.append(f"{(fid, version)} acknowledged twice: a lost update")
            self.acked[(fid, version)] = props
            self.acked_names.add(name)
            self.by_port[port] += single
            self.singles += single


def delete_name(fid: int, version: int) -> str:
    return f"delete:{fid}.{version}"


class Writer:
    """One client thread: creates (25 %), PATCHes of shared features with the If-Match it last saw (65 %),
    PATCHes (7 %) and DELETEs (3 %) of its own features, each request to one of ``ports`` at random. A request
    whose answer never came (a killed process, a 503 while the database is down) is in doubt: stored whole
    or not at all; the thread then leaves that feature alone or re-reads it."""

    def __init__(self, ports: list[int], token: str, tag: str, shared: list[int], log: Log, seed: int) -> None:
        self.ports, self.token, self.tag, self.log = ports, token, tag, log
        self.rng, self.seed = random.Random(seed), seed
        self.known = dict.fromkeys(shared, 1)
        self.own: dict[int, int] = {}
        self.clients: dict[int, Client] = {}

    def _client(self, port: int) -> Client:
        if port not in self.clients:
            self.clients[port] = Client(port, self.token, timeout=30)
        return self.clients[port]

    def _drop(self, port: int) -> None:
        client = self.clients.pop(port, None)
        if client is not None:
            client.close()

    def run(self, writes: int | None, stop: threading.Event, start: threading.Barrier | None = None) -> None:
        if start is not None:
            start.wait()
        i = 0
        while (writes is None or i < writes) and not stop.is_set():
            try:
                self.write_one(i)
            except Exception as exc:  # every failure is a finding
                with self.log.lock:
                    self.log.problems.append(f"{self.tag} write {i}: {exc!r}")
            i += 1
        for port in list(self.clients):
            self._drop(port)

    def write_one(self, i: int) -> None:
        port = self.rng.choice(self.ports)
        roll = self.rng.random()
        props = props_for(self.tag, i)
        if roll < 0.25 or not self.own:
            kind, fid = "create", None
        elif roll < 0.32:
            kind, fid = "own", self.rng.choice(list(self.own))
        elif roll < 0.35:
            kind, fid = "delete", self.rng.choice(list(self.own))
        else:
            kind, fid = "shared", self.rng.choice(list(self.known))
        name = delete_name(fid, self.own[fid] + 1) if kind == "delete" else props["name"]
        with self.log.lock:
            self.log.sent[name] = None if kind == "delete" else props
        client = self._client(port)
        try:
            if kind == "create":
                status, head, body = client.create(props, *position(int(name.rpartition("-")[2]) + 1_000 * self.seed))
            elif kind == "delete":
                status, head, body = client.delete(fid, self.own[fid])
            else:
                status, head, body = client.patch(fid, (self.own if kind == "own" else self.known)[fid], props)
        except (OSError, http.client.HTTPException):
            self._in_doubt(port, kind, fid, name)
            return
        with self.log.lock:
            self.log.statuses[status] += 1
        if status == 204 and kind == "delete":
            self.log.ack(fid, self.own.pop(fid) + 1, None, name, port)
        elif status in (200, 201) and kind != "delete":
            if body["properties"] != props or head.get("etag") != f'"{body["id"]}.{body["version"]}"':
                with self.log.lock:
                    self.log.problems.append(f"{name}: sent {props}, acknowledged {body} {head.get('etag')}")
            self.log.ack(body["id"], body["version"], body["properties"], name, port)
            (self.known if kind == "shared" else self.own)[body["id"]] = body["version"]
        elif status == 412 and kind != "create":
            current = ((body or {}).get("error") or {}).get("current") or {}
            with self.log.lock:
                self.log.stale += 1
                self.log.own_conflicts += kind != "shared"
            if current.get("id") == fid and current.get("version", 0) > (self.known | self.own)[fid]:
                (self.known if kind == "shared" else self.own)[fid] = current["version"]
            else:
                with self.log.lock:
                    self.log.problems.append(f"{name}: 412 without a newer current version: {body}")
        elif status == 503 and ((body or {}).get("error") or {}).get("code") == "store_unavailable":
            with self.log.lock:
                self.log.unavailable += 1
            self._in_doubt(port, kind, fid, name, dropped=False)
            time.sleep(0.05)
        else:
            with self.log.lock:
                self.log.problems.append(f"{name} ({kind}): unexpected {status} {body}")

    def _in_doubt(self, port: int, kind: str, fid: int | None, name: str, dropped: bool = True) -> None:
        with self.log.lock:
            self.log.in_doubt.add(name)
        if dropped:
            self._drop(port)
            time.sleep(0.05)
        if kind in ("own", "delete"):
            self.own.pop(fid, None)  # its version is unknown now: leave it alone


def bulk_writer(ports: list[int], token: str, tag: str, size: int, log: Log, stop: threading.Event,
                pause_s: float = 0.3) -> None:
    """Bulk creates of ``size`` features (one all-or-nothing transaction each), ``pause_s`` apart, until
    ``stop``."""
    j = 0
    while not stop.is_set():
        port = ports[j % len(ports)]
        batch = f"{tag}-bulk{j}"
        j += 1
        props = [props_for(batch, k) for k in range(size)]
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(position(k))},
                     "properties": p} for k, p in enumerate(props)]  # fmt: skip
        with log.lock:
            log.batches[batch] = [p["name"] for p in props]
            log.sent.update({p["name"]: p for p in props})
        try:
            with Client(port, token, timeout=60) as client:
                status, _, answer = client.request(
                    "POST", "/api/layers/bins/features", {"type": "FeatureCollection", "features": features}
                )
        except (OSError, http.client.HTTPException):
            with log.lock:
                log.in_doubt.add(batch)
            stop.wait(0.1)
            continue
        with log.lock:
            log.statuses[status] += 1
        if status == 201:
            with log.lock:
                log.acked_batches.add(batch)
            for feature, p in zip(answer["features"], props):
                log.ack(feature["id"], feature["version"], feature["properties"], p["name"], port, single=False)
            stop.wait(pause_s)
        elif status == 503:
            with log.lock:
                log.in_doubt.add(batch)
                log.unavailable += 1
            stop.wait(0.1)
        else:
            with log.lock:
                log.problems.append(f"bulk {batch}: {status} {answer}")


def check_store(url: str, log: Log, moment: str) -> dict[tuple[int, int], dict | None]:
    """Everything acknowledged is stored exactly; whatever else is stored was sent and cut off, and whole
    (bulk creates all or nothing); the store's own consistency checks pass. Return the stored versions."""
    from layers.store import open_store

    store = open_store(url)
    try:
        assert store.integrity_check() == "ok", f"{moment}: {store.integrity_check()}"
    finally:
        store.close()
    from layers.store.postgis.connect import Connections

    conn = Connections(url).connect()
    try:
        rows = conn.execute(LAYER_SQL).fetchall()
        stuck = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%%'"
            " AND application_name = 'chuangwei' AND state_change < now() - interval '10 seconds'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert stuck == 0, f"{moment}: {stuck} connections left idle in a transaction"
    stored = {(fid, version): None if op == "delete" else json.loads(props) for fid, version, op, props in rows}
    lost = {k: v for k, v in log.acked.items() if stored.get(k, "missing") != v}
    assert not lost, f"{moment}: {len(lost)} acknowledged writes lost or changed, e.g. {list(lost.items())[:5]}"
    traced = {key: delete_name(*key) if props is None else props["name"] for key, props in stored.items()}
    names = Counter(traced.values())
    assert not names or max(names.values()) == 1, f"{moment}: a write stored twice: {names.most_common(3)}"
    unknown = [(key, stored[key]) for key, name in traced.items()
               if name not in log.sent or log.sent[name] != stored[key]]  # fmt: skip
    assert not unknown, f"{moment}: stored versions that no request sent: {unknown[:5]}"
    doubtful = set()
    for item in log.in_doubt:
        doubtful.update(log.batches.get(item, [item]))
    extra = set(names) - log.acked_names
    assert extra <= doubtful, f"{moment}: unacknowledged writes stored: {sorted(extra - doubtful)[:5]}"
    for batch, batch_names in log.batches.items():
        found = sum(name in names for name in batch_names)
        assert found in (0, len(batch_names)), f"{moment}: bulk {batch} half-written: {found} of {len(batch_names)}"
    return stored


def live_from(stored: dict[tuple[int, int], dict | None]) -> dict[int, tuple[int, dict]]:
    """``{fid: (version, properties)}`` of the features whose newest stored version is not a deletion."""
    top: dict[int, tuple[int, dict | None]] = {}
    for (fid, version), props in stored.items():
        if version > top.get(fid, (0, None))[0]:
            top[fid] = (version, props)
    return {fid: v for fid, v in top.items() if v[1] is not None}
