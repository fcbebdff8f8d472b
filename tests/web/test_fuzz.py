"""Property-based fuzzing of every endpoint of the app (``app.url_map``) with every method: path
parameters both real and bogus, malformed GeoJSON (mutations of valid bodies), hostile query strings,
headers and multipart uploads (real and broken photos; for imports, the broken XLSX, KML/KMZ, zips,
shapefiles, GeoPackages and OSM files of ``upload_corpus.py``), as an administrator's API token, a browser
session, a planner, a leader, a field worker and anonymously. The case workflow is aimed at too: cases in every state of
``layers/cases/workflow.json`` (made on demand) both inside the field worker's grid cells and outside them,
reports inside the world's grid cells, every transition with
its notes, assignees, deadlines and duplicate links, with and without If-Match, real and broken photos,
rounds, categories, the case filters and Idempotency-Key headers.

The invariants, checked on every single request:

* the status is 2xx, 3xx or 4xx, never 5xx, and no exception escapes the app;
* every response >= 400 has the one error shape ``{"error": {status, code, message, message_zh, details}}``
  (under ``/open311/``, the documented exception, GeoReport v2's ``[{"code", "description"}]``);
* a refused request (>= 400) leaves the store unchanged: a digest of the database content (every table
  but ``login_attempt``, ``audit``, ``session`` and ``token.last_used_at``) is taken right before and
  right after it;
* Idempotency-Key: the harness keeps what it first sent with each (user, key) that succeeded; a response
  marked ``Idempotent-Replayed`` must answer that same request and leave the store unchanged, the same
  request again is never a second change, and a different request with the key is refused with 422
  ``idempotency_key_reused`` (:func:`key_problem`).

Product bugs this fuzzer has found are kept in :data:`FIXED_BUGS` with a minimal reproduction that
:func:`test_fixed_bug_stays_fixed` runs as a regression test. While a new finding is being fixed it may
be listed in :data:`TOLERATED` (the same shape): the fuzzer then tolerates a failure only when the
request matches that bug's signature.

``FUZZ_STRICT=1`` tolerates nothing (known bugs fail too); ``FUZZ_SCALE=10`` runs ten times the examples
(CI's default takes about 80 s). Hypothesis prints a failing request as ``Request(...)``; ``@fid``,
``@etag``, ``@staleetag``, ``@token``, ``@csrf``, ``@newlayer``, ``@newkey``, ``@case.<state>`` (a live
case in that state in the west cell, the field worker's), ``@east.<state>`` (the same in the east cell, outside
the field worker's cells), ``@photoid`` and, in bodies, ``"@case.<state>"``, ``"@photo"`` (a loose photo of the
sender) and ``"@future"`` stand for live values filled in at send time (:func:`resolve`).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import gzip
import hashlib
import io
import json
import os
import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, note, settings
from hypothesis import given as hypothesis_given
from hypothesis import strategies as st
from PIL import Image
from werkzeug.datastructures import MultiDict

from layers.accounts import TOKEN_PREFIX, check_new_user, new_secret, secret_hash
from layers.cases import CaseContext, create_case, transition, workflow
from layers.cases.categories import ICONS, check_category
from layers.cases.photos import add_case_photo, add_loose_photo, prepare
from layers.catalogue.features import Limits, parse_new_features
from layers.catalogue.schema import check_layer_definition
from layers.errors import ValidationFailed
from layers.uploads.photos import PhotoLimits
from server import create_app
from tests.conftest import Clock, make_user, token_client
from tests.postgis_support import inspect_store
from tests.web.case_world import jpeg
from tests.web.upload_corpus import corpus

SESSION_USER, SESSION_PASSWORD = "fuzzadmin", "fuzz password 123"
LATIN1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
STRICT = os.environ.get("FUZZ_STRICT") == "1"  # set to see every failure, known bugs included
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))  # e.g. 20 for a deeper run than CI's ~30 s
BROWSER_ADDR = "192.0.2.7"  # the session client logs in "from" here, so fuzzed failed logins never lock it out


# -- the store digest ---------------------------------------------------------------------------------

DIGEST_QUERIES = {
    "meta": "SELECT * FROM meta ORDER BY key",
    "layer": "SELECT * FROM layer ORDER BY id",
    "feature": "SELECT * FROM feature ORDER BY fid",
    "version": "SELECT * FROM version ORDER BY vid",
    "cur_rtree": "SELECT * FROM cur_rtree ORDER BY id",
    "hist_rtree": "SELECT * FROM hist_rtree ORDER BY id",
    "user": "SELECT * FROM user ORDER BY id",
    # last_used_at legitimately changes on reads; login_attempt, audit and session are left out
    "token": "SELECT id, user_id, label, token_hash, created_at, revoked_at FROM token ORDER BY id",
    "category_version": "SELECT * FROM category_version ORDER BY id",
    "photo": "SELECT * FROM photo ORDER BY id",
    "idempotency": "SELECT * FROM idempotency ORDER BY actor, key",
}


def store_digest(conn: sqlite3.Connection) -> str:
    digest = hashlib.sha256()
    for table, sql in DIGEST_QUERIES.items():
        digest.update(table.encode())
        for row in conn.execute(sql):
            digest.update(repr(row).encode("utf-8", "backslashreplace"))
    return digest.hexdigest()


# -- the world the fuzzer plays in --------------------------------------------------------------------


def feature(lon=113.33, lat=23.13, geometry=None, **props) -> dict:
    geometry = geometry or {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


ROAD = {"type": "LineString", "coordinates": [[113.30, 23.10], [113.31, 23.11], [113.32, 23.10]]}
SQUARE = {"type": "Polygon", "coordinates": [[[113.3, 23.1], [113.31, 23.1], [113.31, 23.11], [113.3, 23.1]]]}
CASE = {"category": "0101", "status": "reported"}
SEED_FEATURES = {
    "bins": feature(name="一号", capacity_l=240, sorted=True, status="ok"),
    "blackspots": feature(113.331, 23.131, **CASE, description="垃圾堆放"),
    "roads": feature(geometry=ROAD, name="中山路", **{"class": "arterial"}),
    "buildings": feature(geometry=SQUARE, name="一号楼"),
    "toilets": feature(113.335, 23.135, name="公厕", flush="flush", accessible=True),
    "grid": feature(geometry=SQUARE, code="440104001001001"),
}
NEW_LAYER = "fuzz_layer"  # the id of :data:`LAYER_DEFINITION`; fuzzed definitions get a serial suffix
LAYER_DEFINITION = {
    "id": NEW_LAYER,
    "title": {"zh-CN": "测试", "en": "Test"},
    "geometry_types": ["Point"],
    "properties": {
        "kind": {"type": "string", "title": {"zh-CN": "类", "en": "Kind"}, "pattern": "[a-z]+"},
        "size": {"type": "number", "title": {"zh-CN": "大小", "en": "Size"}, "minimum": 0, "maximum": 10},
    },
    "style": {"by": "kind", "cluster": True, "classes": {"a": {"color": "#1e88e5"}}},
    "order": 900,
}
SMALL_LAYER = {  # fewer members, so mutations land on the style and the pattern more often
    "id": NEW_LAYER,
    "title": {"zh-CN": "小", "en": "Small"},
    "geometry_types": ["Point"],
    "properties": {
        "kind": {
            "type": "string",
            "title": {"zh-CN": "类", "en": "Kind"},
            "pattern": "[a-z]+",
            "maxLength": 9,
            "enum": ["abc", "xyz"],
        },
    },
    "required": ["kind"],
    "label_property": "kind",
    "style": {"by": "kind"},
}
STYLED_LAYER = {
    "id": NEW_LAYER,
    "title": {"zh-CN": "样式", "en": "Styled"},
    "geometry_types": ["Point"],
    "style": {"by": "k"},
}
SEED_FEATURES["@newlayer"] = feature(kind="abc", size=1.5)
LAYER_PROPERTIES = {
    "bins": ["name", "capacity_l", "sorted", "status"],
    "blackspots": ["category", "status", "reported_at", "grid_code"],
    "roads": ["name", "class", "lit", "width_m"],
    "grid": ["code", "name"],
    "toilets": ["flush", "grade", "accessible"],
    "@newlayer": ["kind", "size"],
    NEW_LAYER: ["kind", "size"],
}
REPORT = feature(113.332, 23.132, category="0101", description="垃圾", address="中山路 1 号")
REPORT_SEEDS = [
    REPORT,
    {"type": "FeatureCollection", "features": [REPORT]},
    {**REPORT, "properties": None},
    {"type": "FeatureCollection", "features": [SEED_FEATURES["blackspots"]]},  # a case's own properties
]
ACCOUNT_SEEDS = [
    {"name": "newbie", "role": "leader", "password": "long enough password", "grid_codes": []},
    {"display_name": "新名字", "grid_codes": ["440104001001001", "440104001002001"], "role": "field_worker"},
    {"label": "ci"},
    {"label": "ci", "password": SESSION_PASSWORD},
    {"name": "tester", "password": "wrong password"},
    {"current_password": "wrong password", "new_password": "another long password"},
]
PATCH_SEEDS = [{"properties": {"name": "二号"}}, {"geometry": {"type": "Point", "coordinates": [113.34, 23.14]}}]


# -- the case world: two grid cells with responsible units, a named road between them, cases on demand ---

WEST, EAST = "440104001002001", "440104001002002"  # the field worker "victim" works the west cell, not the east


def _square(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


CASE_PLACES = {
    "grid": [
        feature(geometry=_square(113.32, 23.12, 113.33, 23.14), code=WEST, name="西片", responsible_unit="西片工作站"),
        feature(geometry=_square(113.33, 23.12, 113.34, 23.14), code=EAST, name="东片", responsible_unit="东片工作站"),
    ],
    "roads": [
        feature(
            geometry={"type": "LineString", "coordinates": [[113.32, 23.13], [113.34, 23.13]]},
            name="风情街",
            **{"class": "secondary"},
        ),
        feature(
            geometry={"type": "LineString", "coordinates": [[113.325, 23.12], [113.325, 23.14]]},
            name="新港路",
            **{"class": "secondary"},
        ),
    ],
}
CASE_CATEGORY = "0101"  # the category of the cases made on demand; the fuzzer never PUTs it
# Users in the clients' names (the key of each client's idempotency records) and the ones that make cases
# on demand straight through layers/cases/lifecycle.py (no HTTP, so no fuzzed token or account can stop them).
CLIENT_USERS = {"admin": "tester", "session": SESSION_USER, "worker": "victim", "planner": "fuzzplanner",
                "leader": "fuzzleader"}  # fmt: skip
DRIVER = {"name": "fuzzdriver", "role": "admin", "grid_codes": []}
CHECKER = {"name": "fuzzchecker", "role": "planner", "grid_codes": []}
# How a new case reaches each state (a step "after" uploads an after photo, needed before "fixed").
ROUTES_TO = {
    "reported": [], "filed": ["filed"], "rejected": ["rejected"], "duplicate": ["duplicate"],
    "dispatched": ["filed", "dispatched", "after"], "in_progress": ["filed", "dispatched", "after", "in_progress"],
    "fixed": ["filed", "dispatched", "after", "fixed"], "closed": ["filed", "dispatched", "after", "fixed", "closed"],
    "reopened": ["filed", "dispatched", "after", "fixed", "reopened"],
}  # fmt: skip
STATES = list(workflow.STATES)
CASE_TARGETS = [f"@case.{state}" for state in STATES] + ["@case.any"]
EAST_TARGETS = [f"@east.{state}" for state in STATES]  # outside the field worker's cells
CELL_OF = {"case": WEST, "east": EAST}  # placeholder prefix -> the grid cell of its cases


def _exif(lon=None, lat=None, taken=None, offset=None) -> bytes:
    data = Image.Exif()
    if lon is not None:
        gps = data.get_ifd(0x8825)
        gps.update({1: "N" if lat >= 0 else "S", 2: (abs(lat), 0, 0), 3: "E" if lon >= 0 else "W", 4: (abs(lon), 0, 0)})
    if taken is not None:
        data.get_ifd(0x8769).update({0x9003: taken, **({0x9011: offset} if offset else {})})
    return data.tobytes()


def _image(fmt: str, colour=(90, 120, 200), size=(48, 36), **params) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, colour).save(out, format=fmt, **params)
    return out.getvalue()


PHOTOS = [
    jpeg((200, 60, 40), size=(64, 48)),
    jpeg((40, 160, 60), size=(64, 48), exif=_exif(113.3251, 23.1251, "2026:01:01 09:00:00", "+08:00")),
    jpeg((10, 20, 30), size=(48, 64), exif=_exif(0.0, 0.0, "0001:01:01 00:00:00", "+14:00")),
    jpeg((70, 70, 200), size=(32, 32), exif=_exif(-200.0, 95.0, "9999:12:31 23:59:59", "-14:00")),
    jpeg((120, 30, 160), size=(40, 30), exif=_exif(113.5, 23.5, "2019:05:05 10:00:00", "+99:99")),
    _image("PNG", (0, 0, 0, 0)),
    _image("WEBP", (30, 200, 90)),
    _image("GIF"),
]
PHOTO_FORMS = [(("kind", "before"),), (("kind", "after"),), (("kind", "during"),), (), (("kind", "before"),
               ("note", "x")), (("kind", "after"), ("kind", "before"))]  # fmt: skip
CASE_REPORTS = [
    {"category": CASE_CATEGORY, "lon": 113.3251, "lat": 23.1251, "description": "垃圾堆放"},  # the west cell
    {"category": "0102", "lon": 113.3351, "lat": 23.1349, "description": "暴露垃圾", "address": "风情街 1 号"},
    {"category": CASE_CATEGORY, "lon": 113.3252, "lat": 23.1301, "photo_ids": ["@photo"]},
    {"category": CASE_CATEGORY, "lon": 113.3253, "lat": 23.1253, "duplicate_of": "@case.reported"},
    {"category": "A001", "lon": 113.329, "lat": 23.139, "description": "缺少垃圾桶", "photo_ids": ["@photo", "@photo"]},
    {"category": CASE_CATEGORY, "lon": 23.1251, "lat": 113.3251},  # swapped
    {"category": CASE_CATEGORY, "lon": 113.3, "lat": 23.0},  # in no grid cell
]
TRANSITION_VARIANTS = {
    "filed": [{"note": "属实，立案"}],
    "rejected": [{"note": "不属实"}],
    "duplicate": [{"duplicate_of": "@case.filed"}, {"duplicate_of": "@case.duplicate"}, {"duplicate_of": "@case.any"},
                  {}],
    "dispatched": [{"assignee": "victim", "deadline": "@future"}, {"assignee": "fuzzplanner"}, {"assignee": "nobody"},
                   {"deadline": "2030-01-01T00:00:00+08:00"}, {"deadline": "2020-01-01"},
                   {"deadline": "9999-12-31T23:59:59-14:00"}, {"assignee": "fuzzleader", "deadline": 5}],
    "in_progress": [{"note": "已到现场"}],
    "fixed": [{"note": "已清理"}],
    "closed": [{"note": "复查合格"}],
    "reopened": [{"note": "复查不合格"}],
}  # fmt: skip
TRANSITION_SEEDS = [{"to": to} | extra for to, extras in TRANSITION_VARIANTS.items() for extra in [{}, *extras]]
NOTE_SEEDS = [{"note": "已联系物业"}, {"note": " "}, {"note": "x" * 2001}, {}]
ROUND_SEEDS = [
    {"case_ids": ["@case.reported", "@case.dispatched", "@case.in_progress", "@case.reopened"]},
    {"grid": WEST}, {"grid": WEST, "start": {"lon": 113.321, "lat": 23.121}}, {"grid": EAST},
    {"case_ids": ["@case.fixed"], "start": {"lon": 113.33, "lat": 23.13}}, {"case_ids": []},
]  # fmt: skip
CATEGORY = {"scheme": "local", "group": "event", "name": {"zh-CN": "测试类", "en": "Test"}, "deadline_hours": 24,
            "duplicate_radius_m": 30, "icon": sorted(ICONS)[0], "color": "#e53935", "active": True}  # fmt: skip
CATEGORY_SEEDS = [CATEGORY, {**CATEGORY, "code": "Z901"}, {**CATEGORY, "active": False, "deadline_hours": 1.5}]
CATEGORY_CODES = ["Z901", "Z902", "0102"]
BOGUS_CODES = ["Z901\n", "z901", "\x00", "ABCDEFG", "Z9 01", "名称"]
CASE_SEEDS = CASE_REPORTS + TRANSITION_SEEDS + NOTE_SEEDS + ROUND_SEEDS + CATEGORY_SEEDS


@dataclass
class World:
    """One app with its clients, real ids to aim at, and a read connection for digests."""

    app: object
    clients: dict
    db: sqlite3.Connection
    layer_ids: list = field(default_factory=list)
    csrf: str = ""
    session_dirty: bool = False
    serial: int = 0
    keys: dict = field(default_factory=dict, repr=False)  # (user, Idempotency-Key) -> its first success
    cases_made: int = 0

    @property
    def rules(self) -> list:
        return sorted(
            ((r.rule, tuple(sorted(r.methods))) for r in self.app.url_map.iter_rules()), key=lambda rule: rule[0]
        )

    def login(self) -> None:
        response = self.clients["session"].post(
            "/api/login",
            json={"name": SESSION_USER, "password": SESSION_PASSWORD},
            environ_overrides={"REMOTE_ADDR": BROWSER_ADDR},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        self.csrf, self.session_dirty = response.get_json()["csrf_token"], False

    def newest_layer(self) -> str:
        """The custom layer the fuzzer created last (``@newlayer`` in paths)."""
        row = self.db.execute("SELECT id FROM layer WHERE builtin = 0 ORDER BY created_at DESC LIMIT 1").fetchone()
        return row[0] if row else NEW_LAYER

    def live_fid(self, layer: str) -> int:
        """A live feature of ``layer``; the fuzzer deletes them, so a seeded layer gets a new one when it
        has none left (before the digest is taken). Other layers answer a feature that never existed."""
        row = self.db.execute("SELECT min(fid) FROM feature WHERE layer = ? AND deleted = 0", (layer,)).fetchone()
        if row[0] is not None:
            return row[0]
        seed = SEED_FEATURES.get("@newlayer" if layer.startswith(NEW_LAYER) else layer)
        store = self.app.extensions["store"]
        definition = store.layer(layer)
        if seed is None or definition is None:
            return 987654
        try:
            return store.create(layer, parse_new_features(definition, seed), "fuzz")[0].fid
        except ValidationFailed:  # a fuzzed layer definition the seed does not fit
            return 987654

    def etag(self, layer: str, fid: int) -> str:
        row = self.db.execute("SELECT version FROM feature WHERE fid = ? AND layer = ?", (fid, layer)).fetchone()
        return f'"{fid}.{row[0] if row else 1}"'

    def case_context(self) -> CaseContext:
        store = self.app.extensions["store"]
        return CaseContext(store, self.app.config["TZINFO"], self.app.extensions["places"], None, Limits())

    def live_case(self, state: str, cell: str = WEST) -> int:
        """A live case of :data:`CASE_CATEGORY` in ``state`` in grid ``cell`` (``any``: any live case,
        anywhere); when there is none, one is reported and moved there through layers/cases/lifecycle.py."""
        sql = "SELECT min(f.fid) FROM feature f JOIN version v ON v.vid = f.vid"
        sql += " WHERE f.layer = 'blackspots' AND f.deleted = 0"
        if state != "any":
            sql += " AND json_extract(v.properties, '$.status') = ? AND json_extract(v.properties, '$.category') = ?"
            sql += " AND json_extract(v.properties, '$.grid_code') = ?"
        row = self.db.execute(sql, () if state == "any" else (state, CASE_CATEGORY, cell)).fetchone()
        if row[0] is not None:
            return row[0]
        return self.make_case(state if state != "any" else "reported", cell)

    def case_props(self, fid: int) -> dict:
        """The current properties of case ``fid`` ({} when there is no such live case)."""
        row = self.db.execute(
            "SELECT v.properties FROM feature f JOIN version v ON v.vid = f.vid WHERE f.fid = ? AND f.deleted = 0",
            (fid,),
        ).fetchone()
        return json.loads(row[0]) if row else {}

    def make_case(self, state: str, cell: str = WEST) -> int:
        ctx, n = self.case_context(), self.cases_made
        self.cases_made += 1
        x0 = {WEST: 113.3205, EAST: 113.3305}[cell]  # the cells are 0.01° wide: 90 columns fit
        at = {"category": CASE_CATEGORY, "lon": x0 + n % 90 * 1e-4, "lat": 23.1205 + n // 90 % 190 * 1e-4}
        fid = create_case(ctx, DRIVER, at | {"description": f"fuzz {state} {n}"})[0].fid
        for step in ROUTES_TO[state]:
            if step == "after":
                photo = prepare(jpeg((n % 256, n // 256 % 256, 77), size=(32, 24)), PhotoLimits())
                add_case_photo(ctx, DRIVER, fid, "after", photo)
                continue
            body = {"to": step}
            if step == "duplicate":
                body["duplicate_of"] = create_case(ctx, DRIVER, at | {"description": "原问题"})[0].fid
            transition(ctx, CHECKER if step in ("closed", "reopened") else DRIVER, fid, body, None)
        return fid

    def loose_photo(self, client: str) -> int:
        """A photo ``client``'s user uploaded on its own and has not reported yet (made when there is none)."""
        user = CLIENT_USERS.get(client)
        if user is None:
            return 987654
        row = self.db.execute(
            "SELECT min(id) FROM photo WHERE case_fid IS NULL AND uploaded_by = ?", (user,)
        ).fetchone()
        if row[0] is not None:
            return row[0]
        photo = prepare(jpeg((self.serial % 256, 7, 99), size=(32, 24)), PhotoLimits())
        return add_loose_photo(self.case_context(), {"name": user, "role": "admin"}, photo)["id"]

    def any_photo(self) -> int:
        row = self.db.execute("SELECT max(id) FROM photo").fetchone()
        return row[0] or 987654

    def live_token(self) -> int:
        row = self.db.execute(
            "SELECT max(t.id) FROM token t JOIN user u ON u.id = t.user_id WHERE u.name = 'victim'"
        ).fetchone()
        return row[0] or 424242

    def revive_worker(self) -> None:
        """The fuzzer may revoke the field worker's token or disable the account: give it a live one."""
        store = self.app.extensions["store"]
        user = store.user("victim")
        if user["disabled"]:
            store.update_user("victim", {"disabled": False})
        if (
            self.db.execute("SELECT 1 FROM token WHERE user_id = ? AND revoked_at IS NULL", (user["id"],)).fetchone()
            is None
        ):
            secret = new_secret(TOKEN_PREFIX)
            store.add_token(user["id"], "fuzz", secret_hash(secret))
            self.clients["worker"].environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"


def build_world(app, admin, anonymous) -> World:
    make_user(app, SESSION_USER, "admin", password=SESSION_PASSWORD)
    worker_token = make_user(app, "victim", "field_worker", grid_codes=["440104001001001", WEST])
    world = World(
        app,
        {
            "admin": admin,
            "anonymous": anonymous,
            "session": app.test_client(),
            "worker": token_client(app, worker_token),
            "planner": token_client(app, make_user(app, CLIENT_USERS["planner"], "planner")),
            "leader": token_client(app, make_user(app, CLIENT_USERS["leader"], "leader")),
        },
        inspect_store(app),
    )
    response = admin.post("/api/layers", json=LAYER_DEFINITION)
    assert response.status_code == 201, response.get_data(as_text=True)
    for layer, body in SEED_FEATURES.items():
        layer = NEW_LAYER if layer == "@newlayer" else layer
        response = admin.post(
            f"/api/layers/{layer}/features", json={"type": "FeatureCollection", "features": [body] * 3}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
    for layer, features in CASE_PLACES.items():
        response = admin.post(f"/api/layers/{layer}/features", json={"type": "FeatureCollection", "features": features})
        assert response.status_code == 201, response.get_data(as_text=True)
    world.layer_ids = [layer["id"] for layer in admin.get("/api/layers").get_json()["layers"]]
    world.login()
    return world


@pytest.fixture
def world(app, client, anonymous):
    """Built once per test function and reused by every example (nothing is reset in between)."""
    world = build_world(app, client, anonymous)
    yield world
    world.db.close()


@pytest.fixture
def public_world(tmp_path, backend):
    """An app with public reports on and reads open to all, so those code paths are fuzzed too."""
    app = create_app(
        {
            "DATA_DIR": str(tmp_path / "public"),
            "STORE_URL": backend,
            "CLOCK": Clock(),
            "TESTING": True,
            "PUBLIC_REPORTS": True,
            "PUBLIC_REPORTS_PER_HOUR": 10**9,
            "READ_REQUIRES_LOGIN": False,
        }
    )
    world = build_world(app, token_client(app, make_user(app, "tester", "admin")), app.test_client())
    yield world
    world.db.close()
    app.extensions["store"].close()


# -- malformed JSON -----------------------------------------------------------------------------------

DEEP = "\x00DEEP:{}:{}\x00"  # sentinels replaced in the serialised text (Python cannot build them cheaply)
RAW = "\x00RAW:{}\x00"
HUGE_INT = "1" + "0" * 400  # a JSON integer too large for a float
NASTY_STRINGS = [
    "", " ", "\ud800", "\udfff", "a\ud800b", "\x00", "名称", "🚮", "\u202e", "a" * 10_001, "NaN", "1e999",
    "<script>alert(1)</script>", "../../etc/passwd", "2026-13-45", "2026-01-01T00:00:00+08:00", "true", "Point",
    "Feature", "FeatureCollection", "$.a[", "a{99999999999}", "(?:" * 2000 + ")" * 2000, "a'b", 'a"b', "kind",
]  # fmt: skip
NASTY_NUMBERS = [0, -1, 1.5, 1e308, -1e308, 2**53 + 1, 2**63, 10**20, 5e-324, 180.0000001, -90.5, 23.13, 113.33]
NASTY_RAW = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", HUGE_INT, "9" * 5000, "-0", "1E400", "0x10", "01"]
NASTY_STRUCTURES = [None, True, False, [], {}, [[]], [1], [1, 2, 3, 4], {"type": "Point"}, [113.3, 23.1]]
GEOJSON_TYPES = [
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
    "Feature", "FeatureCollection", "point", None,
]  # fmt: skip
UNKNOWN_KEYS = ["foo", "crs", "bbox", "id", "\ud800", "", "properties", "geometry", "type", "features", "__proto__"]
JSON_SEEDS = list(SEED_FEATURES.values()) + REPORT_SEEDS + ACCOUNT_SEEDS + PATCH_SEEDS + [LAYER_DEFINITION] + CASE_SEEDS

NASTY_NUMBER = st.one_of(
    st.sampled_from(NASTY_NUMBERS), st.sampled_from(NASTY_RAW).map(RAW.format), st.integers(), st.floats()
)
NASTY_STRING = st.sampled_from(NASTY_STRINGS) | st.text(max_size=12)
NASTY_VALUE = st.one_of(
    NASTY_STRING,
    NASTY_NUMBER,
    st.sampled_from(NASTY_STRUCTURES).map(copy.deepcopy),  # shared objects must not be mutated
    st.tuples(st.sampled_from([50, 500, 900, 990, 1100, 100_000]), st.sampled_from(["list", "dict"])).map(
        lambda t: DEEP.format(*t)
    ),
)


MUTATIONS = ["number"] * 3 + ["string"] * 3 + ["value"] * 2 + ["key", "drop", "add", "swap", "type", "wrap", "dup"]


def _paths(value, prefix=(), out=None) -> list[tuple]:
    """Every node of a JSON tree as a key path (the root is ``()``)."""
    out = [] if out is None else out
    out.append(prefix)
    if isinstance(value, dict):
        for key, item in value.items():
            _paths(item, prefix + (key,), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _paths(item, prefix + (i,), out)
    return out


def _get(value, path):
    for key in path:
        value = value[key]
    return value


def _set(root, path, new):
    if not path:
        return new
    _get(root, path[:-1])[path[-1]] = new
    return root


def _swap_positions(node):
    if isinstance(node, list) and len(node) in (2, 3) and all(isinstance(v, int | float) for v in node):
        return [node[1], node[0], *node[2:]]
    if isinstance(node, list):
        return [_swap_positions(item) for item in node]
    if isinstance(node, dict):
        return {key: _swap_positions(item) for key, item in node.items()}
    return node


def _mutate(draw, body):
    """One mutation somewhere in ``body``; returns the new body."""
    paths = _paths(body)
    action = draw(st.sampled_from(MUTATIONS))
    kinds = {"number": (int, float), "string": (str,), "key": (dict,), "dup": (list,)}
    if action in kinds:  # aim at a node of the right kind, if there is one
        paths = [p for p in paths if isinstance(_get(body, p), kinds[action])] or paths
    path = draw(st.sampled_from(paths))
    node = _get(body, path)
    if action == "number" or action == "string" or action == "value":
        strategy = {"number": NASTY_NUMBER, "string": NASTY_STRING, "value": NASTY_VALUE}[action]
        return _set(body, path, draw(strategy))
    if action == "key" and isinstance(node, dict) and node:
        old = draw(st.sampled_from(sorted(node)))
        node[draw(NASTY_STRING)] = node.pop(old)
    elif action == "drop" and path:
        del _get(body, path[:-1])[path[-1]]
    elif action == "add" and isinstance(node, dict):
        node[draw(st.sampled_from(UNKNOWN_KEYS))] = draw(NASTY_VALUE)
    elif action == "swap":
        return _set(body, path, _swap_positions(node))
    elif action == "type" and isinstance(node, dict):
        node["type"] = draw(st.sampled_from(GEOJSON_TYPES))
    elif action == "wrap":
        wrapper = draw(st.sampled_from(["list", "collection"]))
        return _set(body, path, [node] if wrapper == "list" else {"type": "FeatureCollection", "features": node})
    elif action == "dup" and isinstance(node, list) and node:
        node.extend(copy.deepcopy(node[:1]) * draw(st.integers(1, 3)))
    return body


def _serialise(draw, body, calm: bool = False) -> bytes:
    text = json.dumps(body, ensure_ascii=True)
    text = re.sub(r'"\\u0000RAW:(.*?)\\u0000"', lambda m: m[1], text)
    text = re.sub(
        r'"\\u0000DEEP:(\d+):(\w+)\\u0000"',
        lambda m: "[" * int(m[1]) + "]" * int(m[1]) if m[2] == "list" else '{"a":' * int(m[1]) + "1" + "}" * int(m[1]),
        text,
    )
    raw = text.encode()
    tweak = draw(st.sampled_from(["none"] * (24 if calm else 8) + ["cut", "bom", "garbage", "latin1"]))
    if tweak == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif tweak == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif tweak == "garbage":
        raw += draw(st.binary(min_size=1, max_size=8))
    elif tweak == "latin1":
        raw = raw.replace(b"\\u540d", "é".encode("latin-1"))
    return raw


@st.composite
def mutated_json(draw, seeds=JSON_SEEDS, calm: bool = False) -> bytes:
    """A valid body with zero to four mutations (nasty numbers and strings, renamed, lost or unknown
    members, swapped coordinates, changed types, wrapping, duplicated items), then maybe a textual cut,
    a BOM, trailing garbage or Latin-1 bytes; ``calm`` (for small bodies, which break at the first
    mutation) keeps more of them whole."""
    body = json.loads(json.dumps(draw(st.sampled_from(seeds))))
    if isinstance(body, dict) and body.get("id") == NEW_LAYER:
        body["id"] = "@newid"  # a fresh layer id at send time, so most definitions do not collide
    for _ in range(draw(st.sampled_from((0, 0, 0, 0, 1, 1, 2, 3) if calm else (0, 0, 1, 1, 2, 3, 4)))):
        body = _mutate(draw, body)
    return _serialise(draw, body, calm)


def seeds_for(path: str) -> list:
    """The valid bodies a route expects, to mutate from."""
    layer = re.match(r"/api/layers/([^/]+)/features", path)
    if layer:
        own = SEED_FEATURES.get(layer[1], SEED_FEATURES["bins"])
        return [own, own, {"type": "FeatureCollection", "features": [own, own]}, *PATCH_SEEDS]
    if path.startswith(("/api/users", "/api/login", "/api/me", "/api/tokens")):
        return ACCOUNT_SEEDS
    if path.startswith("/api/reports"):
        return REPORT_SEEDS
    if path.startswith("/api/layers"):
        return [LAYER_DEFINITION, SMALL_LAYER, STYLED_LAYER]
    moves = re.match(r"/api/cases/[^/]+/transitions$", path)
    if moves:  # the moves the lifecycle allows from the target's state first, then every other one
        state = re.match(r"/api/cases/@(?:case|east)\.(\w+)/", path)
        allowed = {t["to"] for t in workflow.next_states(state[1])} if state and state[1] in STATES else set()
        return [seed for seed in TRANSITION_SEEDS if seed["to"] in allowed] * 3 + TRANSITION_SEEDS
    if path.endswith("/notes"):
        return NOTE_SEEDS
    if path in ("/api/cases", "/api/rounds") or path.startswith("/api/categories"):
        return {"/api/cases": CASE_REPORTS, "/api/rounds": ROUND_SEEDS}.get(path, CATEGORY_SEEDS)
    return JSON_SEEDS


# -- requests -----------------------------------------------------------------------------------------

RESERVED_VALUES = {
    "bbox": ["113,23,114,24", "23,113,24,114", "1,2,3", "nan,nan,nan,nan", "-181,0,0,0", "1e999,0,0,0", "0,0,0,0"],
    "limit": ["0", "1", "-1", "10001", "1" * 25, "9" * 5000, "1.5", "abc"],
    "offset": ["0", "5", "-1", str(2**31 + 1), "1" * 25, "1e3"],
    "at": [
        "2026-01-01", "2026-01-01T00:00:00+08:00", "1970-01-01T00:00:00Z", "0001-01-01", "0001-01-01T00:00:00+14:00",
        "9999-12-31", "9999-12-31T23:59:59-14:00", "never", "2026-13-45", "2026-01-01 08:00", "-1", "1" * 30,
    ],
    "f": ["json", "geojson", "csv", ""],
}  # fmt: skip
FLAGS = ["true", "false", "1", "0", "yes", "NO", "maybe", ""]
CASE_QUERY_VALUES = {  # GET /api/cases, its candidates and the case detail
    "status": ["open", "reported", "fixed,closed", "duplicate,rejected", "open,", "bogus", "", ",", "reported," * 101],
    "group": ["open", "fixed", "closed", "open,closed", "reported", ""],
    "category": [CASE_CATEGORY, "0101,0102", "Z901", "9999", ""],
    "grid": [WEST, EAST, f"{WEST},{EAST}", "440104001001001", "123", WEST[:-1] + "x", "", "１" * 15],
    "assignee": ["me", "victim", "tester", "nobody", "", "名称"],
    "mine": FLAGS, "overdue": FLAGS, "recurring": FLAGS,
    "near": ["113.325,23.125", "180,90", "-180,-90", "0,0", "23.125,113.325", "nan,nan", "1e999,0", "113.3", "", ",",
             "a,b", "113.3,23.1,5"],
    "lon": ["113.3251", "-181", "nan", "1e999", "abc", ""], "lat": ["23.1251", "91", "inf", "-0", ""],
    **{key: RESERVED_VALUES[key] for key in ("bbox", "limit", "offset", "at")},
}  # fmt: skip
QUERY_VALUES = [
    "", "\x00", "名称", "a" * 3000, "1.5", "240", "ok", "true", "false", "1" * 25, "-" + "9" * 20, "9" * 5000, "NaN",
    "1e999", "2026-01-01", "abc",
]  # fmt: skip
QUERY_JUNK = ["", "", "", "&%00=1", "&a=%ff%fe", "&bbox=%00", "&&&", "&=&=", "&limit=1&limit=2", "&%zz=%", "&at=%00"]
CONTENT_TYPES = [
    "application/json", "application/geo+json", "application/merge-patch+json", "application/json; charset=utf-16",
    "text/plain", "", "application/x-www-form-urlencoded", "application/octet-stream", "application/json;;;",
    "multipart/form-data; boundary=x",
]  # fmt: skip
FILENAMES = ["photo.jpg", "../../etc/passwd", "C:\\evil.exe", "名称.zip", "a.shp.zip", "", ".htaccess", "x" * 300]
HEADER_VALUES = {
    "If-Match": ["@etag", "*", 'W/"1.1"', '"1.1"', '"abc"', "", '"' + "1" * 5000 + '.1"', '"1.99999999999999999999"'],
    "If-None-Match": ["*", '"bins-1-None"', "junk"],
    "Accept-Encoding": ["gzip", "br", "*", "gzip;q=0", "identity", "GZIP, deflate"],
    "X-CSRF-Token": ["@csrf", "junk", ""],
    "Origin": ["http://localhost", "null", "http://evil.example", "", "http://localhost:5000", "file://"],
    "Range": ["bytes=0-10", "bytes=999999-", "bytes=a-b"],
    "Accept": ["application/json", "*/*", "text/html"],
}
IDEMPOTENT_ROUTES = re.compile(r"/api/(cases|photos|cases/\d+/(transitions|notes|photos))$")
CASE_POST_HEADERS = {  # (aimed values, others): fresh keys, keys used before (with this request or another), broken
    "If-Match": (["@etag", "@etag", "@staleetag", "*"], ['"1.1"', "junk", 'W/"1.1"', ""]),
    "Idempotency-Key": (["@newkey"] * 3 + ["fuzz-key-0001", "fuzz-key-0002", "a.b_c:d-e"],
                        ["short", "", "bad key!", "k" * 101, "名字名字名字名字"]),
}  # fmt: skip
CLIENTS = ["admin", "admin", "anonymous", "session", "worker", "bad_token", "planner", "leader"]
CASE_CLIENTS = ["admin", "planner", "worker", "worker", "session", "leader"]
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BAD_AUTHORIZATION = [
    "Bearer ",
    "Bearer junk",
    "Basic dXNlcjpwYXNz",
    "bearer cw_x",
    "Bearer  ",
    "Token x",
    "Bearer cw_\xe9",
]
BOGUS_INTS = ["0", "987654", str(2**31), str(2**63), "1" * 25, "9" * 5000, "-1", "1.5", "abc"]
BOGUS_LAYERS = ["no_such_layer", "BINS", "%00", "..", "名称"]


@dataclass
class Request:
    """One fuzzed request; its placeholders (``@fid``, ``@case.<state>``, ...: see the module docstring)
    are filled in at send time from the store as it is then. An ``upload`` is sent as multipart with the
    ``form`` fields (default ``note``) and ``files`` copies of the file part."""

    client: str
    method: str
    path: str
    query: str = ""
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    upload: tuple | None = None
    authorization: str = ""
    form: tuple | None = None
    files: int = 1

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis prints a falsifying example
        printer.text(repr(self))

    def __repr__(self) -> str:
        def short(value):
            text = repr(value)
            return text if len(text) <= 240 else f"{text[:200]}...<{len(text)} chars>...{text[-20:]}"

        shown = {k: v for k, v in vars(self).items() if v not in (None, "", {})}
        return "Request(" + ", ".join(f"{k}={short(v)}" for k, v in shown.items()) + ")"


def _biased(draw, focus: bool, real, bogus):
    """Draw from ``real`` most of the time when ``focus`` (aimed tests), half of the time otherwise."""
    return draw(real if draw(st.integers(0, 99)) < (85 if focus else 50) else bogus)


def _path_param(draw, world: World, rule: str, converter: str | None, name: str, focus: bool, layers) -> str:
    if converter in ("int", "id"):
        if rule.startswith("/api/cases/"):
            real = st.sampled_from(CASE_TARGETS * 2 + EAST_TARGETS)
        else:
            real = st.just({"fid": "@fid", "photo_id": "@photoid"}.get(name, "@token"))
        return _biased(draw, focus, real, st.sampled_from(BOGUS_INTS) | st.integers(0, 10**4).map(str))
    if name == "code":
        return _biased(draw, focus, st.sampled_from(CATEGORY_CODES), st.sampled_from(BOGUS_CODES) | st.text(max_size=8))
    if name == "layer_id":
        real = st.sampled_from(layers or world.layer_ids + ["@newlayer"] * 2)
        return _biased(draw, focus, real, st.sampled_from(BOGUS_LAYERS) | st.text(max_size=8))
    if name == "name":
        return _biased(draw, focus, st.just("victim"), st.sampled_from(["nobody", "%00", ".."]) | st.text(max_size=8))
    if converter == "path":
        real = st.sampled_from(["index.html", "js/api.js", "vendor/README.md"])
        return _biased(draw, focus, real, st.sampled_from(["../server.py", "%2e%2e/server.py"]) | st.text(max_size=12))
    return draw(st.text(max_size=8))


def _query(draw, path: str, focus: bool) -> str:
    """A query string: reserved parameters with their own nasty values, the layer's property names as
    filters (or random names), repeated parameters and broken escapes."""
    layer = re.match(r"/api/layers/([^/]+)/", path)
    own = LAYER_PROPERTIES.get(layer[1], ["name", "status"]) if layer else ["name", "status"]
    reserved = CASE_QUERY_VALUES if path.startswith("/api/cases") else RESERVED_VALUES
    pairs = []
    for _ in range(draw(st.integers(0, 4))):
        key = _biased(draw, True, st.sampled_from([*reserved, *own, *own, "nope"]), st.text(max_size=6))
        values = reserved.get(key, QUERY_VALUES)
        pairs.append((key, _biased(draw, focus, st.sampled_from(values), st.text(max_size=8))))
    return urlencode(pairs) + draw(st.sampled_from(QUERY_JUNK))


def _headers(draw, request: Request, focus: bool) -> dict:
    headers = {}
    for key in draw(st.lists(st.sampled_from(list(HEADER_VALUES)), max_size=3, unique=True)):
        headers[key] = draw(st.sampled_from(HEADER_VALUES[key]) | st.text(LATIN1, max_size=30))
    if request.method in ("PUT", "PATCH", "DELETE") and "/features/" in request.path:
        headers.setdefault(
            "If-Match", _biased(draw, focus, st.just("@etag"), st.sampled_from(HEADER_VALUES["If-Match"]))
        )
    if request.method == "POST" and request.path.startswith(("/api/cases", "/api/photos")):
        for key, values in CASE_POST_HEADERS.items():
            if key == "If-Match" and not request.path.endswith(("/transitions", "/notes")):
                continue
            if draw(st.integers(0, 99)) < (40 if focus else 20):
                others = st.sampled_from(values[1]) | st.text(LATIN1, max_size=30)
                headers.setdefault(key, _biased(draw, True, st.sampled_from(values[0]), others))
    if request.client == "session":
        headers.setdefault("X-CSRF-Token", _biased(draw, True, st.just("@csrf"), st.sampled_from(["junk", ""])))
    return headers


def _photo_upload(draw, request: Request) -> None:
    """A real JPEG, PNG, WebP or GIF (some with odd EXIF), maybe cut, with a flipped byte or garbage at the
    end, or junk; with the form fields of a case photo (or wrong ones) and usually one file part."""
    data = draw(st.sampled_from(PHOTOS))
    how = draw(st.sampled_from(["none"] * 5 + ["cut", "flip", "append", "junk"]))
    if how == "cut":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "flip":
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    elif how == "append":
        data += draw(st.binary(min_size=1, max_size=64))
    elif how == "junk":
        data = draw(st.binary(max_size=300) | st.sampled_from([b"\xff\xd8\xffjunk", b"GIF89a", b"RIFF\x00\x00WEBP"]))
    filename = draw(st.sampled_from(FILENAMES) | st.text(LATIN1, max_size=20))
    request.upload = (data, filename, draw(st.sampled_from(["image/jpeg", "image/png", "", "application/zip"])))
    request.form = draw(st.sampled_from(PHOTO_FORMS))
    request.files = draw(st.sampled_from([1] * 8 + [0, 2]))


@functools.cache
def broken_imports() -> list[tuple[str, bytes, str]]:
    """The corpus of broken import files (``upload_corpus.py``), made once per run."""
    return corpus(Path(tempfile.mkdtemp(prefix="cw-fuzz-corpus-")))


IMPORT_FORMS = [(("layer", "bins"),), (("layer", "roads"), ("options", '{"osm_target": "roads"}')), (),
                (("layer", "bins"), ("sheet", "nope")), (("layer", "buildings"), ("crs", "EPSG:3857"))]  # fmt: skip


def _import_upload(draw, request: Request) -> None:
    """A broken file of the corpus (XLSX, KML/KMZ, zip, shapefile, GeoPackage, OSM), maybe cut further or
    with a flipped byte, with an import's form fields."""
    _, data, filename = draw(st.sampled_from(broken_imports()))
    how = draw(st.sampled_from(["none"] * 4 + ["cut", "flip"]))
    if how == "cut" and data:
        data = data[: draw(st.integers(1, len(data)))]
    elif how == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    request.upload = (data, filename, draw(st.sampled_from(["application/octet-stream", "application/zip", ""])))
    request.form = draw(st.sampled_from(IMPORT_FORMS))
    request.files = 1


def _add_body(draw, request: Request, focus: bool) -> None:
    # the case workflow's small bodies break at the first mutation: keep more of them whole when aimed
    calm = focus and request.path.startswith(("/api/cases/", "/api/rounds"))
    if focus and request.method == "POST" and re.fullmatch(r"/api/(cases/[^/]+/)?photos", request.path):
        kind = draw(st.sampled_from(["photo"] * 6 + ["json", "none", "bytes", "upload"]))
    elif focus and request.method == "POST" and request.path == "/api/imports":
        kind = draw(st.sampled_from(["import"] * 6 + ["json", "none", "bytes", "upload"]))
    else:
        kind = draw(st.sampled_from(["json"] * (12 if calm else 5) + ["none", "bytes", "upload"]))
    if kind == "photo":
        _photo_upload(draw, request)
    elif kind == "import":
        _import_upload(draw, request)
    elif kind == "json":
        seeds = _biased(draw, focus, st.just(seeds_for(request.path)), st.just(JSON_SEEDS))
        request.body = draw(mutated_json(seeds, calm))
        request.content_type = _biased(
            draw,
            focus,
            st.sampled_from(CONTENT_TYPES[:3]),
            st.sampled_from(CONTENT_TYPES) | st.text(LATIN1, max_size=20),
        )
    elif kind == "bytes":
        request.body = draw(st.binary(max_size=300))
        request.content_type = draw(st.sampled_from(CONTENT_TYPES))
    elif kind == "upload":
        request.upload = (
            draw(st.binary(max_size=300) | st.sampled_from([b"\xff\xd8\xffjunk", b"PK\x03\x04", b"MZ\x90\x00"])),
            draw(st.sampled_from(FILENAMES) | st.text(LATIN1, max_size=20)),
            draw(st.sampled_from(["image/jpeg", "application/zip", "application/json", "", "x/y"])),
        )


@st.composite
def fuzzed_request(draw, world: World, rules=None, focus: bool = False, layers=None) -> Request:
    """A request to one of ``rules`` (default: every route), with real values more often when ``focus``;
    ``layers`` are the real layer ids to aim at (default: all)."""
    rule, methods = draw(st.sampled_from(rules or world.rules))
    own = [m for m in methods if m not in ("HEAD", "OPTIONS")] or list(methods)
    method = _biased(draw, focus, st.sampled_from(own), st.sampled_from(sorted({*methods, *WRITE_METHODS, "GET"})))
    path = rule
    for match in re.finditer(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule):
        value = _path_param(draw, world, rule, match[1], match[2], focus, layers)
        raw = value.startswith(("@", "%")) or (match[1] in ("int", "id") and value.isdigit())
        path = path.replace(match[0], value if raw else quote(value, safe="/" if match[1] == "path" else ""), 1)
    aimed = CASE_CLIENTS if rule.startswith(("/api/cases", "/api/photos", "/api/rounds")) else ["admin", "session"]
    client = _biased(draw, focus, st.sampled_from([*aimed, "admin", "worker"]), st.sampled_from(CLIENTS))
    request = Request(client, method, path, _query(draw, path, focus))
    request.headers = _headers(draw, request, focus)
    if client == "bad_token":
        request.authorization = draw(st.sampled_from(BAD_AUTHORIZATION) | st.text(LATIN1, max_size=30))
    _add_body(draw, request, focus)
    return request


# -- sending and checking -----------------------------------------------------------------------------


def _case_id(world: World, state: str, where: str = "case") -> str:
    """The id behind ``@case.<state>`` or ``@east.<state>`` (``where``)."""
    return str(world.live_case(state, CELL_OF[where])) if state in ROUTES_TO or state == "any" else "987654"


def _fill(world: World, text: str, path: str) -> str:
    """Resolve the placeholders of a path or header against the store as it is now (``path`` resolved)."""
    text = text.replace("@newlayer", world.newest_layer())
    text = re.sub(r"@(case|east)\.(\w+)", lambda m: _case_id(world, m[2], m[1]), text)
    feature = re.match(r"/api/layers/([^/]+)/features/(\d{1,18})(?:/|$)", path)
    case = re.match(r"/api/cases/(\d{1,18})(?:/|$)", path)
    target = (feature[1], int(feature[2])) if feature else ("blackspots", int(case[1])) if case else None
    if "@staleetag" in text:
        fid, version = world.etag(*target).strip('"').split(".") if target else ("1", "1")
        text = text.replace("@staleetag", f'"{fid}.{int(version) - 1}"')
    if "@etag" in text:
        text = text.replace("@etag", world.etag(*target) if target else '"1.1"')
    if "@fid" in text:
        layer = re.match(r"/api/layers/([^/]+)/", text)
        text = text.replace("@fid", str(world.live_fid(layer[1] if layer else "bins")))
    if "@newkey" in text:
        world.serial += 1
        text = text.replace("@newkey", f"new-key-{world.serial:06d}")
    text = text.replace("@photoid", str(world.any_photo()))
    return text.replace("@token", str(world.live_token())).replace("@csrf", world.csrf)


def _fill_body(world: World, body: bytes, client: str) -> bytes:
    if b"@newid" in body:
        world.serial += 1
        body = body.replace(b"@newid", f"{NEW_LAYER}_{world.serial}".encode())
    body = re.sub(rb'"@(case|east)\.(\w+)"', lambda m: _case_id(world, m[2].decode(), m[1].decode()).encode(), body)
    if b'"@photo"' in body:
        body = body.replace(b'"@photo"', str(world.loose_photo(client)).encode())
    if b'"@future"' in body:
        later = world.app.extensions["store"].now() + 3 * 86_400_000_000
        body = body.replace(b'"@future"', json.dumps(world.case_context().iso(later)).encode())
    return body


def resolve(world: World, request: Request) -> Request:
    """``request`` with every placeholder filled in (a resolved request resolves to itself), so that the
    very same request can be sent again."""
    path = _fill(world, request.path, request.path)
    headers = {key: _fill(world, value, path) for key, value in request.headers.items()}
    body = None if request.body is None else _fill_body(world, request.body, request.client)
    return dataclasses.replace(request, path=path, headers=headers, body=body)


def fingerprint(request: Request) -> tuple:
    """What makes two requests "the same" for an Idempotency-Key (docs/api.md): method, path and body; a
    multipart body by its fields and file contents."""
    if request.upload is not None:
        fields = sorted(request.form if request.form is not None else (("note", "上传"),))
        files = [hashlib.sha256(request.upload[0]).hexdigest()] * request.files
        return request.method, request.path, "multipart", tuple(fields), tuple(files)
    return request.method, request.path, request.body or b""


def key_problem(world: World, request: Request, response, changed: bool) -> str | None:
    """What is wrong with how ``response`` treated the request's Idempotency-Key, or None; remembers
    the first success with each (user, key)."""
    key, user = request.headers.get("Idempotency-Key"), CLIENT_USERS.get(request.client)
    if request.method != "POST" or key is None or user is None or not IDEMPOTENT_ROUTES.match(request.path):
        return None
    status, body, mine = response.status_code, response.get_data(), fingerprint(request)
    if response.headers.get("Content-Encoding") == "gzip":  # the same answer, maybe packed for one of them
        body = gzip.decompress(body)
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    valid = re.fullmatch(r"[A-Za-z0-9_.:\-]{8,100}", key) is not None
    first = world.keys.get((user, key))
    if replayed and first is None:
        return "a replayed answer, but no request with this key had succeeded"
    if replayed and first[0] != mine:
        return f"a replay of key {key!r} answered a different request (first: {first[0]!r:.300})"
    if replayed and changed:
        return f"a replay of key {key!r} changed the store"
    if replayed and (status, body) != first[1:]:
        return f"a replay of key {key!r} differs from the first answer: {first[1]} {first[2][:300]!r}"
    if status < 400 and not replayed and not valid:
        return f"the invalid Idempotency-Key {key!r} was accepted"
    if status < 400 and not replayed and first is not None:
        return f"key {key!r} made a second change (first: {first[0]!r:.300})"
    if status == 422 and first is not None and first[0] == mine and b"idempotency_key_reused" in body:
        return "the same request again was refused as a reused key"
    if status < 400 and not replayed and valid:
        world.keys[(user, key)] = (mine, status, body)
    return None


def _open311_error_problem(response) -> str | None:
    """``/open311/`` is the documented exception to the one shape (docs/open311.md): GeoReport v2's own
    errors, ``[{"code", "description"}]`` in JSON or ``<errors><error>`` in XML, each code the status."""
    if response.request.method == "HEAD":
        return None
    try:
        if response.mimetype == "text/xml":
            root = ET.fromstring(response.get_data())
            assert root.tag == "errors", f"root <{root.tag}>"
            errors = [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
        else:
            assert response.mimetype == "application/json", f"answered as {response.mimetype}"
            errors = json.loads(response.get_data())
        assert isinstance(errors, list) and errors, "not a list of errors"
        for error in errors:
            assert set(error) == {"code", "description"} and error["code"] == response.status_code, f"error {error}"
    except (AssertionError, ET.ParseError, TypeError, ValueError) as exc:
        return f"wrong Open311 error shape ({exc}): {response.get_data(as_text=True)[:300]}"
    return None


def _error_shape_problem(response) -> str | None:
    if response.request.path.startswith("/open311/"):
        return _open311_error_problem(response)
    if response.mimetype != "application/json":
        return f"a {response.status_code} answered as {response.mimetype}, not application/json"
    if response.request.method == "HEAD":
        return None
    try:
        error = json.loads(response.get_data())["error"]
        assert set(error) >= {"status", "code", "message", "message_zh", "details"}, f"keys {sorted(error)}"
        assert error["status"] == response.status_code, f"status {error['status']} in the body"
        assert isinstance(error["details"], list), "details is not a list"
        for detail in error["details"]:
            assert {"field", "code", "reason"} <= set(detail), f"detail {detail}"
    except (AssertionError, KeyError, TypeError, ValueError) as exc:
        return f"wrong error shape ({exc}): {response.get_data(as_text=True)[:300]}"
    return None


def ready(world: World, client: str) -> None:
    """Log the session in again, or give the field worker a live token, when the fuzzer took them away."""
    if client == "session" and world.session_dirty:
        world.login()
    if client == "worker":
        world.revive_worker()


def send(world: World, request: Request):
    """Send ``request``; return (response or None, failure or None)."""
    ready(world, request.client)
    client = world.clients["anonymous" if request.client == "bad_token" else request.client]
    request = resolve(world, request)
    path, headers = request.path, dict(request.headers)
    if request.client == "bad_token":
        headers["Authorization"] = request.authorization
    kwargs = {"headers": headers, "query_string": request.query}
    if request.upload is not None:
        data, filename, content_type = request.upload
        fields = request.form if request.form is not None else (("note", "上传"),)
        files = [("file", (io.BytesIO(data), filename, content_type)) for _ in range(request.files)]
        kwargs["data"] = MultiDict([*fields, *files])
    elif request.body is not None:
        kwargs["data"], kwargs["content_type"] = request.body, request.content_type
    before = store_digest(world.db)
    try:
        response = client.open(path, method=request.method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - anything escaping the app would be a 500 from the server
        return None, f"an exception escaped the app: {type(exc).__name__}: {str(exc)[:200]}"
    response.get_data()  # buffered, so the photo file a response streams from can be closed now
    response.close()
    status = response.status_code
    changed = store_digest(world.db) != before
    if status >= 500:
        return response, f"{status}: {response.get_data(as_text=True)[:300]}"
    problem = key_problem(world, request, response, changed)
    if problem is not None:
        return response, problem
    if status < 400:
        if request.method == "POST" and path.rstrip("/").endswith("/logout"):
            world.session_dirty = True
        return response, None
    if changed:
        return response, f"the store changed although the request was refused with {status}"
    return response, _error_shape_problem(response)


# -- known product bugs (reported, not fixed here: see the module docstring) --------------------------


def _digits(text: str, at_least: int) -> bool:
    return re.search(rf"\d{{{at_least},}}", text) is not None


def _text(request: Request) -> str:
    return (request.body or b"").decode("utf-8", "replace")


def _json(request: Request):
    """The request's body as JSON, or None."""
    try:
        return json.loads((request.body or b"").decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None


def _int64_overflow(text: str) -> bool:
    return any(abs(int(run)) >= 2**63 for run in re.findall(r"\d{19,4300}", text))


def _crashes(check_function, value) -> bool:
    """Whether a product validator raises instead of returning its list of problems."""
    try:
        check_function(value)
    except Exception:  # noqa: BLE001 - that is the bug being recognised
        return True
    return False


# Bugs the fuzzer may tolerate while they are being fixed (none now); every entry of FIXED_BUGS was
# once here. A new finding goes here with a reproduction, and moves to FIXED_BUGS with its fix.
TOLERATED: list = []


def _non_finite(value) -> bool:
    """Whether parsed JSON holds inf or nan (Python reads an overflowing literal like 1e999 as inf)."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return True
    return False


def _style_by_is_odd(world: World, request: Request) -> bool:
    match = re.match(r"/api/layers/([^/]+)/points", request.path.replace("@newlayer", world.newest_layer()))
    layer = world.app.extensions["store"].layer(match[1]) if match else None
    by = (layer or {}).get("style", {}).get("by")
    return by is not None and not (isinstance(by, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", by))


@dataclass(frozen=True)
class KnownBug:
    """A product bug: where it is, how to recognise a request that trips it, and a minimal reproduction
    (``setup`` requests first, all sent to the ``public`` app when set). A bug that answered wrongly rather
    than broke an invariant says what is right: ``expect``, the status, and ``right``, a test of the
    answer's JSON."""

    slug: str
    where: str
    matches: Callable[[World, Request], bool]
    reproduction: Request
    setup: tuple = ()
    public: bool = False
    expect: int | None = None
    right: Callable[[dict], bool] | None = None


def _category_crashes(body) -> bool:
    """Whether layers/cases/categories.py check_category raises anything but its refusal."""
    try:
        check_category(body, "Z901")
    except ValidationFailed:
        return False
    except Exception:  # noqa: BLE001 - that is the bug being recognised
        return True
    return False


_POINT = '{"type":"Feature","geometry":{"type":"Point","coordinates":[%s,23.1]},"properties":%s}'
_TITLE = {"zh-CN": "类", "en": "Kind"}
CLOSED_BY_THE_PUBLIC = feature(113.33, 23.13, **CASE | {"status": "closed"}, reporter="区长")
FIXED_BUGS = [
    KnownBug(
        "huge-int-in-path",
        "web/api.py <int:fid> routes -> layers/store/sqlite/store.py get/history (OverflowError: Python int too large"
        " to convert to SQLite INTEGER); over 4300 digits Werkzeug's int converter raises ValueError in routing",
        lambda w, r: _int64_overflow(r.path) or _digits(r.path, 4301),
        Request("admin", "GET", "/api/layers/bins/features/9223372036854775808"),
    ),
    KnownBug(
        "at-out-of-range",
        "web/params.py parse_at accepts instants near datetime's limits (0001-01-01, 9999-12-31T23:59:59-14:00);"
        " web/api.py list_features formats them back for timeStamp with layers/store/values.py format_instant, which"
        " raises ValueError (year 0 / year 10000 is out of range)",
        lambda w, r: re.search(r"(^|&)at=(0001|9999)-", r.query) is not None,
        Request("admin", "GET", "/api/layers/bins/features", "at=0001-01-01"),
    ),
    KnownBug(
        "huge-int-filter",
        "layers/catalogue/schema.py parse_filter_value returns any int -> layers/store/sqlite/store.py query binds it"
        " (OverflowError)",
        lambda w, r: _int64_overflow(r.query),
        Request("admin", "GET", "/api/layers/bins/features", "capacity_l=9223372036854775808"),
    ),
    KnownBug(
        "if-match-digits",
        "web/params.py if_match_version: int() of more than 4300 digits raises ValueError",
        lambda w, r: _digits(r.headers.get("If-Match", ""), 4301),
        Request("admin", "DELETE", "/api/layers/bins/features/@fid", headers={"If-Match": '"1' + "0" * 4300 + '.1"'}),
    ),
    KnownBug(
        "huge-json-number",
        "geo/geojson.py and layers/catalogue/schema.py _is_number: math.isfinite(an int over ~1e308)"
        " raises OverflowError",
        lambda w, r: _digits(_text(r), 309),
        Request(
            "admin",
            "POST",
            "/api/layers/bins/features",
            body=(_POINT % (HUGE_INT, "{}")).encode(),
            content_type="application/geo+json",
        ),
    ),  # fmt: skip
    KnownBug(
        "lone-surrogate",
        'any JSON string with an unpaired surrogate escape ("\\ud800"): UnicodeEncodeError in SQLite (feature'
        " properties, login names, users, labels) or while encoding the error response (unknown member names)",
        lambda w, r: re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", _text(r)) is not None,
        Request(
            "admin",
            "POST",
            "/api/layers/bins/features",
            body=(_POINT % ("113.3", '{"name":"\\ud800"}')).encode(),
            content_type="application/geo+json",
        ),
    ),  # fmt: skip
    KnownBug(
        "user-role-unhashable",
        "layers/accounts/users.py check_new_user: `payload.get('role') not in ROLES` (a dict)"
        " with a list or object role",
        lambda w, r: (
            r.path.startswith("/api/users") and isinstance(_json(r), dict) and _crashes(check_new_user, _json(r))
        ),
        Request(
            "admin",
            "POST",
            "/api/users",
            body=b'{"name":"abc","role":["admin"],"password":"long enough pw"}',
            content_type="application/json",
        ),
    ),  # fmt: skip
    KnownBug(
        "layer-definition-crash",
        "layers/catalogue/schema.py check_layer_definition: enum values checked against a not-yet-validated pattern,"
        " maxLength, minimum or maximum; re.compile's OverflowError/RecursionError not caught; a list or object"
        " label_property or required entry tested with `in properties`",
        lambda w, r: r.path == "/api/layers" and _crashes(check_layer_definition, _json(r)),
        Request(
            "admin",
            "POST",
            "/api/layers",
            content_type="application/json",
            body=json.dumps(
                {
                    "id": "bad_enum",
                    "title": _TITLE,
                    "geometry_types": ["Point"],
                    "properties": {"k": {"type": "string", "title": _TITLE, "pattern": "[", "enum": ["a"]}},
                }
            ).encode(),
        ),
    ),  # fmt: skip
    KnownBug(
        "layer-definition-non-finite",
        "web/params.py json_body refuses the NaN/Infinity tokens but not literals that overflow to inf (1e999);"
        " layers/catalogue/schema.py leaves rules, style.by/cluster/dashArray/base, style.classes values"
        " and category_code unchecked, so layers/store/sqlite/store.py _dumps(allow_nan=False) raises ValueError"
        " in create_layer",
        lambda w, r: r.path == "/api/layers" and _non_finite(_json(r)),
        Request(
            "admin",
            "POST",
            "/api/layers",
            content_type="application/json",
            body=b'{"id":"inf_rules","title":{"zh-CN":"a","en":"b"},"geometry_types":["Point"],"rules":{"x":1e999}}',
        ),
    ),  # fmt: skip
    KnownBug(
        "style-by-unchecked",
        "layers/catalogue/schema.py _check_style accepts any style.by; web/api.py layer_points puts it in a cache key"
        " (TypeError: unhashable) and a JSON path (sqlite3.OperationalError for a quote)",
        _style_by_is_odd,
        Request("admin", "GET", "/api/layers/odd_by/points"),
        setup=(
            Request(
                "admin",
                "POST",
                "/api/layers",
                content_type="application/json",
                body=json.dumps(
                    {"id": "odd_by", "title": _TITLE, "geometry_types": ["Point"], "style": {"by": ["x"]}}
                ).encode(),
            ),
        ),
    ),  # fmt: skip
    KnownBug(
        "public-report-collection",
        "web/public_reports.py submit_report: only a Feature's properties are whitelisted and stamped; a"
        " FeatureCollection is stored with whatever properties it carries (any status, any reporter), and one"
        " with 2+ features fails `[feature] = ...` (ValueError) -> 500",
        lambda w, r: r.path == "/api/reports" and isinstance(_json(r), dict) and _json(r).get("type") != "Feature",
        Request(
            "anonymous",
            "POST",
            "/api/reports",
            content_type="application/json",
            body=json.dumps({"type": "FeatureCollection", "features": [CLOSED_BY_THE_PUBLIC]}).encode(),
        ),
        public=True,
    ),  # fmt: skip
    KnownBug(
        "transition-to-unhashable",
        "layers/cases/lifecycle.py transition: `to not in workflow.STATES` (a dict) with a list or object `to`"
        " (TypeError: unhashable type) -> 500",
        lambda w, r: r.path.endswith("/transitions") and isinstance(_json(r), dict)
        and isinstance(_json(r).get("to"), list | dict),
        Request("admin", "POST", "/api/cases/@case.reported/transitions", content_type="application/json",
                body=b'{"to": ["filed"]}'),
    ),
    KnownBug(
        "category-field-unhashable",
        "layers/cases/categories.py check_category: `body.get(...) not in SCHEMES / GROUPS / ICONS` with a list or"
        " object scheme, group or icon (TypeError: unhashable type) -> 500",
        lambda w, r: r.path.startswith("/api/categories/") and _category_crashes(_json(r)),
        Request("admin", "PUT", "/api/categories/Z901", content_type="application/json",
                body=json.dumps({**CATEGORY, "scheme": ["local"], "icon": {}}).encode()),
    ),
    KnownBug(
        "category-code-newline",
        "layers/cases/categories.py check_category: CODE_RE.match / COLOR_RE.match, whose `$` also matches before a"
        " final newline, so the code 'Z901\\n' (PUT /api/categories/Z901%0A) or the colour '#e53935\\n' was"
        " stored (201) instead of refused",
        lambda w, r: False,  # a wrong status, not a broken invariant: only the reproduction can tell
        Request("admin", "PUT", "/api/categories/Z901%0A", content_type="application/json",
                body=json.dumps({**CATEGORY, "color": "#e53935\n"}).encode()),
        expect=422,
    ),
    KnownBug(
        "photo-id-overflow",
        "layers/cases/lifecycle.py create_case: photo_ids entries are checked to be integers but not to fit SQLite's"
        " (OverflowError in store.photo) -> 500",
        lambda w, r: r.path == "/api/cases" and _int64_overflow(_text(r)),
        Request("admin", "POST", "/api/cases", content_type="application/json",
                body=json.dumps({**CASE_REPORTS[0], "photo_ids": [2**63]}).encode()),
    ),
    KnownBug(
        "round-id-overflow",
        "layers/cases/rounds.py _cases: case_ids entries are checked to be integers but not to fit SQLite's"
        " (OverflowError in store.get) -> 500",
        lambda w, r: r.path == "/api/rounds" and _int64_overflow(_text(r)),
        Request("admin", "POST", "/api/rounds", content_type="application/json",
                body=b'{"case_ids": [9223372036854775808]}'),
    ),
    KnownBug(
        "deadline-beyond-year-9999",
        "layers/cases/lifecycle.py _check_dispatch: a deadline in the future is accepted however far, and writing"
        " 9999-12-31T23:59:59-14:00 back in the local zone (ctx.iso) raises ValueError (year 10000) -> 500",
        lambda w, r: r.path.endswith("/transitions") and "9999-" in _text(r),
        Request("admin", "POST", "/api/cases/@case.filed/transitions", content_type="application/json",
                body=b'{"to": "dispatched", "deadline": "9999-12-31T23:59:59-14:00"}'),
    ),
    KnownBug(
        "photo-key-ignores-the-file",
        "web/idempotency.py fingerprint: the upload views read the file before run_once, so the fingerprint"
        " hashed an exhausted stream (always b''); another photo sent with a used Idempotency-Key got the"
        " first photo's answer replayed (201) and was silently dropped, instead of 422 idempotency_key_reused",
        lambda w, r: r.upload is not None and "Idempotency-Key" in r.headers,
        Request("admin", "POST", "/api/photos", headers={"Idempotency-Key": "photo-key-0001"},
                upload=(PHOTOS[1], "b.jpg", "image/jpeg"), form=()),
        setup=(Request("admin", "POST", "/api/photos", headers={"Idempotency-Key": "photo-key-0001"},
                       upload=(PHOTOS[0], "a.jpg", "image/jpeg"), form=()),),
        expect=422,
    ),
    KnownBug(
        "redispatch-not-in-transitions",
        "layers/cases/views.py events: only a version whose status differs was a transition, so a re-dispatch"
        " (dispatched -> dispatched, a move of layers/cases/workflow.json) never showed in the case's transitions;"
        " and one within a second of the previous dispatch (same assignee and deadline) changed no field at"
        " all (layers/cases/lifecycle.py wrote dispatched_at to the second)",
        lambda w, r: False,  # a wrong answer, not a broken invariant: only the reproduction can tell
        Request("admin", "POST", "/api/cases/@case.dispatched/transitions", content_type="application/json",
                body=b'{"to": "dispatched"}'),
        expect=200,
        right=lambda case: [(t["from"], t["to"]) for t in case["transitions"][-2:]]
        == [("filed", "dispatched"), ("dispatched", "dispatched")],
    ),
]  # fmt: skip


def is_known(world: World, request: Request) -> str | None:
    """The slug of the first known bug ``request`` trips, or None (always None under FUZZ_STRICT=1)."""
    if STRICT:
        return None
    return next((bug.slug for bug in TOLERATED if bug.matches(world, request)), None)


def check(world: World, request: Request):
    """Send ``request`` and fail on a broken invariant (unless it is a known bug); return the response."""
    response, failure = send(world, request)
    route = re.sub(r"/(features|users|tokens)/[^/]+", r"/\1/X", request.path)
    route = re.sub(r"/(cases|photos)/\d+", r"/\1/N", route)
    route = re.sub(rf"/{NEW_LAYER}_\d+", f"/{NEW_LAYER}_N", route)[:50]
    event(f"{request.method} {route} {response.status_code if response is not None else 'exception'}")
    if failure is None:
        return response
    known = is_known(world, request)
    if known:
        event(f"known bug: {known}")
        return response
    note(f"response: {failure}")
    raise AssertionError(f"{failure}\n{request}")


# the server adds the grid cell and its responsible unit (a sender may not: web/public_reports.py refuses them)
PUBLIC_REPORT_KEYS = {"category", "description", "address", "status", "reported_at", "reporter", "grid_code",
                      "responsible_unit"}  # fmt: skip


def public_report_problem(world: World, since: int) -> str | None:
    """What is wrong with the public reports stored after feature ``since``: a member of the public may
    set only category, description and address; the status is always ``reported``, the reporter 公众."""
    rows = world.db.execute(
        "SELECT f.fid, v.properties FROM feature f JOIN version v ON v.vid = f.vid"
        " WHERE f.fid > ? AND v.author = 'public'",
        (since,),
    ).fetchall()
    for fid, text in rows:
        props = json.loads(text)
        if set(props) - PUBLIC_REPORT_KEYS or props.get("status") != "reported" or props.get("reporter") != "公众":
            return f"public report {fid} was stored with properties {props}"
    return None


def check_public_reports(world: World, request: Request, since: int) -> None:
    problem = public_report_problem(world, since)
    if problem is None:
        return
    known = is_known(world, request)
    if known:
        event(f"known bug: {known}")
        return
    raise AssertionError(f"{problem}\n{request}")


# -- the fuzz tests -----------------------------------------------------------------------------------

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def test_the_digest_sees_writes_but_not_token_use(world):
    """The harness itself: a stored change moves the digest; using a token (last_used_at) does not."""
    before, used = store_digest(world.db), world.db.execute("SELECT sum(last_used_at) FROM token").fetchone()
    world.app.extensions["clock"].set(world.app.extensions["clock"].now_us + 3_600_000_000)  # an hour later
    assert world.clients["worker"].get("/api/layers").status_code == 200  # records the token's use
    assert world.db.execute("SELECT sum(last_used_at) FROM token").fetchone() != used
    assert store_digest(world.db) == before
    response = world.clients["admin"].post("/api/layers/bins/features", json=SEED_FEATURES["bins"])
    assert response.status_code == 201 and store_digest(world.db) != before


def _routes(world: World, *prefixes: str) -> list:
    return [rule for rule in world.rules if rule[0].startswith(prefixes)]


@settings(FUZZ, max_examples=int(500 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_every_endpoint(world, data):
    """Every route and method, real and bogus values alike, every kind of client."""
    check(world, data.draw(fuzzed_request(world), label="request"))


@settings(FUZZ, max_examples=int(400 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_features(world, data):
    """The feature routes, aimed: real layers and ids, the layer's own GeoJSON, If-Match, filters."""
    routes = [rule for rule in _routes(world, "/api/layers/<layer_id>/") if "/points" not in rule[0]]
    routes += [rule for rule in routes if set(rule[1]) & set(WRITE_METHODS)] * 2  # writes weigh three times
    check(world, data.draw(fuzzed_request(world, routes, focus=True), label="request"))


@settings(FUZZ, max_examples=int(600 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_queries(world, data):
    """The read routes with hostile query strings: bbox, limit, offset, at, filters, repeats, %00."""
    routes = [(rule, ("GET", "HEAD")) for rule, methods in _routes(world, "/api/layers") if "GET" in methods]
    routes += [rule for rule in routes if rule[0].endswith("/features")] * 4  # the list takes the most
    check(world, data.draw(fuzzed_request(world, routes, focus=True), label="request"))


@settings(FUZZ, max_examples=int(300 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_custom_layers(world, data):
    """Layer definitions, then reading and writing the layer each one made."""
    create = [rule for rule in _routes(world, "/api/layers") if rule[0] == "/api/layers" and "POST" in rule[1]]
    request = data.draw(fuzzed_request(world, create, focus=True), label="definition")
    response = check(world, request)
    if response is None or response.status_code != 201:
        return
    layer = response.get_json()["id"]
    for path in (f"/api/layers/{layer}/points", f"/api/layers/{layer}/features", f"/api/layers/{layer}"):
        check(world, Request("admin", "GET", path, data.draw(st.sampled_from(["", "at=2030-01-01", "limit=1"]))))
    follow = [rule for rule in _routes(world, "/api/layers/<layer_id>/") if set(rule[1]) & set(WRITE_METHODS)]
    check(world, data.draw(fuzzed_request(world, follow, focus=True, layers=[layer]), label="write"))


@settings(FUZZ, max_examples=int(250 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_accounts(world, data):
    """Login, sessions, users, tokens, passwords and the audit log."""
    routes = _routes(
        world, "/api/login", "/api/logout", "/api/session", "/api/users", "/api/tokens", "/api/me", "/api/audit"
    )
    check(world, data.draw(fuzzed_request(world, routes, focus=True), label="request"))


@settings(FUZZ, max_examples=int(100 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_imports(world, data):
    """Import uploads above all (the broken files of the corpus, cut or flipped further), then the sessions."""
    check(world, data.draw(fuzzed_request(world, _routes(world, "/api/imports"), focus=True), label="request"))


@settings(FUZZ, max_examples=int(250 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_public_reports(public_world, data):
    """With public reports on and reads open to all: reports above all, then every route."""
    routes = data.draw(st.sampled_from([_routes(public_world, "/api/reports"), public_world.rules]))
    request = data.draw(fuzzed_request(public_world, routes, focus=True), label="request")
    since = public_world.db.execute("SELECT coalesce(max(fid), 0) FROM feature").fetchone()[0]
    check(public_world, request)
    check_public_reports(public_world, request, since)


@settings(FUZZ, max_examples=int(400 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_cases(world, data):
    """The case workflow, aimed: reports in the grid cells, every transition from every state (with notes,
    assignees, deadlines, duplicate links, If-Match and keys), notes, rounds and categories."""
    routes = [r for r in _routes(world, "/api/cases", "/api/rounds", "/api/categories") if {"POST", "PUT"} & set(r[1])]
    routes += [rule for rule in routes if rule[0].endswith("/transitions")] * 4  # the lifecycle weighs five times
    check(world, data.draw(fuzzed_request(world, routes, focus=True), label="request"))


# Who may make a move of each permission (the worker only in the west cell, or on a case assigned to them).
MOVERS = {"cases.dispatch": ["admin", "planner", "session"], "cases.work": ["worker", "admin", "planner"],
          "cases.verify": ["worker", "planner", "session"]}  # fmt: skip


def outside_worker_scope(world: World, client: str, fid: int) -> bool:
    """Whether ``client`` is the field worker and case ``fid`` lies outside their cells, not assigned to them."""
    props = world.case_props(fid)
    return client == "worker" and props.get("grid_code") == EAST and props.get("assignee") != CLIENT_USERS["worker"]


@settings(FUZZ, max_examples=int(300 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_lifecycle(world, data):
    """Well-formed moves from every state, mostly ones the lifecycle allows and by a role that may make
    them, with their variants (notes, assignees, deadlines, duplicate links), If-Match (current or stale)
    and keys, on cases in the field worker's cell and outside it. A move is made whole or refused with 403,
    409, 412 or 422; one that is made answers the case in its new state, one version on, with the move last
    in its transitions. The field worker's moves outside their cells (on a case not assigned to them) are
    refused, with 403 ``outside_grid`` when nothing else is wrong with them."""
    state = data.draw(st.sampled_from(STATES), label="state")
    where = data.draw(st.sampled_from(["case", "case", "east"]), label="cell")
    allowed = [t for t in workflow.TRANSITIONS if t["from"] == state]
    step = data.draw(st.sampled_from(allowed * 3 + workflow.TRANSITIONS), label="move")
    client = data.draw(st.sampled_from(MOVERS[step["permission"]] * 3 + ["leader", "worker"]), label="client")
    body = {"to": step["to"]} | data.draw(st.sampled_from([{}, {}, *TRANSITION_VARIANTS[step["to"]]]), label="extra")
    headers = {"X-CSRF-Token": "@csrf"} if client == "session" else {}
    headers |= data.draw(st.sampled_from([{}, {}, {"If-Match": "@etag"}, {"If-Match": "@staleetag"}]), label="if")
    headers |= data.draw(st.sampled_from([{}, {"Idempotency-Key": "@newkey"}]), label="key")
    if step["to"] in ("fixed",) and data.draw(st.booleans(), label="after photo first"):
        photo = Request(client, "POST", f"/api/cases/@{where}.{state}/photos", headers=dict(headers),
                        upload=(PHOTOS[1], "after.jpg", "image/jpeg"), form=(("kind", "after"),))  # fmt: skip
        photo.headers.pop("If-Match", None)
        check(world, photo)
    ready(world, client)
    request = resolve(world, Request(client, "POST", f"/api/cases/@{where}.{state}/transitions", headers=headers,
                                     body=json.dumps(body).encode(), content_type="application/json"))  # fmt: skip
    fid = int(request.path.split("/")[3])
    before, outside = world.etag("blackspots", fid), outside_worker_scope(world, client, fid)
    response = check(world, request)
    assert response.status_code in (200, 403, 409, 412, 422), f"{response.status_code}\n{request}"
    event(f"{state} -> {step['to']} by {client}{' outside' if outside else ''}: {response.status_code}")
    if outside:
        assert response.status_code != 200, f"the worker moved a case outside their cells\n{request}"
        fresh = headers.get("If-Match") != "@staleetag"
        if step in allowed and step["permission"] != "cases.dispatch" and fresh:
            assert response.status_code == 403, f"{response.status_code}\n{request}"
            assert response.get_json()["error"]["code"] == "outside_grid", response.get_json()
    if response.status_code == 200:
        case = response.get_json()
        assert case["status"] == step["to"] and case["version"] == int(before.strip('"').split(".")[1]) + 1
        assert (case["transitions"][-1]["from"], case["transitions"][-1]["to"]) == (state, step["to"])
        assert case["transitions"][-1]["by"] == CLIENT_USERS[client]


@settings(FUZZ, max_examples=int(200 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_outside_the_workers_cells(world, data):
    """The field worker's writes to cases in every state in the east cell, outside their grid cells and not
    assigned to them: transitions, notes and photos, aimed (the route's own bodies, If-Match, keys). None is
    made: each is refused, and (as everywhere) a refused request changes nothing in the store. A note
    whose only fault is where the case lies is refused with 403 ``outside_grid``."""
    routes = [rule for rule in _routes(world, "/api/cases/<id:fid>/") if "POST" in rule[1]]
    routes += [rule for rule in routes if rule[0].endswith("/notes")] * 2
    request = data.draw(fuzzed_request(world, routes, focus=True), label="request")
    state = data.draw(st.sampled_from(STATES), label="state")
    request = dataclasses.replace(request, client="worker", method="POST",
                                  path=re.sub(r"^/api/cases/[^/]+/", f"/api/cases/@east.{state}/", request.path))
    ready(world, "worker")
    request = resolve(world, request)
    fid = int(request.path.split("/")[3])
    outside = outside_worker_scope(world, "worker", fid)
    note = _json(request) if request.path.endswith("/notes") else None
    plain_note = (
        isinstance(note, dict) and set(note) == {"note"} and isinstance(note["note"], str)
        and 0 < len(note["note"].strip()) and len(note["note"]) <= 2000 and request.content_type in CONTENT_TYPES[:3]
        and request.headers.get("If-Match") in (None, world.etag("blackspots", fid))
        and "Idempotency-Key" not in request.headers and request.query == ""
    )  # fmt: skip
    response = check(world, request)
    event(f"{request.path.rsplit('/', 1)[1]} {'outside' if outside else 'assigned'}: {response.status_code}")
    if outside:
        assert response.status_code >= 400, f"the worker changed a case outside their cells\n{request}"
    if outside and plain_note:
        assert response.status_code == 403, f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
        assert response.get_json()["error"]["code"] == "outside_grid", response.get_json()


@settings(FUZZ, max_examples=int(300 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_case_reads(world, data):
    """Case listings with every filter (status, group, category, grid, assignee, mine, overdue, recurring,
    bbox, at, near, limit, offset), candidates, details, duplicates, categories and photos."""
    prefixes = ("/api/cases", "/api/categories", "/api/workflow", "/api/photos")
    routes = [(rule, ("GET", "HEAD")) for rule, methods in _routes(world, *prefixes) if "GET" in methods]
    routes += [rule for rule in routes if rule[0] in ("/api/cases", "/api/cases/candidates")] * 3
    check(world, data.draw(fuzzed_request(world, routes, focus=True), label="request"))


@settings(FUZZ, max_examples=int(150 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_photos(world, data):
    """Multipart photo uploads to cases in every state and on their own: real images, cut, flipped or
    junk bytes, odd EXIF, wrong fields; an accepted photo is then served as a JPEG (a photo not yet on a
    case to its uploader only: 404 to a leader)."""
    routes = [rule for rule in _routes(world, "/api/cases/<id:fid>/photos", "/api/photos") if "POST" in rule[1]]
    response = check(world, data.draw(fuzzed_request(world, routes, focus=True), label="upload"))
    if response is not None and response.status_code == 201:
        photo, loose = response.get_json()["id"], response.get_json()["case_id"] is None
        for path in (f"/api/photos/{photo}", f"/api/photos/{photo}/thumb", f"/api/photos/{photo}/meta"):
            assert check(world, Request("leader", "GET", path)).status_code == (404 if loose else 200), path


def _variant(data, request: Request) -> Request:
    """Another request than ``request`` to the same endpoint: other text in the body, another photo."""
    if request.upload is not None:
        other = data.draw(st.sampled_from([p for p in PHOTOS[:2] if p != request.upload[0]]), label="other photo")
        return dataclasses.replace(request, upload=(other, *request.upload[1:]))
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return dataclasses.replace(request, body=(request.body or b"") + b" ")
    field_name = "description" if request.path == "/api/cases" else "note"
    body[field_name] = f"{body.get(field_name)} 另一个请求"
    return dataclasses.replace(request, body=json.dumps(body).encode())


@settings(FUZZ, max_examples=int(150 * SCALE))
@hypothesis_given(data=st.data())
def test_fuzz_idempotency(world, data):
    """Each keyed write three times: as drawn, the very same again (a replay of a success, which changes
    nothing), then a different request with the same key (422 ``idempotency_key_reused`` after a success).
    :func:`key_problem` checks every answer against what the harness first sent with the key."""
    routes = [
        rule for rule in world.rules if "POST" in rule[1] and IDEMPOTENT_ROUTES.match(re.sub(r"<[^>]+>", "1", rule[0]))
    ]
    request = data.draw(fuzzed_request(world, routes, focus=True), label="request")
    request.headers["Idempotency-Key"] = data.draw(st.sampled_from(["@newkey"] * 4 + ["fuzz-key-0003"]))
    ready(world, request.client)
    request = resolve(world, request)
    first = check(world, request)
    again = check(world, request)
    if first is None or first.status_code >= 400 or request.method != "POST":
        return
    assert again.headers.get("Idempotent-Replayed") == "true", f"not replayed: {again.status_code} {request}"
    other = check(world, _variant(data, request))
    assert other.status_code == 422, f"{other.status_code}: {other.get_data(as_text=True)[:300]}\n{request}"
    assert other.get_json()["error"]["code"] == "idempotency_key_reused", other.get_json()


@pytest.mark.parametrize("bug", FIXED_BUGS, ids=[bug.slug for bug in FIXED_BUGS])
def test_fixed_bug_stays_fixed(request, bug):
    """Each bug the fuzzer once found is fixed: its minimal reproduction now passes every invariant."""
    world = request.getfixturevalue("public_world" if bug.public else "world")
    for step in bug.setup:
        assert send(world, step)[1] is None, step
    since = world.db.execute("SELECT coalesce(max(fid), 0) FROM feature").fetchone()[0]
    response, failure = send(world, bug.reproduction)
    assert failure is None and public_report_problem(world, since) is None, failure
    assert bug.expect is None or response.status_code == bug.expect, response.get_data(as_text=True)[:300]
    assert bug.right is None or bug.right(response.get_json()), response.get_data(as_text=True)[:300]
