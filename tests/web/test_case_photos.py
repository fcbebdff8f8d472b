"""Photos on cases through the API: real JPEG and HEIC files with EXIF written here, warnings (far from
the pin, taken before the report, reused on another case), a report that starts from a photo, stored
copies without metadata, idempotent uploads, and refusals that name the field."""

from __future__ import annotations

import io
from fractions import Fraction

import pillow_heif
import pytest
from PIL import Image

from tests.web.case_world import jpeg, move, photo_upload, report, seed, users


@pytest.fixture
def world(app, client):
    seed(client)
    return users(app)


def _dms(value: float):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10_000)
    return (Fraction(degrees), Fraction(minutes), seconds)


def exif(lon: float | None, lat: float | None, taken: str | None = None, offset: str | None = "+08:00"):
    data = Image.Exif()
    if lon is not None:
        gps = data.get_ifd(0x8825)
        gps.update({1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W", 4: _dms(abs(lon))})
    if taken is not None:
        ifd = data.get_ifd(0x8769)
        ifd[0x9003] = taken  # DateTimeOriginal "YYYY:MM:DD HH:MM:SS"
        if offset:
            ifd[0x9011] = offset  # OffsetTimeOriginal
    return data


def heic(lon: float, lat: float, taken: str) -> bytes:
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 200)).save(out, format="HEIF", exif=exif(lon, lat, taken).tobytes())
    return out.getvalue()


def test_after_photo_is_stored_without_metadata_and_shown_beside_the_before(world, app):
    fid = report(world["west"]).get_json()["id"]
    before = photo_upload(world["west"], fid, "before", jpeg(exif=exif(113.30501, 23.10521, "2026:01:01 09:00:00")))
    assert before.status_code == 201, before.get_json()
    record = before.get_json()
    assert record["kind"] == "before" and record["warnings"] == []
    assert record["lon"] == pytest.approx(113.30501, abs=1e-6) and record["taken_at"].startswith("2026-01-01T09:00")
    image = world["west"].get(record["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(image.data))
    assert not stored.getexif() and b"Exif" not in image.data[:4096]
    thumb = Image.open(io.BytesIO(world["west"].get(record["thumb_url"]).data))
    assert max(thumb.size) <= 320
    world["planner"].post(f"/api/cases/{fid}/transitions", json={"to": "filed"})
    move(world["planner"], fid, "dispatched")
    after = photo_upload(world["west"], fid, "after", jpeg((30, 140, 60), exif=exif(113.30502, 23.10522)))
    assert after.status_code == 201
    case = world["west"].get(f"/api/cases/{fid}").get_json()
    assert [p["id"] for p in case["photos"]["before"]] == [record["id"]]
    assert [p["id"] for p in case["photos"]["after"]] == [after.get_json()["id"]]


def test_heic_from_an_iphone_with_gps_far_from_the_pin(world):
    fid = report(world["west"]).get_json()["id"]
    # 0.003° of latitude north: ~330 m from the pin
    r = photo_upload(world["west"], fid, "before", heic(113.305, 23.1082, "2026:01:01 08:30:00"))
    assert r.status_code == 201, r.get_json()
    record = r.get_json()
    assert record["source_type"] == "heic"
    far = [w for w in record["warnings"] if w["code"] == "far_from_case"]
    assert far and 300 < far[0]["distance_m"] < 360 and far[0]["message_zh"]


def test_photo_taken_before_the_case_existed(world):
    fid = report(world["west"]).get_json()["id"]  # the test clock starts 2026-01-01 08:00 Beijing time
    r = photo_upload(world["west"], fid, "before", jpeg(exif=exif(None, None, "2025:06:01 10:00:00", None)))
    assert [w["code"] for w in r.get_json()["warnings"]] == ["taken_before_report"]


def test_reused_photo_on_another_case_is_flagged(world):
    a = report(world["west"]).get_json()["id"]
    b = report(world["west"], lon=113.3080, category="0201").get_json()["id"]
    picture = jpeg((10, 200, 200))
    assert photo_upload(world["west"], a, "before", picture).get_json()["warnings"] == []
    same = photo_upload(world["west"], b, "before", picture).get_json()
    assert [(w["code"], w["cases"]) for w in same["warnings"]] == [("reused_photo", [a])]
    # the same picture re-encoded smaller is still recognised
    small = io.BytesIO()
    Image.open(io.BytesIO(picture)).resize((320, 240)).save(small, "JPEG", quality=60)
    c = report(world["west"], lon=113.3070, category="0504").get_json()["id"]
    again = photo_upload(world["west"], c, "before", small.getvalue()).get_json()
    assert any(w["code"] == "reused_photo" and a in w["cases"] for w in again["warnings"])
    other = photo_upload(world["west"], c, "before", jpeg((250, 250, 10), size=(500, 700))).get_json()
    assert other["warnings"] == []


def test_a_report_can_start_from_a_photo(world):
    r = world["west"].post("/api/photos", data={"file": (io.BytesIO(jpeg(exif=exif(113.3052, 23.1051))), "a.jpg")},
                           content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 201
    loose = r.get_json()
    assert loose["case_id"] is None and loose["lon"] == pytest.approx(113.3052, abs=1e-6)
    case = report(world["west"], lon=loose["lon"], lat=loose["lat"], photo_ids=[loose["id"]]).get_json()
    assert [p["id"] for p in case["photos"]["before"]] == [loose["id"]]
    r = report(world["west"], photo_ids=[loose["id"]])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "photo_attached"
    r = report(world["east"], lon=113.315, photo_ids=[loose["id"]])
    assert r.status_code == 422  # another user's photo id is unknown to them


def test_an_unattached_photo_and_its_position_are_the_uploaders_and_the_admins_alone(world, app, client):
    r = world["west"].post("/api/photos", data={"file": (io.BytesIO(jpeg(exif=exif(113.3052, 23.1051))), "a.jpg")},
                           content_type="multipart/form-data")  # fmt: skip
    loose = r.get_json()["id"]
    paths = [f"/api/photos/{loose}", f"/api/photos/{loose}/thumb", f"/api/photos/{loose}/meta"]
    app.config["READ_REQUIRES_LOGIN"] = False  # even with public reading
    for reader in (world["east"], world["inspector"], world["planner"], world["leader"], app.test_client()):
        for path in paths:
            refused = reader.get(path)
            assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found", path
            assert "113.305" not in refused.get_data(as_text=True)
    for reader in (world["west"], client):  # the uploader and an administrator
        assert all(reader.get(path).status_code == 200 for path in paths)
    assert world["west"].get(paths[2]).get_json()["lon"] == pytest.approx(113.3052, abs=1e-6)
    case = report(world["west"], lon=113.3052, lat=23.1051, photo_ids=[loose]).get_json()
    assert case["photos"]["before"][0]["id"] == loose
    for reader in (world["east"], world["leader"]):  # attached, it is read like the case
        assert all(reader.get(path).status_code == 200 for path in paths)


def test_repeated_upload_with_a_key_stores_one_photo(world, store):
    fid = report(world["west"]).get_json()["id"]
    data = jpeg((120, 120, 20))
    first = photo_upload(world["west"], fid, "before", data, key="photo-0001-abcdef")
    again = photo_upload(world["west"], fid, "before", data, key="photo-0001-abcdef")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert len(store.case_photos(fid)) == 1


@pytest.mark.parametrize(
    "payload, field, status",
    [
        ({"kind": "before", "file": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg")}, "file", 422),
        ({"kind": "during", "file": (io.BytesIO(jpeg()), "x.jpg")}, "kind", 422),
        ({"kind": "before"}, "file", 422),
        ({"kind": "before", "file": (io.BytesIO(jpeg()[:600]), "x.jpg")}, "file", 422),
        ({"kind": "before", "note": "x", "file": (io.BytesIO(jpeg()), "x.jpg")}, "note", 422),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(world, store, payload, field, status):
    fid = report(world["west"]).get_json()["id"]
    r = world["west"].post(f"/api/cases/{fid}/photos", data=payload, content_type="multipart/form-data")
    assert r.status_code == status, r.get_json()
    assert field in [d["field"] for d in r.get_json()["error"]["details"]]
    assert store.case_photos(fid) == []


def test_after_photo_needs_a_dispatched_case_and_closed_cases_take_none(world):
    fid = report(world["west"]).get_json()["id"]
    r = photo_upload(world["west"], fid, "after", jpeg())
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "photo_not_allowed"
    move(world["planner"], fid, "rejected")
    assert photo_upload(world["west"], fid, "before", jpeg()).status_code == 409
    assert photo_upload(world["leader"], fid, "before", jpeg()).status_code == 403


def test_unknown_photo_is_404(world):
    assert world["west"].get("/api/photos/999").status_code == 404
    assert world["west"].get("/api/photos/999/thumb").status_code == 404


def test_a_resent_upload_is_answered_as_before_even_after_the_role_changed(world, app, store):
    """The phone's outbox resends a photo whose answer it lost; meanwhile the worker became a leader (who
    may not work on cases): the repeat gets the stored answer, a new upload is refused."""
    fid = report(world["west"]).get_json()["id"]
    data = jpeg((30, 160, 200))
    first = photo_upload(world["west"], fid, "before", data, key="photo-role-000001")
    assert first.status_code == 201
    store.update_user("wang_w", {"role": "leader"})
    again = photo_upload(world["west"], fid, "before", data, key="photo-role-000001")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    fresh = photo_upload(world["west"], fid, "before", data, key="photo-role-000002")
    assert fresh.status_code == 403 and fresh.get_json()["error"]["code"] == "forbidden"
    assert len(store.case_photos(fid)) == 1
