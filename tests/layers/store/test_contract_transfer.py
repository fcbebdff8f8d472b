"""The transfer port's contract, on any backend: a whole store exported and imported into an empty one with
every id, instant and version kept (and checked by counts and checksums), all or nothing; and the round trip
SQLite -> the backend under test -> SQLite, which must give back exactly what went in."""

from __future__ import annotations

import json

import pytest
from store_support import TREES, line, point, table_columns

from layers.catalogue import load_catalogue
from layers.store import (
    CopyMismatch,
    Digest,
    TargetNotEmpty,
    Transfer,
    copy_store,
    default_store_url,
    open_store,
)
from layers.store.transfer import FIELDS, KINDS, NOT_RECORDS

# Columns a backend keeps beside a kind's fields, derived from them on import: PostGIS's generated geometries, and
# the hash chain, which the target seals afresh from the same records (the same head, checked below).
DERIVED = {"area": {"geom", "geojson"}, "audit": {"chain_hash"}}

PHOTO = {"sha256": "ab" * 32, "phash": "f" * 16, "width": 800, "height": 600, "source_type": "camera",
         "taken_at": "2026-01-01T09:00:00+08:00", "lon": 113.3, "lat": 23.1, "uploaded_by": "worker",
         "uploaded_at": 1_767_225_600_000_000, "warnings": [{"code": "gps_far"}]}  # fmt: skip


def fill(store) -> dict:
    """A store with a bit of everything: history with updates and a deletion, a retired layer, a saved
    analysis, odd JSON, accounts, tokens, lockout counts, audit, two category versions, photos, answers."""
    store.sync_builtin_layers(load_catalogue())
    store.set_meta("demo", {"name": "示范社区", "seeded": True})
    a, b = store.create("bins", [point(113.3, 23.1, name="一号", ok=True), point(113.31, 23.11, n=1.5e-7)], "wang")
    store.update("bins", a.fid, point(113.32, 23.12, name="一号改", tags=["a", "\u0000b"]), 1, "li")
    store.delete("bins", b.fid, 1, "li")
    [road] = store.create("roads", [line([[113.3, 23.1], [113.31, 23.12]], name="中山路")], "wang")
    store.create_layer(TREES, "planner")
    store.create("trees", [point(113.4, 23.2, healthy=False, height_m=3)], "planner")
    store.retire_layer("trees", "admin")
    analysis = {"id": "analysis_coverage_1", "title": {"zh-CN": "覆盖", "en": "Coverage"}, "properties": {},
                "geometry_types": ["Point"], "analysis": {"kind": "coverage", "radius_m": 50}}  # fmt: skip
    store.create_layer(analysis, "planner")
    store.create("analysis_coverage_1", [point(113.35, 23.15, covered=False)], "planner")
    user = store.create_user("wang", "field_worker", "pbkdf2$hash", display_name="王五", grid_codes=["440106003012002"])
    store.create_user("viewer", "leader", None)
    token = store.add_token(user["id"], "phone", "sha256-of-a-secret")
    store.revoke_token(store.add_token(user["id"], "old", "sha256-of-another")["id"])
    store.create_session("session-hash", user["id"], "csrf", store.now() + 10**9)
    store.record_login("wang", "10.0.0.1", False)
    store.record_login("wang", "10.0.0.1", True)
    store.audit("admin", "user.update", "wang", {"role": "field_worker", "备注": "换岗"}, "10.0.0.2")
    store.put_category({"code": "0102", "name": {"zh-CN": "暴露垃圾", "en": "Exposed garbage"}}, "admin")
    store.put_category({"code": "0102", "name": {"zh-CN": "暴露垃圾", "en": "Exposed rubbish"}}, "admin")
    [case] = store.create("blackspots", [point(113.3, 23.1, status="reported")], "wang")
    photo = store.add_photo(PHOTO, b"\xff\xd8image bytes", b"\xff\xd8thumb bytes")
    store.attach_photo(photo["id"], case.fid, "before", warnings=[])
    store.save_idempotent_result("wang", "key-00001", "fp", 201, '{"id":1}', {"ETag": '"1.1"'})
    square = {"type": "Polygon", "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.6]]]}
    store.put_areas([{"code": "510104", "level": "district", "parent": None, "name": "锦江区", "geometry": square,
                      "bbox": [104.0, 30.6, 104.1, 30.7]},
                     {"code": "510104001", "level": "street", "parent": "510104", "name": "督院街街道",
                      "geometry": None, "bbox": None}], "admin")  # fmt: skip
    store.create_user("jiedao", "leader", None, area="510104001")
    checklist = {"code": "street", "title": {"zh-CN": "道路", "en": "Streets"}, "items": [{"code": "litter"}]}
    store.put_checklist(checklist, "planner")
    store.put_checklist(checklist | {"items": [{"code": "litter"}, {"code": "stains"}]}, "planner")
    item = {"item": 1, "kind": "stretch", "stratum": "440106003012001:branch", "cell": "440106003012001",
            "weight": 2.5, "geometry": {"type": "LineString", "coordinates": [[113.3, 23.1], [113.301, 23.1]]},
            "ref": {"layer": "roads", "fid": road.fid, "name": "中山路"}, "inspector": "wang", "seq": 1}
    held = store.add_round({"area": "440106003012", "checklist": "street", "checklist_version": 2, "mode": "monthly",
                            "seed": 7, "created_by": "planner", "design": {"strata": {"s": {"N": 5, "n": 2}}}},
                           [item, item | {"item": 2, "seq": 2, "weight": 1.25, "inspector": None}])
    store.add_answer(held["id"], {"item": 1, "values": {"litter": "B", "stains": 0}, "lon": 113.3, "lat": 23.1,
                                  "taken_at": "2026-01-01T10:00:00+08:00", "distance_m": 12.5,
                                  "flags": [{"code": "far_from_item"}], "photo_id": photo["id"], "author": "wang"})
    store.close_round(held["id"])
    upload = store.put_blob(b"lng,lat\n113.3,23.1\n", "bin")
    store.save_import_session("f" * 32, "wang", store.now(), {"status": "preview", "upload_key": upload, "名": "表"})
    return {"bin": a.fid, "deleted": b.fid, "road": road.fid, "case": case.fid, "token": token["id"],
            "photo": photo["id"], "user": user["id"]}  # fmt: skip


def records(store) -> list:
    return list(store.export_records())


@pytest.fixture
def source(store) -> Transfer:
    if not isinstance(store, Transfer):
        pytest.fail(f"{type(store).__name__} has no transfer port: every backend moves its data in and out")
    return store


@pytest.fixture
def empty_target(second_backend, clock):
    target = open_store(second_backend, clock=clock)
    yield target
    target.close()


def test_a_copy_keeps_every_record_id_and_instant(source, empty_target):
    ids = fill(source)
    assert empty_target.record_counts() == dict.fromkeys(empty_target.record_counts(), 0)
    report = copy_store(source, empty_target)
    assert records(empty_target) == records(source)
    assert report.source.counts == report.target.counts == empty_target.record_counts() == source.record_counts()
    assert report.source.counts["version"] == 8 and report.source.counts["blob"] == 3
    assert report.source.counts["area"] == 2 and report.source.counts["checklist_version"] == 2
    assert (report.source.counts["inspection_item"], report.source.counts["inspection_answer"]) == (2, 1)
    assert report.source.layer_checksums() == report.target.layer_checksums()
    assert empty_target.chain_head() == source.chain_head() and empty_target.verify_chain()["ok"]
    assert set(report.source.layer_checksums()) == {layer["id"] for layer in source.layers()} | {"trees"}
    # The copy serves as the original did: history, past reads, retired layers, accounts, photos.
    assert [v.to_json() for v in empty_target.history("bins", ids["bin"])] == [
        v.to_json() for v in source.history("bins", ids["bin"])]  # fmt: skip
    assert [v.op for v in empty_target.history("bins", ids["deleted"])] == ["create", "delete"]
    assert empty_target.layer("trees") is None and empty_target.layers() == source.layers()
    assert empty_target.points("bins").fids.tolist() == [ids["bin"]]
    assert empty_target.query("roads", bbox=(113.305, 23.105, 113.306, 23.106)).total == 0  # exact line check
    assert empty_target.get_meta("demo") == {"name": "示范社区", "seeded": True}
    assert empty_target.user("wang") == source.user("wang")
    assert empty_target.user("jiedao")["area"] == "510104001" and empty_target.areas() == source.areas()
    assert empty_target.checklist_history("street") == source.checklist_history("street")
    [held] = source.inspection_rounds()
    assert empty_target.inspection_round(held["id"]) == source.inspection_round(held["id"])
    assert empty_target.round_answers(held["id"]) == source.round_answers(held["id"])
    assert empty_target.token_user("sha256-of-a-secret")[1]["name"] == "wang"
    assert empty_target.session_user("session-hash") is None  # sessions stay behind: users log in again
    counters = ("wang", "10.0.0.1")
    assert empty_target.login_counters(*counters, since=0) == source.login_counters(*counters, since=0)
    assert empty_target.audit_log() == source.audit_log()
    assert empty_target.category_history("0102") == source.category_history("0102")
    assert empty_target.case_photos(ids["case"]) == source.case_photos(ids["case"])
    assert empty_target.read_blob(source.photo(ids["photo"])["image_key"]) == b"\xff\xd8image bytes"
    assert empty_target.idempotent_result("wang", "key-00001") == source.idempotent_result("wang", "key-00001")
    assert empty_target.import_sessions() == source.import_sessions() != []
    if hasattr(empty_target, "integrity_check"):
        assert empty_target.integrity_check() == "ok"


def test_ids_given_out_after_a_copy_continue_after_the_copied_ones(source, empty_target):
    ids = fill(source)
    copy_store(source, empty_target)
    [new] = empty_target.create("bins", [point(113.3, 23.1)], "t")
    assert new.fid == max(fid for kind, r in records(source) if kind == "version" for fid in [r["fid"]]) + 1
    assert empty_target.create_user("zhao", "planner", None)["id"] > ids["user"]
    assert empty_target.add_token(ids["user"], "new", "h3")["id"] > ids["token"]
    assert empty_target.add_photo(PHOTO, b"other", b"other thumb")["id"] == ids["photo"] + 1
    before = empty_target.history("bins", ids["bin"])[-1].version
    assert empty_target.update("bins", ids["bin"], point(113.3, 23.1), before, "t").version == before + 1


def test_a_target_that_holds_anything_is_refused_untouched(source, empty_target):
    fill(source)
    empty_target.create_user("someone", "planner", None)
    before = records(empty_target)
    with pytest.raises(TargetNotEmpty) as refused:
        copy_store(source, empty_target)
    assert refused.value.counts == {"user": 1, "audit": 1}
    assert records(empty_target) == before
    with pytest.raises(ValueError):
        empty_target.import_records(source.export_records())


class FailingSource:
    """A real store's records that stop with an error at the first record of ``kind``."""

    def __init__(self, store, kind: str) -> None:
        self.store, self.kind = store, kind

    def export_records(self):
        for kind, record in self.store.export_records():
            if kind == self.kind:
                raise OSError("the source went away")
            yield kind, record


@pytest.mark.parametrize("failing_kind", ["version", "photo", "idempotency"])
def test_a_copy_failing_halfway_leaves_the_target_empty(source, empty_target, failing_kind):
    fill(source)
    keys = [r["key"] for kind, r in records(source) if kind == "blob"]
    with pytest.raises(OSError, match="went away"):
        copy_store(FailingSource(source, failing_kind), empty_target)
    assert not any(empty_target.record_counts().values())
    assert not any(empty_target.blob_exists(key) for key in keys)
    copy_store(source, empty_target)  # and it can be tried again
    assert records(empty_target) == records(source)


def test_a_copy_that_reads_back_differently_is_undone(source, empty_target, monkeypatch):
    fill(source)
    real_import = empty_target.import_records

    def altering(stream):
        def altered():
            for kind, record in stream:
                if kind == "version" and record["properties"] and "一号改" in record["properties"]:
                    record = {**record, "properties": record["properties"].replace("一号改", "一号")}
                yield kind, record

        return real_import(altered())

    monkeypatch.setattr(empty_target, "import_records", altering)
    with pytest.raises(CopyMismatch) as mismatch:
        copy_store(source, empty_target)
    assert mismatch.value.differences == ["version: checksums differ", mismatch.value.differences[1]]
    assert mismatch.value.differences[1].startswith("layer bins:")
    assert not any(empty_target.record_counts().values())


def test_checksums_are_the_same_whatever_the_order_and_differ_for_any_change():
    one = {"vid": 1, "fid": 1, "layer": "bins", "version": 1, "op": "create", "valid_from": 5, "valid_to": None,
           "author": "t", "geometry": '{"type":"Point","coordinates":[1.0,2.0]}', "properties": "{}",
           "bbox": [1.0, 2.0, 1.0, 2.0], "layer_rev": 1}  # fmt: skip
    two = {**one, "vid": 2, "fid": 2}
    forward, backward, changed = Digest(), Digest(), Digest()
    for digest, rows in ((forward, [one, two]), (backward, [two, one]), (changed, [one, {**two, "author": "u"}])):
        for row in rows:
            digest.add("version", row)
    assert forward.layer_checksums() == backward.layer_checksums()
    assert forward.layer_checksums()["bins"][0] == 2
    assert changed.differences(forward) == ["version: checksums differ", changed.differences(forward)[1]]
    with pytest.raises(ValueError):
        forward.add("sessions", {})


def test_sqlite_to_the_backend_under_test_and_back_is_identical(backend, tmp_path, clock):
    """SQLite -> the backend of TEST_STORE_URL (PostGIS in its CI run, SQLite otherwise) -> a new SQLite."""
    first = open_store(default_store_url(tmp_path / "first"), clock=clock)
    middle = open_store(backend, clock=clock)
    last = open_store(default_store_url(tmp_path / "last"), clock=clock)
    try:
        fill(first)
        there = copy_store(first, middle)
        back = copy_store(middle, last)
        assert records(last) == records(first)
        assert there.source.checksums() == back.target.checksums()
        assert there.source.layer_checksums() == back.target.layer_checksums()
        assert json.loads(last.get("bins", 1).properties)["tags"] == ["a", "\u0000b"]
        assert last.integrity_check() == "ok" and middle.integrity_check() == "ok"
    finally:
        for store in (first, middle, last):
            store.close()


def test_every_table_of_the_backend_is_a_kind_of_record_with_every_column(store):
    """A table or a column added to a backend without adding it to the transfer port would be lost by
    ``server.py migrate`` without a word: each table is a kind of record (or named in NOT_RECORDS), and each
    column of it a field (or one the backend derives: a generated geometry, a bounding box the versions carry)."""
    tables = table_columns(store)
    kinds = {("user" if t in ("user", "app_user") else t) for t in tables} - NOT_RECORDS
    assert kinds <= set(KINDS), f"tables no kind of record moves: {sorted(kinds - set(KINDS))}"
    for table, columns in tables.items():
        kind = "user" if table in ("user", "app_user") else table
        if kind in NOT_RECORDS or kind in ("meta", "blob", "version"):
            continue
        unknown = set(columns) - set(FIELDS[kind]) - DERIVED.get(kind, set())
        assert not unknown, f"{table}: columns no record carries: {sorted(unknown)}"
