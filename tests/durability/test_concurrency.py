"""Many writers at once against one real server: no lost update, no phantom write, no 5xx.

16 client threads, each on its own keep-alive connection, send 500 writes each (8,000 in all) to one
``server.py`` on loopback (default settings: waitress with 8 threads, SQLite ``synchronous=FULL``). A write
is one of: a create of the thread's own feature (25 %); a PATCH of one of 20 SHARED features that every
thread edits (65 %), with ``If-Match`` from the version the thread last saw (stale by design, so some must
get 412 and the thread then re-reads the feature); a PATCH (7 %) or DELETE (3 %) of one of its own
features (nobody else edits those, so they must never get 412). Every 2xx is recorded as (id, version,
properties) and then looked for in the stored history.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ._support import (
    FEATURES,
    SQLITE_ONLY,
    ServerProcess,
    consistency_problems,
    create_token,
    open_db,
    position,
    props_for,
)

pytestmark = SQLITE_ONLY

THREADS = 16
WRITES_PER_THREAD = 500
SHARED = 20
TIME_BUDGET_S = 120  # fails loudly (rather than hanging CI) if the machine is far slower than expected


@dataclass
class Ack:
    fid: int
    version: int
    properties: dict
    op: str
    who: str


@dataclass
class Outcome:
    acks: list[Ack] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    stale: int = 0
    rereads: int = 0
    own_conflicts: int = 0


def _writer(server: ServerProcess, token: str, tid: int, shared: dict[int, int], start: threading.Barrier,
            out: Outcome) -> None:
    rng = random.Random(1000 + tid)
    known = dict(shared)  # shared fid -> the version this thread last saw
    own: dict[int, int] = {}  # own fid -> version
    client = server.client(token)
    start.wait()
    for i in range(WRITES_PER_THREAD):
        tag = f"t{tid}"
        props = props_for(tag, i)
        roll = rng.random()
        try:
            if roll < 0.25 or not own:
                kind = "create"
                status, head, body = client.create(props, *position(tid * WRITES_PER_THREAD + i))
            elif roll < 0.32:
                kind, fid = "own", rng.choice(list(own))
                status, head, body = client.patch(fid, own[fid], props)
            elif roll < 0.35:
                kind, fid = "delete", rng.choice(list(own))
                status, head, body = client.delete(fid, own[fid])
            else:
                kind, fid = "shared", rng.choice(list(known))
                status, head, body = client.patch(fid, known[fid], props)
        except Exception as exc:  # every failure is a finding, reported below
            out.problems.append(f"{tag} write {i}: connection error {exc!r}")
            client.close()
            client = server.client(token)
            continue
        out.statuses[status] += 1
        if status == 204 and kind == "delete":
            out.acks.append(Ack(fid, own.pop(fid) + 1, {}, "delete", f"{tag}#{i}"))  # its history shows {}
        elif status in (200, 201) and kind != "delete":
            if body["properties"] != props:
                out.problems.append(f"{tag} write {i}: sent {props}, acknowledged {body['properties']}")
            if head.get("etag") != f'"{body["id"]}.{body["version"]}"':
                out.problems.append(f"{tag} write {i}: ETag {head.get('etag')} for {body['id']}.{body['version']}")
            out.acks.append(Ack(body["id"], body["version"], body["properties"], body["op"], f"{tag}#{i}"))
            if kind == "create":
                own[body["id"]] = body["version"]
            elif kind == "own":
                own[fid] = body["version"]
            else:
                known[fid] = body["version"]
        elif status == 412 and kind != "create":
            error = (body or {}).get("error", {})
            current = error.get("current") or {}
            base = (known if kind == "shared" else own)[fid]
            if error.get("code") != "version_mismatch" or current.get("id") != fid or current.get("version", 0) <= base:
                out.problems.append(f"{tag} write {i}: 412 for {fid}.{base} with body {body}")
            elif head.get("etag") != f'"{fid}.{current["version"]}"':
                out.problems.append(f"{tag} write {i}: 412 ETag {head.get('etag')} but current {current['version']}")
            if kind != "shared":
                out.own_conflicts += 1
            out.stale += 1
            try:  # re-read, as a client would, and go on from what is stored now
                status, head, body = client.get(fid)
            except Exception as exc:
                out.problems.append(f"{tag} re-read of {fid}: connection error {exc!r}")
                client.close()
                client = server.client(token)
                continue
            out.rereads += 1
            if status != 200:
                out.problems.append(f"{tag} re-read of {fid}: {status} {body}")
                continue
            (known if kind == "shared" else own)[fid] = body["version"]
        else:
            out.problems.append(f"{tag} write {i} ({kind}): unexpected {status} {body}")
    client.close()


def test_concurrent_writers_lose_nothing(tmp_path, capsys):
    data = tmp_path / "data"
    token = create_token(data, "writer", "planner")
    with ServerProcess.start(data, tmp_path / "server.log") as server, server.client(token) as client:
        shared: dict[int, int] = {}
        outcome = Outcome()
        for n in range(SHARED):
            props = props_for("shared", n)
            status, _, body = client.create(props, *position(100_000 + n))
            assert status == 201, body
            shared[body["id"]] = body["version"]
            outcome.acks.append(Ack(body["id"], body["version"], body["properties"], body["op"], f"setup#{n}"))

        start = threading.Barrier(THREADS + 1)
        outcomes = [Outcome() for _ in range(THREADS)]
        threads = [
            threading.Thread(target=_writer, args=(server, token, t, shared, start, outcomes[t]), daemon=True)
            for t in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.monotonic()
        for thread in threads:
            thread.join(timeout=max(1.0, TIME_BUDGET_S - (time.monotonic() - began)))
        elapsed = time.monotonic() - began
        assert not any(t.is_alive() for t in threads), f"writers still running after {TIME_BUDGET_S} s"

        for part in outcomes:
            outcome.acks += part.acks
            outcome.statuses += part.statuses
            outcome.problems += part.problems
            outcome.stale += part.stale
            outcome.rereads += part.rereads
            outcome.own_conflicts += part.own_conflicts
        writes = sum(outcome.statuses.values())
        acked = outcome.statuses[200] + outcome.statuses[201]
        with capsys.disabled():
            print(
                f"\n[durability] {THREADS} threads x {WRITES_PER_THREAD} writes: {writes} writes in {elapsed:.1f} s ="
                f" {writes / elapsed:.0f} writes/s ({acked / elapsed:.0f} acknowledged/s); statuses"
                f" {dict(sorted(outcome.statuses.items()))}; {outcome.stale} x 412, {outcome.rereads} re-reads"
            )

        # Every request was answered, and only with what the protocol allows.
        assert not outcome.problems, "\n".join(outcome.problems[:30])
        assert writes == THREADS * WRITES_PER_THREAD
        assert not [s for s in outcome.statuses if s >= 500]
        assert set(outcome.statuses) <= {200, 201, 204, 412}, outcome.statuses
        assert outcome.statuses[204] > 0, "no deletion was exercised"
        assert outcome.statuses[412] == outcome.stale > 0, "stale If-Match on shared features never got a 412"
        assert outcome.own_conflicts == 0, "an edit of a feature nobody else touched was refused as stale"

        # No two writes were acknowledged as the same version: that would be a lost update.
        by_key: dict[tuple[int, int], Ack] = {}
        for ack in outcome.acks:
            assert (ack.fid, ack.version) not in by_key, f"{ack} and {by_key[(ack.fid, ack.version)]} share a version"
            by_key[(ack.fid, ack.version)] = ack
        acked_versions: dict[int, list[int]] = defaultdict(list)
        for ack in outcome.acks:
            acked_versions[ack.fid].append(ack.version)
            assert (ack.op == "create") == (ack.version == 1), ack

        # Every acknowledged write is in the stored history, exactly, and nothing else is.
        for fid, versions in acked_versions.items():
            history = client.history(fid)
            stored = [v["version"] for v in history]
            assert stored == list(range(1, len(history) + 1)), f"feature {fid}: versions {stored}"
            assert sorted(versions) == stored, f"feature {fid}: acknowledged {sorted(versions)}, stored {stored}"
            for version in history:
                assert version["properties"] == by_key[(fid, version["version"])].properties, (fid, version)
            instants = [v["valid_from"] for v in history]  # millisecond text here; microseconds checked below
            assert instants == sorted(instants), f"feature {fid}: valid_from goes back: {instants}"
            assert [v["valid_to"] for v in history[:-1]] == instants[1:], f"feature {fid}: gaps in its timeline"
            assert history[-1]["valid_to"] is None
            assert [v["op"] for v in history] == [by_key[(fid, v)].op for v in stored]

        # The live features are exactly the acknowledged creates not deleted since, each at its newest
        # acknowledged version.
        deleted = {ack.fid for ack in outcome.acks if ack.op == "delete"}
        live = set(acked_versions) - deleted
        features, matched = client.all_features()
        assert matched == len(features) == len(live)
        assert {f["id"] for f in features} == live
        for feature in features:
            top = max(acked_versions[feature["id"]])
            assert feature["version"] == top
            assert feature["properties"] == by_key[(feature["id"], top)].properties
        status, _, layer = client.request("GET", FEATURES.rsplit("/", 1)[0])
        assert status == 200 and layer["feature_count"] == len(live)

    assert not server.server_errors(), "\n".join(server.server_errors()[:20])
    with open_db(data) as conn:
        assert consistency_problems(conn) == []
        rows = conn.execute("SELECT fid, version, valid_from FROM version WHERE layer = 'bins' ORDER BY fid, version")
        previous = None
        for fid, _version, valid_from in rows:
            if previous and previous[0] == fid:
                assert valid_from > previous[1], f"feature {fid}: valid_from not strictly increasing"
            previous = (fid, valid_from)
        assert conn.execute("SELECT count(*) FROM version WHERE layer = 'bins'").fetchone()[0] == len(outcome.acks)
    conn.close()
