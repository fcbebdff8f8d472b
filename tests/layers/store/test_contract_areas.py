"""The area port's contract, on any backend: names and boundaries of areas kept by code, replaced in place,
listed by level and parent, written inside ``atomic()`` with everything else; and the area an account holds."""

from __future__ import annotations

import pytest

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.7], [104.0, 30.6]]],
}


def _area(code, name, level, parent=None, geometry=None, bbox=None):
    return {"code": code, "name": name, "level": level, "parent": parent, "geometry": geometry, "bbox": bbox}


def test_areas_are_kept_by_code_and_listed_by_level_and_parent(store, clock):
    before = clock.now_us
    written = store.put_areas(
        [
            _area("510104", "锦江区", "district", geometry=SQUARE, bbox=[104.0, 30.6, 104.1, 30.7]),
            _area("510104002", "春熙路街道", "street", "510104"),
            _area("510104001", "督院街街道", "street", "510104"),
            _area("510105", "青羊区", "district"),
        ],
        "admin",
    )
    assert written == 4
    assert [a["code"] for a in store.areas()] == ["510104", "510104001", "510104002", "510105"]
    assert [a["code"] for a in store.areas(level="district")] == ["510104", "510105"]
    assert [a["code"] for a in store.areas(parent="510104")] == ["510104001", "510104002"]
    assert store.areas(level="district", parent="510104") == []
    one = store.area("510104")
    assert one == {"code": "510104", "name": "锦江区", "level": "district", "parent": None, "geometry": SQUARE,
                   "bbox": [104.0, 30.6, 104.1, 30.7], "updated_at": one["updated_at"], "author": "admin"}  # fmt: skip
    assert before < one["updated_at"] <= clock.now_us
    assert store.area("510104001")["geometry"] is None and store.area("510104001")["bbox"] is None
    assert store.area("999999") is None


def test_putting_a_known_code_replaces_its_name_and_boundary(store):
    store.put_areas([_area("510104", "锦江区", "district", geometry=SQUARE, bbox=[104.0, 30.6, 104.1, 30.7])], "a")
    store.put_areas([_area("510104", "锦江", "district")], "b")
    again = store.area("510104")
    assert (again["name"], again["geometry"], again["bbox"], again["author"]) == ("锦江", None, None, "b")
    assert len(store.areas()) == 1


def test_deleting_an_area_forgets_it(store):
    store.put_areas([_area("510104", "锦江区", "district")], "a")
    assert store.delete_area("510104") is True
    assert store.delete_area("510104") is False
    assert store.area("510104") is None and store.areas() == []


def test_area_writes_join_an_atomic_block(store):
    with pytest.raises(RuntimeError), store.atomic():
        store.put_areas([_area("510104", "锦江区", "district")], "a")
        store.create_user("ghost", "leader", None, area="510104")
        raise RuntimeError("the block fails")
    assert store.areas() == [] and store.user("ghost") is None


def test_an_account_holds_an_area_and_can_change_it(store):
    made = store.create_user("zhang", "leader", None, area="510104001")
    assert made["area"] == "510104001"
    assert store.create_user("li", "planner", None)["area"] is None
    assert store.update_user("zhang", {"area": "510104"})["area"] == "510104"
    assert store.update_user("zhang", {"area": None})["area"] is None
    assert {u["name"]: u["area"] for u in store.users()} == {"li": None, "zhang": None}
    assert store.audit_log(2)[1]["detail"] == {"role": "leader", "grid_codes": [], "area": "510104001"}
