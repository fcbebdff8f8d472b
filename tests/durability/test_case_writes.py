"""Case writes the way the field phones' offline outbox sends them: every request carries an
``Idempotency-Key`` and goes out 2–3 times (raced, repeated after its answer "was lost", resent late) and
again after ``kill -9``; each change must then exist exactly once.

Both tests start ``server.py`` with the demo community on a fresh data directory, take API tokens for the
demo users ``planner`` (files, dispatches, verifies anywhere), ``wangge1`` (cells 440106003012001–004) and
``wangge2`` (005–008) through the login API, and drive fresh cases placed inside known grid cells through
report (by the cell's worker or the planner) → before photo (some) → filed (+ a note) → dispatched to the
cell's worker → in_progress → the worker's note → one or two after photos → fixed (the worker) → closed
(the planner, so never the fixer). Transitions carry notes; the worker's transitions and notes carry
``If-Match`` from the version before. Every photo is a small real JPEG sent as multipart with a new
boundary on every send, as a browser draws one. Eight driver threads each own some cases.

How each request is sent (its "plan"), and what every copy must get back (web/idempotency.py ``run_once``):

* ``lost``: sent again after its answer arrived. It gets the stored answer with ``Idempotent-Replayed:
  true``: the same status, the same body byte for byte, the same ``ETag`` and ``Location``.
* ``late``: sent again once its case is closed, so a transition's ``If-Match`` is long stale and the
  transition itself no longer legal: still the stored answer (never 412 or 409), and no new version.
* ``race``: two threads send it at the same instant on two connections. The racer that gets SQLite's
  write lock first (``BEGIN IMMEDIATE`` in ``Store.atomic()``) makes the change and stores its answer in
  the same transaction. The other either finds that answer before asking for the lock, or, having looked
  too early, waits on the lock (busy_timeout 30 s) and looks again inside its own transaction, where it
  finds it. Either way exactly one of the two answers is the original (no ``Idempotent-Replayed``) and the
  other is the same bytes with ``Idempotent-Replayed: true``: never a 409 (``illegal_transition`` from
  doing the step twice), a 422 or a 5xx, and never a second version or photo.

``test_repeats_and_races_happen_exactly_once``: 20 cases, no crash.

``test_kill_9_and_resend_happen_exactly_once``: 16 cases, and the server is killed twice and restarted on
the same directory; every send that got no answer is sent again with its key, body and headers:

1. ``random``: after a random number of answered sends (the seed is printed);
2. ``batch``: every driver is held at its next first delivery; three of them are sent by "deaf" phones that
   never read the answer (signal lost after sending) and the kill waits until the store has committed
   them; then the others are released together and the kill comes at the first commit among them, so the
   rest of that batch is in flight.

After each restart, before anything is resent, the test looks in the SQLite file for every key whose send
was cut off. A key committed there whose answer never arrived must get exactly that stored answer, replayed;
a key not committed must be performed by the resend (no ``Idempotent-Replayed``). At the end every case's
``GET /api/cases/{id}`` (transitions, notes, photos) and feature history show each intended step exactly
once, in order; photo counts are exact; ``PRAGMA integrity_check`` and the store's invariants hold.
"""

from __future__ import annotations

import http.client
import io
import itertools
import json
import random
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from ._support import SQLITE_ONLY, ServerProcess, consistency_problems, open_db

pytestmark = SQLITE_ONLY

DRIVERS = 8
REPEAT_CASES = 20
CRASH_CASES = 16
SEND_TIMEOUT_S = 30
RUN_TIMEOUT_S = 90  # fails loudly instead of hanging when the machine is far slower than expected
PLAN_SEED = 20261129  # which sends race, repeat or come late: fixed, so the coverage is the same each run
PASSWORDS = {"planner": "demo-planner-2026", "wangge1": "demo-worker-2026", "wangge2": "demo-worker-2026"}
CATEGORIES = ("0102", "0103", "0106", "0201", "0504", "0507")
DEAF = 3  # requests of the batch sent by phones that never read the answer


# -- what is sent and what came back ---------------------------------------------------------------------


@dataclass
class Answer:
    how: str  # first, race, lost, late, resend
    status: int
    replayed: bool
    raw: bytes
    etag: str | None
    location: str | None

    def body(self) -> dict:
        return json.loads(self.raw)


@dataclass
class Case:
    n: int
    tag: str
    cell: str
    worker: str
    reporter: str
    lon: float
    lat: float
    category: str
    steps: list[Step] = field(default_factory=list)
    fid: int | None = None
    etag: str | None = None  # of the newest version answered so far


@dataclass(eq=False)
class Step:
    case: Case
    kind: str  # report, transition, note, photo
    user: str
    key: str
    plan: tuple[str, ...]  # "single" or "race", then any of "lost", "late"
    body: dict | None = None
    photo: tuple[str, bytes] | None = None  # (before|after, JPEG)
    version: int | None = None  # the case version this step makes (photos make none)
    if_match: bool = False
    path: str | None = None  # fixed at the first send, with the headers
    headers: dict = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    cuts: list[str] = field(default_factory=list)  # sends that got no answer
    cut_pending: bool = False  # a send was cut since the last restart
    lost_committed: bool = False  # committed while no answer had arrived: every answer must be a replay
    stored: tuple[int, str] | None = None  # (status, body) in the store at the restart that found it

    def freeze(self) -> None:
        case = self.case
        self.path = "/api/cases" if self.kind == "report" else f"/api/cases/{case.fid}/{self.kind}s"
        if self.if_match:
            self.headers["If-Match"] = case.etag


class Gate:
    """Where every send waits for the server: open (send now), closed (hold, for a kill and restart), or
    releasing chosen held sends one by one. Knows how many sends are on the wire."""

    def __init__(self, port: int) -> None:
        self.cond = threading.Condition()
        self.port = port
        self.open = True
        self.hold_fresh = False  # while closed: let repeats through, hold only first deliveries
        self.killing = False
        self.killed = threading.Event()
        self.busy = 0
        self.waiting: dict[int, tuple[Step, str]] = {}
        self.released: set[int] = set()
        self.deaf: set[int] = set()
        self._ids = itertools.count()

    def enter(self, step: Step, how: str) -> tuple[int, bool]:
        with self.cond:
            me = next(self._ids)
            self.waiting[me] = (step, how)
            self.cond.notify_all()
            # a race's twin stops being a first delivery when the other twin's answer arrives (see leave())
            while not (self.open or me in self.released or (self.hold_fresh and (step.answers or step.cuts))):
                self.cond.wait()
            del self.waiting[me]
            self.released.discard(me)
            deaf = me in self.deaf
            self.deaf.discard(me)
            self.busy += 1
            return self.port, deaf

    def leave(self) -> None:
        with self.cond:
            self.busy -= 1
            self.cond.notify_all()

    def close(self, hold_fresh: bool = False) -> None:
        with self.cond:
            self.open, self.hold_fresh = False, hold_fresh

    def release(self, ids, deaf: bool = False) -> None:
        with self.cond:
            self.released |= set(ids)
            if deaf:
                self.deaf |= set(ids)
            self.cond.notify_all()

    def wait_for(self, condition, what: str, timeout: float = SEND_TIMEOUT_S) -> None:
        with self.cond:
            assert self.cond.wait_for(condition, timeout), f"timed out waiting for {what}"

    def reopen(self, port: int) -> None:
        with self.cond:
            self.port, self.open, self.hold_fresh, self.killing = port, True, False, False
            self.killed.clear()
            self.cond.notify_all()


@dataclass
class World:
    gate: Gate
    tokens: dict[str, str]
    cases: list[Case]
    crashes: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: int = 0
    senders: int = 0  # threads that will still send (drivers and race twins)
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def steps(self) -> list[Step]:
        return [step for case in self.cases for step in case.steps]

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


# -- the plan ----------------------------------------------------------------------------------------


def _jpeg(seed: int) -> bytes:
    """A small real JPEG, different for every seed (so no two photos are the same picture)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (96, 72), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(80), rng.randrange(56)
        draw.rectangle((x, y, x + rng.randrange(4, 30), y + rng.randrange(4, 30)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _repeat_plan(rng: random.Random) -> tuple[str, ...]:
    """2–3 sends: a single first send or two racing ones, then repeats after the answer came."""
    if rng.random() < 0.35:
        return ("race",) + ((rng.choice(("lost", "late")),) if rng.random() < 0.4 else ())
    extra = rng.choice((("lost",), ("late",), ("lost", "late"), ("lost", "lost")))
    return ("single", *extra)


def _cells(client, token: str) -> dict[str, tuple[float, float, float, float]]:
    """Grid cell code -> its bounding box, from the server's own grid layer."""
    status, _, body = client.request("GET", "/api/layers/grid/features?limit=100",
                                     headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    boxes = {}
    for feature in body["features"]:
        ring = feature["geometry"]["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        boxes[feature["properties"]["code"]] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def _plan_cases(prefix: str, count: int, boxes: dict, rng: random.Random) -> list[Case]:
    codes = sorted(boxes)
    assert len(codes) == 8, codes
    cases = []
    for n in range(count):
        cell = codes[n % 8]
        worker = "wangge1" if codes.index(cell) < 4 else "wangge2"
        x0, y0, x1, y1 = boxes[cell]
        # well inside the cell's box (the cells are near-rectangles), so the grid cell is certain
        lon = x0 + (x1 - x0) * rng.uniform(0.3, 0.7)
        lat = y0 + (y1 - y0) * rng.uniform(0.3, 0.7)
        tag = f"{prefix}-c{n:02d}"
        case = Case(n, tag, cell, worker, worker if n % 2 == 0 else "planner", round(lon, 7), round(lat, 7),
                    CATEGORIES[n % len(CATEGORIES)])
        specs: list[tuple] = [("report", case.reporter, {"category": case.category, "lon": case.lon,
                                                          "lat": case.lat, "description": f"{tag} 耐久测试问题点"})]
        if n % 3 == 0:
            specs.append(("photo", case.reporter, ("before", _jpeg(n * 100 + 1))))
        specs += [
            ("transition", "planner", {"to": "filed", "note": f"{tag} 立案"}),
            ("note", "planner", {"note": f"{tag} 请尽快处理"}),
            ("transition", "planner", {"to": "dispatched", "assignee": worker, "note": f"{tag} 派遣"}),
            ("transition", worker, {"to": "in_progress", "note": f"{tag} 已到场"}),
            ("note", worker, {"note": f"{tag} 正在清理"}),
            ("photo", worker, ("after", _jpeg(n * 100 + 2))),
        ]
        if n % 2:
            specs.append(("photo", worker, ("after", _jpeg(n * 100 + 3))))
        specs += [
            ("transition", worker, {"to": "fixed", "note": f"{tag} 已处理"}),
            ("transition", "planner", {"to": "closed", "note": f"{tag} 核查通过"}),
        ]
        version = 0
        for k, (kind, user, payload) in enumerate(specs):
            step = Step(case, kind, user, f"{tag}-s{k:02d}-{uuid.uuid4().hex[:12]}", _repeat_plan(rng),
                        if_match=user == worker and kind in ("transition", "note"))
            if kind == "photo":
                step.photo = payload
            else:
                step.body = payload
                version += 1
                step.version = version
            case.steps.append(step)
        cases.append(case)
    return cases


# -- sending ----------------------------------------------------------------------------------------------


def _send(world: World, step: Step, how: str, port: int, deaf: bool) -> Answer:
    """One POST on its own connection; a deaf sender sends and never reads the answer."""
    headers = {**step.headers, "Authorization": f"Bearer {world.tokens[step.user]}",
               "Idempotency-Key": step.key, "Accept": "application/json"}
    if step.photo is not None:
        kind, jpeg = step.photo
        boundary = f"----cw{uuid.uuid4().hex}"  # a new one per send, as a browser draws
        payload = (f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
                   f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="IMG_{step.key[-6:]}.jpg"'
                   f"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + jpeg + f"\r\n--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        payload = json.dumps(step.body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SEND_TIMEOUT_S)
    try:
        conn.request("POST", step.path, body=payload, headers=headers)
        if deaf:
            world.gate.killed.wait(SEND_TIMEOUT_S)
            raise ConnectionAbortedError("answer never read: the phone lost its signal after sending")
        response = conn.getresponse()
        raw = response.read()
        return Answer(how, response.status, response.getheader("Idempotent-Replayed") == "true", raw,
                      response.getheader("ETag"), response.getheader("Location"))
    finally:
        conn.close()


def _deliver(world: World, step: Step, how: str, start: threading.Barrier | None = None) -> None:
    """Send until an answer arrives: a send cut off by a kill is sent again (same key, body, headers)."""
    if start is not None:
        start.wait(SEND_TIMEOUT_S)
    while True:
        port, deaf = world.gate.enter(step, how)
        answer, failure, expected = None, None, False
        try:
            answer = _send(world, step, how, port, deaf)
        except (OSError, http.client.HTTPException) as exc:
            failure, expected = exc, world.gate.killing
        except BaseException:
            world.gate.leave()
            raise
        with world.lock:  # recorded before leaving the gate, so a kill's look-up sees every cut send
            if answer is not None:
                step.answers.append(answer)
                world.answered += 1
                world.counts[f"sent:{how}"] += 1
                world.counts["replayed" if answer.replayed else "performed"] += 1
                if answer.status >= 300:
                    world.problems.append(f"{step.key} ({how}): {answer.status} {answer.raw[:300]!r}")
            else:
                step.cuts.append(how)
                step.cut_pending = True
                world.counts["cut" + (" (deaf)" if deaf else "")] += 1
                world.counts["resends due"] += how != "resend"  # a resend cut again is still one resend due
        world.gate.leave()
        if answer is not None:
            return
        if not (world.crashes and expected):
            world.problem(f"{step.key} ({how}): no answer and no kill: {failure!r}")
            return
        how = "resend"


def _race(world: World, step: Step) -> None:
    start = threading.Barrier(2)
    with world.lock:
        world.senders += 1
    twin = threading.Thread(target=_sender, args=(world, _deliver, world, step, "race", start), daemon=True)
    twin.start()
    _deliver(world, step, "race", start)
    twin.join(RUN_TIMEOUT_S)
    if twin.is_alive():
        world.problem(f"{step.key}: the racing twin hung")


def _run_step(world: World, step: Step) -> None:
    step.freeze()
    if step.plan[0] == "race":
        _race(world, step)
    else:
        _deliver(world, step, "first")
    for _ in range(step.plan.count("lost")):
        _deliver(world, step, "lost")
    first = step.answers[0] if step.answers else None
    if first is None or first.status >= 300:
        raise RuntimeError(f"{step.key}: no usable answer ({first and first.status}); this case stops here")
    if step.kind == "report":
        step.case.fid = first.body()["id"]
    if step.version is not None:
        step.case.etag = first.etag


def _drive(world: World, cases: list[Case]) -> None:
    for case in cases:
        for step in case.steps:
            _run_step(world, step)
        for step in case.steps:
            if "late" in step.plan:
                _deliver(world, step, "late")


def _sender(world: World, target, *args) -> None:
    """A thread that sends: counted while alive (see ``_batch_crash``), its failures become problems."""
    try:
        target(*args)
    except Exception:
        world.problem(traceback.format_exc(limit=3))
    finally:
        with world.gate.cond:
            with world.lock:
                world.senders -= 1
            world.gate.cond.notify_all()


def _start_drivers(world: World) -> list[threading.Thread]:
    shares = [world.cases[d::DRIVERS] for d in range(DRIVERS)]
    with world.lock:
        world.senders += len(shares)
    threads = [threading.Thread(target=_sender, args=(world, _drive, world, share), daemon=True) for share in shares]
    for thread in threads:
        thread.start()
    return threads


def _join(world: World, threads: list[threading.Thread], began: float) -> None:
    for thread in threads:
        thread.join(max(1.0, RUN_TIMEOUT_S - (time.monotonic() - began)))
    assert not any(t.is_alive() for t in threads), f"drivers still running after {RUN_TIMEOUT_S} s"


# -- the server, tokens and the store -------------------------------------------------------------


def _start(data: Path, log: Path) -> ServerProcess:
    return ServerProcess.start(data, log, extra=())  # with the demo community and its users


def _demo_tokens(server: ServerProcess) -> dict[str, str]:
    """An API token per demo user, made over HTTP: log in, then ``POST /api/users/<name>/tokens``."""
    tokens = {}
    with server.client() as client:
        for name, password in PASSWORDS.items():
            json_type = {"Content-Type": "application/json"}
            status, head, body = client.request("POST", "/api/login", {"name": name, "password": password}, json_type)
            assert status == 200, (name, status, body)
            session = {"Cookie": head["set-cookie"].split(";", 1)[0], "X-CSRF-Token": body["csrf_token"], **json_type}
            asked = {"label": "durability", "password": password}  # minting a token asks for the password
            status, _, made = client.request("POST", f"/api/users/{name}/tokens", asked, session)
            assert status == 201, (name, status, made)
            tokens[name] = made["token"]
            client.request("POST", "/api/logout", headers=session)
    return tokens


def _stored_answers(conn, keys: list[str]) -> dict[str, tuple[str, int, str]]:
    """key -> (actor, status, body) of every stored answer among ``keys``, read from the SQLite file."""
    found = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        rows = conn.execute(f"SELECT key, actor, status, body FROM idempotency WHERE key IN"
                            f" ({','.join('?' * len(chunk))})", chunk).fetchall()
        found.update({key: (actor, status, body) for key, actor, status, body in rows})
    return found


def _stored_now(data: Path, keys: list[str]) -> dict[str, tuple[str, int, str]]:
    conn = open_db(data)
    try:
        return _stored_answers(conn, keys)
    finally:
        conn.close()


# -- the checks --------------------------------------------------------------------------------------


def _check_step(step: Step, stored: tuple[str, int, str] | None) -> list[str]:
    """Every copy of one request got the one stored answer; exactly one performed it, unless its answer was
    lost in a crash; the answer is the change intended."""
    where = f"{step.case.tag} {step.kind} {step.key}"
    answers = step.answers
    if not answers:
        return [f"{where}: never answered"]
    problems = []
    want = 200 if step.kind == "transition" else 201
    if {a.status for a in answers} != {want}:
        problems.append(f"{where}: statuses {[(a.how, a.status) for a in answers]}, expected {want}")
    if len({a.raw for a in answers}) != 1:
        problems.append(f"{where}: different bodies for one key: {[a.raw[:200] for a in answers]}")
    if len({(a.etag, a.location) for a in answers}) != 1:
        problems.append(f"{where}: different ETag/Location: {[(a.how, a.etag, a.location) for a in answers]}")
    fresh = [a for a in answers if not a.replayed]
    if len(fresh) != (0 if step.lost_committed else 1):
        problems.append(f"{where}: {len(fresh)} answers without Idempotent-Replayed"
                        f" ({[(a.how, a.replayed) for a in answers]}; committed unanswered: {step.lost_committed})")
    if any(a.how in ("lost", "late") for a in fresh):
        problems.append(f"{where}: a repeat after the answer performed the request again")
    if stored is None:
        return problems + [f"{where}: no stored answer in the idempotency table"]
    if stored[0] != step.user or stored[1] != want or stored[2].encode("utf-8") != answers[0].raw:
        problems.append(f"{where}: the stored answer {stored[:2]} differs from the one sent")
    if step.stored is not None and step.stored != (stored[1], stored[2]):
        problems.append(f"{where}: the stored answer changed after the crash")
    body = answers[0].body()
    case = step.case
    if step.kind == "photo":
        if (body.get("kind"), body.get("case_id"), body.get("uploaded_by")) != (step.photo[0], case.fid, step.user):
            problems.append(f"{where}: photo answer {body}")
        return problems
    expected = {"version": step.version, "updated_by": step.user, "etag": answers[0].etag}
    if step.kind == "report":
        expected |= {"status": "reported", "description": step.body["description"], "grid_code": case.cell}
        if answers[0].location != f"/api/cases/{body.get('id')}":
            problems.append(f"{where}: Location {answers[0].location} for case {body.get('id')}")
    else:
        expected |= {"id": case.fid, "note": step.body["note"]}
        if step.kind == "transition":
            expected["status"] = step.body["to"]
    got = {k: body.get(k) for k in expected}
    if got != expected:
        problems.append(f"{where}: answered {got}, expected {expected}")
    return problems


def _check_case(client, case: Case) -> list[str]:
    """The case as stored: each intended step once, in order, by its user; the exact photos."""
    where = f"{case.tag} (case {case.fid})"
    status, _, detail = client.request("GET", f"/api/cases/{case.fid}")
    if status != 200:
        return [f"{where}: GET {status} {detail}"]
    versions = [s for s in case.steps if s.version is not None]
    transitions = [(None, "reported", case.reporter, None, 1)]
    notes, history = [], [("create", "reported", None, case.reporter)]
    status_now = "reported"
    for step in versions[1:]:
        if step.kind == "transition":
            transitions.append((status_now, step.body["to"], step.user, step.body["note"], step.version))
            status_now = step.body["to"]
        else:
            notes.append((step.user, step.body["note"], step.version))
        history.append(("update", status_now, step.body["note"], step.user))
    problems = []
    got = [(t["from"], t["to"], t["by"], t["note"], t["version"]) for t in detail["transitions"]]
    if got != transitions:
        problems.append(f"{where}: transitions {got}, expected {transitions}")
    got = [(n["by"], n["note"], n["version"]) for n in detail["notes"]]
    if got != notes:
        problems.append(f"{where}: notes {got}, expected {notes}")
    for kind in ("before", "after"):
        want = sorted(s.answers[0].body()["id"] for s in case.steps if s.photo and s.photo[0] == kind and s.answers)
        got = sorted(p["id"] for p in detail["photos"][kind])
        if got != want:
            problems.append(f"{where}: {kind} photos {got}, expected {want}")
    if (detail["version"], detail["status"], detail["fixed_by"]) != (len(versions), "closed", case.worker):
        problems.append(f"{where}: now version {detail['version']} {detail['status']} fixed by {detail['fixed_by']}")
    status, _, body = client.request("GET", f"/api/layers/blackspots/features/{case.fid}/history")
    if status != 200:
        return problems + [f"{where}: history {status} {body}"]
    got = [(v["op"], v["properties"]["status"], v["properties"].get("note"), v["author"]) for v in body["features"]]
    if got != history or [v["version"] for v in body["features"]] != list(range(1, len(history) + 1)):
        problems.append(f"{where}: history {got}, expected {history}")
    return problems


def _check_all(world: World, server: ServerProcess, data: Path, prefix: str) -> None:
    assert not world.problems, "\n".join(world.problems[:20])
    steps = world.steps()
    stored = _stored_now(data, [s.key for s in steps])
    problems = [p for step in steps for p in _check_step(step, stored.get(step.key))]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])
    with server.client(world.tokens["planner"]) as client:
        problems = [p for case in world.cases for p in _check_case(client, case)]
        assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])
        photo_ids = [s.answers[0].body()["id"] for s in steps if s.photo]
        for photo_id in photo_ids:  # every committed photo record has its image file
            status, head, _ = client.request("GET", f"/api/photos/{photo_id}")
            assert status == 200 and head.get("content-type") == "image/jpeg", (photo_id, status)
    conn = open_db(data)
    try:
        assert consistency_problems(conn) == []
        found = conn.execute("SELECT count(DISTINCT fid) FROM version WHERE layer = 'blackspots'"
                             " AND json_extract(properties, '$.description') LIKE ?", (f"{prefix}-c%",)).fetchone()[0]
        assert found == len(world.cases), f"{found} cases stored for {len(world.cases)} reported"
        fids = [case.fid for case in world.cases]
        photos = conn.execute(f"SELECT count(*) FROM photo WHERE case_fid IN ({','.join('?' * len(fids))})",
                              fids).fetchone()[0]
        assert photos == len(photo_ids), f"{photos} photos stored for {len(photo_ids)} sent"
        kept = conn.execute("SELECT count(*) FROM idempotency WHERE key LIKE ?", (f"{prefix}-c%",)).fetchone()[0]
        assert kept == len(steps), f"{kept} stored answers for {len(steps)} requests"
    finally:
        conn.close()


def _races(world: World) -> Counter:
    """How each race ended: the loser's answer is always a replay; "both cut" means the kill came first."""
    out = Counter()
    for step in world.steps():
        if step.plan[0] == "race":
            racers = [a for a in step.answers if a.how == "race"]
            out[f"{len(racers)} answered, {sum(a.replayed for a in racers)} replayed"] += 1
    return out


def _summary(world: World, elapsed: float) -> str:
    steps = world.steps()
    plans = Counter(p for s in steps for p in s.plan)
    sends = sum(v for k, v in world.counts.items() if k.startswith("sent:"))
    return (f"{len(world.cases)} cases, {len(steps)} requests ({sum(s.photo is not None for s in steps)} photos),"
            f" {sends} answered sends in {elapsed:.1f} s; plans {dict(plans)};"
            f" answers performed {world.counts['performed']}, replayed {world.counts['replayed']};"
            f" sends by kind {({k[5:]: v for k, v in sorted(world.counts.items()) if k.startswith('sent:')})};"
            f" races {dict(_races(world))}")


# -- the tests -------------------------------------------------------------------------------------------


def _setup(tmp_path: Path, prefix: str, count: int) -> tuple[ServerProcess, World, Path]:
    data = tmp_path / "data"
    server = _start(data, tmp_path / "server.log")
    tokens = _demo_tokens(server)
    with server.client() as client:
        boxes = _cells(client, tokens["planner"])
    cases = _plan_cases(prefix, count, boxes, random.Random(PLAN_SEED + count))
    return server, World(Gate(server.port), tokens, cases), data


def test_repeats_and_races_happen_exactly_once(tmp_path, capsys):
    server, world, data = _setup(tmp_path, "rep", REPEAT_CASES)
    try:
        began = time.monotonic()
        _join(world, _start_drivers(world), began)
        elapsed = time.monotonic() - began
        with capsys.disabled():
            print(f"\n[durability] case writes, repeats and races: {_summary(world, elapsed)}")
        _check_all(world, server, data, "rep")
        assert world.counts["cut"] == 0
        races = _races(world)
        assert races and set(races) == {"2 answered, 1 replayed"}, races
        assert world.counts["sent:lost"] > 0 and world.counts["sent:late"] > 0
    finally:
        server.stop()
    assert not server.server_errors(), "\n".join(server.server_errors()[:20])


def _kill_and_restart(world: World, server: ServerProcess, data: Path) -> tuple[ServerProcess, Counter]:
    """kill -9 (the gate already closed), wait for every cut send to notice, start again on the same data
    directory, and look up every cut key in the store before anything is resent."""
    gate = world.gate
    with gate.cond:
        gate.open = gate.hold_fresh = False  # nothing more goes out until the store has been looked at
        gate.killing = True
    server.kill9()
    gate.killed.set()
    gate.wait_for(lambda: gate.busy == 0, "the cut sends to give up")
    server = _start(data, server.log)
    cut = [s for s in world.steps() if s.cut_pending]
    conn = open_db(data)
    try:
        assert consistency_problems(conn) == [], "the store is inconsistent after kill -9"
        stored = _stored_answers(conn, [s.key for s in cut])
    finally:
        conn.close()
    found = Counter()
    for step in cut:
        step.cut_pending = False
        if step.answers:
            found["repeat cut (answered before)"] += 1
        elif step.key in stored:
            step.lost_committed = True
            step.stored = stored[step.key][1:]
            found["committed, answer lost"] += 1
        else:
            found["not committed"] += 1
    gate.reopen(server.port)
    return server, found


def _random_crash(world: World, server: ServerProcess, data: Path, rng: random.Random):
    target = rng.randint(15, 60)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while world.answered < target:
        assert time.monotonic() < deadline, "the random crash moment never came"
        time.sleep(0.002)
    time.sleep(rng.uniform(0, 0.03))
    world.gate.close()
    return (*_kill_and_restart(world, server, data), f"after {world.answered} answered sends (target {target})")


def _batch_crash(world: World, server: ServerProcess, data: Path):
    """Hold every sender at its next first delivery; deaf phones send three and the kill waits for their
    commit; the rest go together and the kill comes at the first commit among them."""
    gate = world.gate
    gate.close(hold_fresh=True)
    gate.wait_for(lambda: gate.busy == 0 and len(gate.waiting) == world.senders and world.senders > 0,
                  "every sender to reach a first delivery")
    held = dict(gate.waiting)
    deaf_keys = list(dict.fromkeys(step.key for step, _ in held.values()))[:DEAF]  # a race's twins go together
    deaf = [i for i, (step, _) in held.items() if step.key in deaf_keys]
    live = [i for i in held if i not in deaf]
    live_keys = list({held[i][0].key for i in live})
    conn = open_db(data)
    try:
        gate.release(deaf, deaf=True)
        deadline = time.monotonic() + SEND_TIMEOUT_S
        while len(_stored_answers(conn, deaf_keys)) < len(deaf_keys):
            assert time.monotonic() < deadline, "the deaf sends were never committed"
            time.sleep(0.002)
        gate.release(live)
        deadline = time.monotonic() + SEND_TIMEOUT_S
        while live_keys and not _stored_answers(conn, live_keys):
            assert time.monotonic() < deadline, "no write of the batch was committed"
            time.sleep(0.0005)
    finally:
        conn.close()
    server, found = _kill_and_restart(world, server, data)
    return server, found, f"{len(deaf)} deaf sends ({len(deaf_keys)} requests) committed, then {len(live)} together"


def test_kill_9_and_resend_happen_exactly_once(tmp_path, capsys):
    server, world, data = _setup(tmp_path, "crash", CRASH_CASES)
    world.crashes = True
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    report = []
    try:
        began = time.monotonic()
        threads = _start_drivers(world)
        server, found, moment = _random_crash(world, server, data, rng)
        report.append(f"random kill {moment}: {dict(found)}")
        deadline, target = time.monotonic() + RUN_TIMEOUT_S, world.answered + 20
        while world.answered < target and world.senders:
            assert time.monotonic() < deadline, "no progress after the first restart"
            time.sleep(0.002)
        server, found, moment = _batch_crash(world, server, data)
        report.append(f"batch kill, {moment}: {dict(found)}")
        _join(world, threads, began)
        elapsed = time.monotonic() - began
        resends = world.counts["sent:resend"]
        with capsys.disabled():
            print(f"\n[durability] case writes across kill -9 (seed {seed}): {_summary(world, elapsed)};"
                  f" cut sends {world.counts['cut']} + {world.counts['cut (deaf)']} deaf, resends answered"
                  f" {resends}\n  " + "\n  ".join(report))
        _check_all(world, server, data, "crash")
        lost = sum(s.lost_committed for s in world.steps())
        assert lost >= DEAF, f"only {lost} requests were committed while their answer was lost"
        assert resends == world.counts["resends due"] > DEAF, "every send cut off is resent until answered"
    finally:
        server.stop()
    assert not server.server_errors(), "\n".join(server.server_errors()[:20])
