"""The demo's synthetic before/after photos: one of each for every recurring case that was fixed, attached
back-dated at the report and at the fix, stored like uploads (metadata-free JPEGs with thumbnails), and
the same bytes from the same seed."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image

from layers.demo import seed_demo
from layers.demo.photos import scene
from layers.uploads.photos import process_photo
from tests.layers.test_demo import NOW_US, new_store


def photos_by_case(store) -> dict[int, list[dict]]:
    out = {}
    for version in store.query("blackspots", limit=100_000).features:
        photos = store.case_photos(version.fid)
        if photos:
            out[version.fid] = photos
    return out


def test_recurring_cases_get_before_and_after_photos(tmp_path):
    store = new_store(tmp_path / "a")
    try:
        summary = seed_demo(store, now_us=NOW_US)
        photos = photos_by_case(store)
        assert summary["history"]["photos"] == sum(len(p) for p in photos.values()) > 0
        for fid, items in photos.items():
            case = store.get("blackspots", fid)
            props = json.loads(case.properties)
            kinds = [p["kind"] for p in items]
            assert kinds[0] == "before" and kinds.count("before") == 1
            assert kinds.count("after") == (1 if props.get("fixed_at") else 0)
            for photo in items:
                assert photo["uploaded_at"] == photo["attached_at"] < NOW_US
                image = Image.open(io.BytesIO(store.read_blob(photo["image_key"])))
                assert image.format == "JPEG" and image.size == (480, 360) and not image.getexif()
                assert store.blob_exists(photo["thumb_key"])
            history = store.history("blackspots", fid)
            reported = history[0].valid_from
            assert items[0]["attached_at"] > reported
            if len(items) > 1:
                fixed = next(v.valid_from for v in history if json.loads(v.properties)["status"] == "fixed")
                assert reported < items[1]["attached_at"] < fixed  # the after photo comes before "fixed"
        # every case where a problem came back has its photos (so do the first reports of those places)
        recurring = {v.fid for v in store.query("blackspots", limit=100_000).features
                     if json.loads(v.properties).get("recurrence", 0) > 0}  # fmt: skip
        assert recurring and recurring < set(photos)
    finally:
        store.close()


def test_photos_are_deterministic(tmp_path):
    first, second = new_store(tmp_path / "a"), new_store(tmp_path / "b")
    try:
        seed_demo(first, now_us=NOW_US)
        seed_demo(second, now_us=NOW_US)
        shas = [[(p["kind"], p["sha256"], p["attached_at"]) for p in items] for items in photos_by_case(first).values()]
        assert shas == [[(p["kind"], p["sha256"], p["attached_at"]) for p in items]
                        for items in photos_by_case(second).values()]  # fmt: skip
    finally:
        first.close()
        second.close()


def test_before_and_after_differ_where_the_problem_was():
    street = lambda: np.random.default_rng([1, 2])  # noqa: E731 - the same corner twice
    for category in ("0102", "0504", "0404"):
        before = np.asarray(Image.open(io.BytesIO(scene(category, False, street(), np.random.default_rng(3), "x"))))
        after = np.asarray(Image.open(io.BytesIO(scene(category, True, street(), np.random.default_rng(4), "x"))))
        changed = np.abs(before.astype(int) - after.astype(int)).sum(axis=2) > 60
        assert changed[250:352].mean() > 0.02, category  # the pavement changed ...
        assert changed[:110].mean() < 0.01, category  # ... the facade did not
        assert process_photo(scene(category, False, street(), np.random.default_rng(3), "x")).width == 480
