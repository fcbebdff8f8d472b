"""Durability on PostGIS with two app processes, the PostGIS counterparts of ``test_concurrency.py`` and
``test_crash.py``: two real ``server.py`` processes on one database, every client spreading its writes over
both.

1. 16 clients x 500 writes (``DURABILITY_SCALE=1``; a fifth of that by default): stale If-Match gets 412, no
   5xx, every acknowledged write is stored exactly and no two share a version.
2. ``kill -9`` of one app process while single writes and bulk creates stream through both: the other goes on
   (the dead one's transaction and lock are gone with its connections), the killed one restarts, nothing
   acknowledged is lost and nothing is half-written.
3. ``pg_ctl stop -m immediate`` of the database mid-write (a throwaway cluster the test makes, never the shared
   one): requests get 503 ``store_unavailable`` while it is down, the apps recover once it is back, nothing
   acknowledged is lost, nothing is half-written and the store's consistency checks pass.
"""

from __future__ import annotations

import threading
import time

from tests.postgis_support import ThrowawayCluster

from ._support import ServerProcess, create_token, position, props_for
from .postgis_support import (
    POSTGIS_ONLY,
    SCALE,
    Log,
    Writer,
    bulk_writer,
    check_store,
    configure,
    live_from,
    scaled,
    shared_store,
)

pytestmark = POSTGIS_ONLY

CLIENTS = 16
WRITES_PER_CLIENT = scaled(500, 20)
SHARED = 20
TIME_BUDGET_S = 300  # fails loudly (rather than hanging CI) if the machine is far slower than expected
STREAM_WRITERS = 6
BULK_SIZE = 2_000  # the COPY path of a create
ROUND_TIMEOUT_S = 60


def _seed_shared(server: ServerProcess, token: str, log: Log, n: int = SHARED) -> list[int]:
    shared = []
    with server.client(token) as client:
        for k in range(n):
            props = props_for("shared", k)
            log.sent[props["name"]] = props
            status, _, body = client.create(props, *position(100_000 + k))
            assert status == 201, body
            log.ack(body["id"], body["version"], body["properties"], props["name"], server.port)
            shared.append(body["id"])
    return shared


def _wait_for(condition, what: str, timeout: float = ROUND_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _served_equals_stored(servers: list[ServerProcess], token: str, stored: dict) -> None:
    live = live_from(stored)
    for server in servers:
        with server.client(token) as client:
            features, matched = client.all_features()
        assert matched == len(features) == len(live), server.port
        assert {f["id"]: (f["version"], f["properties"]) for f in features} == live, server.port


def _start_stream(ports: list[int], token: str, shared: list[int], log: Log, tag: str):
    stop = threading.Event()
    seed = sum(map(ord, tag)) * 100
    writers = [Writer(ports, token, f"{tag}w{t}", shared, log, seed=seed + t) for t in range(STREAM_WRITERS)]
    threads = [threading.Thread(target=w.run, args=(None, stop), daemon=True) for w in writers]
    threads.append(threading.Thread(target=bulk_writer, args=(ports, token, tag, BULK_SIZE, log, stop), daemon=True))
    for thread in threads:
        thread.start()
    return stop, threads


def _stop_stream(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    for thread in threads:
        thread.join(timeout=ROUND_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def test_two_processes_16_clients_lose_nothing(tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    with shared_store(one, two) as url:
        token = create_token(one, "writer", "planner")
        servers = [ServerProcess.start(one, tmp_path / "one.log"), ServerProcess.start(two, tmp_path / "two.log")]
        try:
            log = Log()
            shared = _seed_shared(servers[0], token, log)
            ports = [s.port for s in servers]
            start, stop = threading.Barrier(CLIENTS + 1), threading.Event()
            writers = [Writer(ports, token, f"t{t}", shared, log, seed=1000 + t) for t in range(CLIENTS)]
            threads = [threading.Thread(target=w.run, args=(WRITES_PER_CLIENT, stop, start), daemon=True)
                       for w in writers]  # fmt: skip
            for thread in threads:
                thread.start()
            start.wait()
            began = time.monotonic()
            for thread in threads:
                thread.join(timeout=max(1.0, TIME_BUDGET_S - (time.monotonic() - began)))
            elapsed = time.monotonic() - began
            assert not any(t.is_alive() for t in threads), f"writers still running after {TIME_BUDGET_S} s"
            writes = sum(log.statuses.values())
            with capsys.disabled():
                print(f"\n[durability] PostGIS, 2 app processes, {CLIENTS} clients x {WRITES_PER_CLIENT} writes"
                      f" (scale {SCALE}): {writes} writes in {elapsed:.1f} s = {writes / elapsed:.0f}/s; statuses"
                      f" {dict(sorted(log.statuses.items()))}; acknowledged per process"
                      f" {dict(log.by_port)}")  # fmt: skip

            assert not log.problems, "\n".join(log.problems[:30])
            assert writes == CLIENTS * WRITES_PER_CLIENT and not log.in_doubt
            assert set(log.statuses) <= {200, 201, 204, 412}, log.statuses
            assert log.statuses[204] > 0, "no deletion was exercised"
            assert log.statuses[412] == log.stale > 0, "stale If-Match never got a 412"
            assert log.own_conflicts == 0, "an edit of a feature nobody else touched was refused as stale"
            assert all(log.by_port[p] > 0 for p in ports), log.by_port
            stored = check_store(url, log, "two processes")
            assert len(stored) == len(log.acked)  # nothing but what was acknowledged
            _served_equals_stored(servers, token, stored)
        finally:
            for server in servers:
                server.stop()
        for server in servers:
            assert not server.server_errors(), "\n".join(server.server_errors()[:20])


def test_kill_9_of_one_app_process_mid_write_loses_nothing(tmp_path, capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    with shared_store(one, two) as url:
        token = create_token(one, "writer", "planner")
        servers = [ServerProcess.start(one, tmp_path / "one.log"), ServerProcess.start(two, tmp_path / "two.log")]
        try:
            log = Log()
            shared = _seed_shared(servers[0], token, log)
            ports = [s.port for s in servers]
            stop, threads = _start_stream(ports, token, shared, log, "k")
            try:
                _wait_for(lambda: log.singles >= SHARED + scaled(1_000, 150) and log.acked_batches, "acks")
                servers[0].kill9()
                after_kill = log.by_port[ports[1]]
                _wait_for(lambda: log.by_port[ports[1]] >= after_kill + scaled(300, 60), "writes after the kill")
            finally:
                _stop_stream(stop, threads)
            assert not log.problems, "\n".join(log.problems[:30])
            servers[0] = ServerProcess.start(one, tmp_path / "one.log")  # its data directory's lock died with it
            stored = check_store(url, log, "kill -9 of one app process")
            _served_equals_stored(servers, token, stored)
            with capsys.disabled():
                print(f"\n[durability] PostGIS kill -9 of one of two app processes: {log.singles} single writes"
                      f" acknowledged (per process {dict(log.by_port)}),"
                      f" {len(log.in_doubt)} cut off, statuses {dict(sorted(log.statuses.items()))},"
                      f" bulk creates acknowledged {len(log.acked_batches)}")  # fmt: skip
            assert set(log.statuses) <= {200, 201, 204, 412}, log.statuses
        finally:
            for server in servers:
                server.stop()
        assert not servers[1].server_errors(), "\n".join(servers[1].server_errors()[:20])


def test_an_immediate_database_shutdown_mid_write_loses_nothing(tmp_path, capsys):
    cluster = ThrowawayCluster()
    servers: list[ServerProcess] = []
    try:
        one, two = tmp_path / "one", tmp_path / "two"
        configure((one, two), cluster.url)
        token = create_token(one, "writer", "planner")
        servers += [ServerProcess.start(one, tmp_path / "one.log"), ServerProcess.start(two, tmp_path / "two.log")]
        log = Log()
        shared = _seed_shared(servers[0], token, log)
        ports = [s.port for s in servers]
        stop, threads = _start_stream(ports, token, shared, log, "s")
        try:
            _wait_for(lambda: log.singles >= SHARED + scaled(1_000, 150) and log.acked_batches, "acks")
            cluster.stop_immediate()
            before_down = log.singles
            _wait_for(lambda: log.unavailable >= 5, "503 answers while the database is down")
            cluster.start()  # recovers from its WAL, as after a crash
            _wait_for(lambda: log.singles >= before_down + scaled(300, 60), "writes after the restart")
        finally:
            _stop_stream(stop, threads)
        assert not log.problems, "\n".join(log.problems[:30]) + "\n" + cluster.log_tail()
        stored = check_store(cluster.url, log, "pg_ctl stop -m immediate")
        _served_equals_stored(servers, token, stored)
        with capsys.disabled():
            print(f"\n[durability] PostGIS immediate shutdown mid-write: {len(log.acked)} acknowledged,"
                  f" {len(log.in_doubt)} in doubt, {log.unavailable} x 503 while down,"
                  f" statuses {dict(sorted(log.statuses.items()))}")  # fmt: skip
        assert set(log.statuses) <= {200, 201, 204, 412, 503}, log.statuses
    finally:
        for server in servers:
            server.stop()
        cluster.remove()
    for server in servers:
        assert not [line for line in server.server_errors() if "Traceback" in line], server.tail()
