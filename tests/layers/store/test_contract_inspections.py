"""The inspection port's contract on any backend: versioned checklists (a round keeps its version), rounds with
their items, closing, answers kept once per item, and all of it inside ``atomic()``."""

from __future__ import annotations

import pytest

from layers.store import AnswerExists

CHECKLIST = {"code": "street", "title": {"zh-CN": "道路", "en": "Streets"}, "items": [{"code": "litter"}]}
ITEM = {"item": 1, "kind": "stretch", "stratum": "440106003012001:branch", "cell": "440106003012001",
        "weight": 2.5, "geometry": {"type": "LineString", "coordinates": [[113.3, 23.1], [113.301, 23.1]]},
        "ref": {"layer": "roads", "fid": 4, "name": "一号路"}, "inspector": "wangge1", "seq": 1}  # fmt: skip
ROUND = {"area": "440106003012", "checklist": "street", "checklist_version": 1, "mode": "monthly", "seed": 7,
         "created_by": "planner", "design": {"strata": {"440106003012001:branch": {"N": 5, "n": 2}}}}  # fmt: skip


def _round(store, items=None):
    return store.add_round(ROUND, items if items is not None else [ITEM, ITEM | {"item": 2, "seq": 2, "weight": 2.5}])


def test_checklists_are_versioned_and_old_versions_stay_readable(store, clock):
    assert store.checklists() == [] and store.checklist("street") is None and store.checklist_history("x") == []
    first = store.put_checklist(CHECKLIST, "planner")
    assert first["version"] == 1 and first["author"] == "planner" and first["items"] == [{"code": "litter"}]
    assert store.put_checklist(CHECKLIST, "planner")["version"] == 1  # unchanged: nothing stored
    changed = CHECKLIST | {"items": [{"code": "litter"}, {"code": "stains"}]}
    second = store.put_checklist(changed, "admin")
    assert second["version"] == 2 and second["valid_from"] > first["valid_from"]
    assert store.checklist("street", 1)["items"] == [{"code": "litter"}]
    assert store.checklist("street", 1)["valid_to"] == second["valid_from"]
    assert store.checklist("street")["version"] == 2 and store.checklist("street", 3) is None
    assert [v["version"] for v in store.checklist_history("street")] == [1, 2]
    assert [c["code"] for c in store.checklists()] == ["street"]


def test_seeding_adds_only_unknown_checklists(store):
    store.put_checklist(CHECKLIST | {"title": {"zh-CN": "改过", "en": "edited"}}, "admin")
    other = {"code": "buildings", "items": []}
    assert store.seed_checklists([CHECKLIST, other]) == 1
    assert store.checklist("street")["title"]["en"] == "edited"  # a local edit is never overwritten
    assert [c["code"] for c in store.checklists()] == ["street", "buildings"]
    assert store.seed_checklists([CHECKLIST, other]) == 0


def test_a_round_keeps_its_items_as_written(store):
    saved = _round(store)
    assert saved["id"] >= 1 and saved["status"] == "open" and saved["closed_at"] is None
    assert saved["design"] == ROUND["design"] and saved["seed"] == 7 and saved["checklist_version"] == 1
    again = store.inspection_round(saved["id"])
    assert again == saved
    assert again["items"][0] == ITEM and [i["item"] for i in again["items"]] == [1, 2]
    assert store.inspection_round(saved["id"] + 100) is None
    newer = _round(store, [])
    assert [r["id"] for r in store.inspection_rounds()] == [newer["id"], saved["id"]]
    assert "items" not in store.inspection_rounds()[0]


def test_closing_a_round(store, clock):
    saved = _round(store)
    closed = store.close_round(saved["id"])
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    assert store.close_round(saved["id"])["closed_at"] == closed["closed_at"]  # closing again changes nothing
    with pytest.raises(KeyError):
        store.close_round(saved["id"] + 100)


def test_an_item_is_answered_once(store):
    saved = _round(store)
    record = {"item": 1, "values": {"litter": "B"}, "lon": 113.3, "lat": 23.1, "taken_at": "2026-01-01T10:00:00+08:00",
              "distance_m": 12.5, "flags": [], "photo_id": None, "author": "wangge1"}  # fmt: skip
    answer = store.add_answer(saved["id"], record)
    assert answer["id"] >= 1 and answer["values"] == {"litter": "B"} and answer["received_at"] > 0
    assert answer["round_id"] == saved["id"] and answer["distance_m"] == 12.5 and answer["flags"] == []
    with pytest.raises(AnswerExists):
        store.add_answer(saved["id"], record | {"values": {"litter": "D"}})
    store.add_answer(saved["id"], record | {"item": 2, "flags": [{"code": "far_from_item"}]})
    answers = store.round_answers(saved["id"])
    assert [(a["item"], a["values"]["litter"]) for a in answers] == [(1, "B"), (2, "B")]
    assert answers[1]["flags"] == [{"code": "far_from_item"}]


def test_rounds_and_answers_roll_back_with_the_block(store):
    with pytest.raises(RuntimeError), store.atomic():
        saved = _round(store)
        store.add_answer(saved["id"], {"item": 1, "values": {}, "author": "t"})
        store.put_checklist(CHECKLIST, "t")
        raise RuntimeError("the block fails")
    assert store.inspection_rounds() == [] and store.checklists() == []
