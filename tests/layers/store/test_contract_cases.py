"""The case port's contract and ``atomic()``'s promise, on any backend: all-or-nothing blocks across ports,
nesting, serialised writers, idempotency answers stored in the change's transaction, versioned categories,
and photo records with their blobs."""

from __future__ import annotations

import json
import threading

import pytest
from store_support import point

from layers.store import Replay, open_store, run_once, stored_answer

CATEGORY = {"code": "0101", "name": {"zh-CN": "垃圾", "en": "Litter"}, "deadline_hours": 24}


def test_atomic_commits_every_port_together(store):
    with store.atomic():
        [f] = store.create("bins", [point(113.3, 23.1, name="一号")], "t")
        store.update("bins", f.fid, point(113.4, 23.2, name="一号改"), 1, "t")
        store.put_category(CATEGORY, "t")
        store.audit("t", "test.write", "bins")
    assert store.get("bins", f.fid).version == 2
    assert [c["code"] for c in store.categories()] == ["0101"]
    assert store.audit_log(1)[0]["action"] == "test.write"


def test_atomic_rolls_back_every_port_on_an_exception(store):
    with pytest.raises(RuntimeError, match="the block fails"), store.atomic():
        store.create("bins", [point(113.3, 23.1, name="一号")], "t")
        store.create("bins", [point(113.31, 23.11, name="二号")], "t")
        store.put_category(CATEGORY, "t")
        store.create_user("ghost", "planner", None)
        store.save_idempotent_result("t", "key-00001", "fp", 201, "{}")
        raise RuntimeError("the block fails")
    assert store.layer("bins")["feature_count"] == 0 and store.query("bins").total == 0
    assert store.categories() == [] and store.user("ghost") is None
    assert store.idempotent_result("t", "key-00001") is None


def test_reads_inside_a_block_see_its_own_writes(store):
    with store.atomic():
        [f] = store.create("bins", [point(113.3, 23.1)], "t")
        assert store.get("bins", f.fid).version == 1
        assert store.query("bins").total == 1


def test_a_nested_block_joins_the_outer_one(store):
    with pytest.raises(RuntimeError), store.atomic():
        with store.atomic():
            store.create("bins", [point(113.3, 23.1)], "t")
        raise RuntimeError("the outer block fails after the inner one ended")
    assert store.query("bins").total == 0
    with store.atomic():
        store.create("bins", [point(113.3, 23.1)], "t")
        with pytest.raises(ValueError), store.atomic():
            store.create("bins", [point(113.31, 23.1)], "t")
            raise ValueError("only the inner block fails")
    assert store.query("bins").total == 1  # the inner block's write alone was undone


def test_writers_are_serialised_a_read_then_write_sees_no_interleaved_commit(store, backend):
    """Two threads each read a counter and write it back plus one inside ``atomic()``: with writers
    serialised no increment is lost."""
    [f] = store.create("bins", [point(113.3, 23.1, capacity_l=0)], "t")
    rounds, errors = 15, []

    def bump(other_store):
        try:
            for _ in range(rounds):
                with other_store.atomic():
                    current = other_store.get("bins", f.fid)
                    count = json.loads(current.properties)["capacity_l"]
                    other_store.update("bins", f.fid, point(113.3, 23.1, capacity_l=count + 1), current.version, "t")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    stores = [store, open_store(backend)]  # two threads, and two stores as two processes would have
    threads = [threading.Thread(target=bump, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stores[1].close()
    assert errors == []
    assert json.loads(store.get("bins", f.fid).properties) == {"capacity_l": 2 * rounds}


def _answer(result):
    return (201, result["body"], {"ETag": result["etag"]}) if result["ok"] else None


def test_run_once_stores_the_answer_with_the_change(store):
    def work():
        [f] = store.create("bins", [point(113.3, 23.1)], "alice")
        return {"ok": True, "body": f'{{"id":{f.fid}}}', "etag": f.etag}

    result = run_once(store, "alice", "key-00001", "fp-1", work, _answer)
    assert result["ok"] and store.query("bins").total == 1
    assert store.idempotent_result("alice", "key-00001") == ("fp-1", 201, result["body"], {"ETag": result["etag"]})
    assert stored_answer(store, "alice", "key-00001") == Replay("fp-1", 201, result["body"], {"ETag": result["etag"]})
    again = run_once(store, "alice", "key-00001", "fp-1", work, _answer)
    assert again == Replay("fp-1", 201, result["body"], {"ETag": result["etag"]}) and store.query("bins").total == 1
    assert stored_answer(store, "bob", "key-00001") is None  # keys are per actor


def test_run_once_keeps_no_answer_for_a_refusal_nor_for_a_failure(store):
    refused = run_once(store, "alice", "key-00002", "fp", lambda: {"ok": False}, _answer)
    assert refused == {"ok": False} and store.idempotent_result("alice", "key-00002") is None

    def fails():
        store.create("bins", [point(113.3, 23.1)], "alice")
        raise RuntimeError("after the change")

    with pytest.raises(RuntimeError):
        run_once(store, "alice", "key-00003", "fp", fails, _answer)
    assert store.idempotent_result("alice", "key-00003") is None and store.query("bins").total == 0


def test_an_answer_saved_in_a_rolled_back_block_is_gone_with_the_change(store):
    with pytest.raises(RuntimeError), store.atomic():
        store.create("bins", [point(113.3, 23.1)], "alice")
        store.save_idempotent_result("alice", "key-00004", "fp", 201, '{"id":1}', {"ETag": '"1.1"'})
        raise RuntimeError("rolled back")
    assert store.idempotent_result("alice", "key-00004") is None
    store.save_idempotent_result("alice", "key-00004", "fp", 200, "<xml/>", {"Content-Type": "text/xml"})
    assert store.idempotent_result("alice", "key-00004") == ("fp", 200, "<xml/>", {"Content-Type": "text/xml"})
    assert store.idempotent_result("alice", "key-99999") is None


def test_concurrent_repeats_of_one_key_change_once(store, backend):
    changes, results = [], []

    def attempt(s):
        def work():
            changes.append(s.create("bins", [point(113.3, 23.1)], "alice")[0].fid)
            return {"ok": True, "body": "{}", "etag": '"x"'}

        results.append(run_once(s, "alice", "key-00005", "fp", work, _answer))

    stores = [store, open_store(backend)]
    threads = [threading.Thread(target=attempt, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stores[1].close()
    assert len(changes) == 1 and store.query("bins").total == 1
    assert sum(isinstance(r, Replay) for r in results) == 1


def test_categories_are_versioned(store, clock):
    assert store.categories() == [] and store.category_history("0101") == []
    first = store.put_category(CATEGORY, "admin")
    assert first["code"] == "0101" and first["author"] == "admin" and first["name"]["en"] == "Litter"
    assert store.put_category(CATEGORY, "someone") == first  # unchanged: nothing stored
    between = clock() + 10
    clock.set(between + 10)
    second = store.put_category(CATEGORY | {"deadline_hours": 48}, "planner")
    assert second["deadline_hours"] == 48 and second["valid_from"] > first["valid_from"]
    history = store.category_history("0101")
    assert [h["deadline_hours"] for h in history] == [24, 48]
    assert history[0]["valid_to"] == history[1]["valid_from"] and history[1]["valid_to"] is None
    assert store.categories(at=between)[0]["deadline_hours"] == 24
    assert store.categories()[0]["deadline_hours"] == 48
    assert store.categories(at=first["valid_from"] - 1) == []


def test_seeding_categories_adds_only_unknown_codes(store):
    store.put_category(CATEGORY | {"deadline_hours": 12}, "admin")
    other = {"code": "0202", "name": {"zh-CN": "积水", "en": "Standing water"}, "deadline_hours": 72}
    assert store.seed_categories([CATEGORY, other]) == 1
    assert {c["code"]: c["deadline_hours"] for c in store.categories()} == {"0101": 12, "0202": 72}
    assert store.seed_categories([CATEGORY, other]) == 0
    assert [c["code"] for c in store.categories()] == ["0101", "0202"]  # the order they were first added


PHOTO = {"sha256": "ab" * 32, "phash": "f" * 16, "width": 800, "height": 600, "source_type": "camera",
         "taken_at": "2026-01-01T09:00:00+08:00", "lon": 113.3, "lat": 23.1, "uploaded_by": "worker",
         "uploaded_at": 1_767_225_600_000_000, "warnings": [{"code": "gps_far"}]}  # fmt: skip


def test_photos_keep_their_record_and_blobs(store, clock):
    stored = store.add_photo(PHOTO, b"image bytes", b"thumb bytes")
    assert stored["id"] and stored["case_fid"] is None and stored["kind"] is None
    assert {k: stored[k] for k in PHOTO} == PHOTO
    assert store.read_blob(stored["image_key"]) == b"image bytes"
    assert store.read_blob(stored["thumb_key"]) == b"thumb bytes" and stored["thumb_key"].endswith(".jpg")
    assert store.photo(stored["id"]) == stored and store.photo(10**9) is None
    [case] = store.create("blackspots", [point(113.3, 23.1, status="reported")], "t")
    attached = store.attach_photo(stored["id"], case.fid, "before", warnings=[])
    assert attached["case_fid"] == case.fid and attached["kind"] == "before" and attached["warnings"] == []
    assert attached["attached_at"] is not None
    later = store.add_photo(PHOTO | {"sha256": "cd" * 32}, b"after image", b"after thumb")
    store.attach_photo(later["id"], case.fid, "after", at=attached["attached_at"] + 5_000)
    assert [p["id"] for p in store.case_photos(case.fid)] == [stored["id"], later["id"]]
    assert [p["id"] for p in store.case_photos(case.fid, at=attached["attached_at"])] == [stored["id"]]
    assert store.photo_counts() == {case.fid: {"before": 1, "after": 1}}
    assert store.photo_counts([case.fid + 1]) == {}
    assert sorted(store.photo_fingerprints()) == [(stored["id"], case.fid, "ab" * 32, "f" * 16),
                                                  (later["id"], case.fid, "cd" * 32, "f" * 16)]  # fmt: skip


def test_a_photo_added_in_a_rolled_back_block_leaves_no_record(store):
    with pytest.raises(RuntimeError), store.atomic():
        added = store.add_photo(PHOTO, b"image bytes", b"thumb bytes")
        raise RuntimeError("rolled back")
    assert store.photo(added["id"]) is None and store.photo_fingerprints() == []


def test_contributions_count_an_authors_new_cases_and_photos_since_an_instant(store, clock):
    start = clock()
    made = store.create("blackspots", [point(113.3, 23.1, category="0102") for _ in range(3)], "wang")
    store.create("blackspots", [point(113.3, 23.1, category="0102")], "li")
    store.create("bins", [point(113.3, 23.1, name="x")], "wang")  # another layer does not count
    store.update("blackspots", made[0].fid, point(113.3, 23.1, category="0101"), 1, "wang")  # nor an edit
    store.add_photo(PHOTO | {"uploaded_by": "wang", "uploaded_at": clock()}, b"image", b"thumb")
    store.add_photo(PHOTO | {"uploaded_by": "li", "uploaded_at": clock(), "sha256": "ef" * 32}, b"i2", b"t2")
    found = store.contributions("wang", "blackspots", start)
    assert found["reports"][0] == 3 and start < found["reports"][1] <= clock()
    assert found["photos"][0] == 1 and found["photos"][1] > start
    assert store.contributions("wang", "blackspots", clock() + 1)["reports"] == (0, None)
    assert store.contributions("nobody", "blackspots", start) == {"reports": (0, None), "photos": (0, None)}
