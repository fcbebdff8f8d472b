"""Evidence that holds: a closed case is verified only when an "after" photo was taken after dispatch by the
camera's clock, within the category's radius, and is no reuse of an earlier photo; the figures keep verified
and unverified closures apart, per cell, with the reasons."""

from __future__ import annotations

import pytest

from tests.web.case_world import EAST, WEST, jpeg, move, photo_upload, report, seed, users
from tests.web.test_case_photos import exif


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def _closed_with(world, photo: bytes, lon=113.305, lat=23.1052) -> int:
    fid = report(world["west"], lon=lon, lat=lat).get_json()["id"]
    assert move(world["planner"], fid, "filed").status_code == 200
    assert move(world["planner"], fid, "dispatched", assignee="wang_w").status_code == 200
    assert move(world["west"], fid, "in_progress").status_code == 200
    assert photo_upload(world["west"], fid, "after", photo).status_code == 201
    assert move(world["west"], fid, "fixed").status_code == 200
    assert move(world["inspector"], fid, "closed", note="复查").status_code == 200
    return fid


def test_only_closures_with_evidence_that_holds_count_as_verified(world):
    good = jpeg((30, 140, 60), exif=exif(113.30502, 23.10522, "2026:01:01 09:00:00"))
    verified = _closed_with(world, good)
    no_metadata = _closed_with(world, jpeg((200, 40, 40)))
    reused = _closed_with(world, good)  # the first case's after photo again
    early = _closed_with(world, jpeg((60, 60, 200), exif=exif(113.30502, 23.10522, "2026:01:01 07:00:00")))
    far = _closed_with(world, jpeg((90, 200, 90), exif=exif(113.3080, 23.10522, "2026:01:01 09:00:00")))
    open_case = report(world["west"]).get_json()["id"]
    body = world["leader"].get("/api/inspections/evidence").get_json()
    assert body["closed"] == 5 and body["verified"] == 1 and body["unverified"] == 4
    reasons = {case["id"]: case["reasons"] for case in body["unverified_cases"]}
    assert set(reasons) == {no_metadata, reused, early, far} and verified not in reasons and open_case not in reasons
    assert set(reasons[no_metadata]) == {"no_camera_time", "no_position"}
    assert reasons[reused] == ["reused_photo"] and reasons[early] == ["taken_before_dispatch"]
    assert reasons[far] == ["far_from_case"]
    assert body["by_cell"] == [{"code": WEST, "closed": 5, "verified": 1, "unverified": 4}]
    assert world["leader"].get(f"/api/inspections/evidence?area={EAST}").get_json()["closed"] == 0
    assert world["leader"].get("/api/inspections/evidence?area=12").status_code == 422
    assert world["west"].get("/api/inspections/evidence").status_code == 403
