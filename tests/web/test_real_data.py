"""Data written by others goes through the same validation: Taipei's real public toilets, with the one
record whose latitude and longitude are swapped (see tests/data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "taipei" / "taipei_public_toilets.geojson"
TEXT = {"type": "string", "title": {"zh-CN": "文本", "en": "Text"}}
NUMBER = {"type": "number", "title": {"zh-CN": "数值", "en": "Number"}}
LAYER = {
    "id": "taipei_toilets",
    "title": {"zh-CN": "台北公厕", "en": "Taipei public toilets"},
    "geometry_types": ["Point"],
    "properties": {
        **{key: TEXT for key in ("Unit", "Title", "Content", "Address", "Lng", "Lat", "ModifyDate")},
        "lon": NUMBER,
        "lat": NUMBER,
    },
}


def test_taipei_toilets_swapped_record_is_named_and_nothing_stored(client):
    collection = json.loads(DATA.read_text(encoding="utf-8"))
    assert client.post("/api/layers", json=LAYER).status_code == 201
    body = json.dumps(collection, ensure_ascii=False)
    refused = client.post("/api/layers/taipei_toilets/features", data=body, content_type="application/geo+json")
    assert refused.status_code == 422
    details = refused.get_json()["error"]["details"]
    assert [(d["field"], d["code"]) for d in details] == [("features[201].geometry.coordinates", "coordinates_swapped")]
    assert "25.054122" in details[0]["reason"]
    assert client.get("/api/layers/taipei_toilets").get_json()["feature_count"] == 0

    del collection["features"][201]
    body = json.dumps(collection, ensure_ascii=False)
    stored = client.post("/api/layers/taipei_toilets/features", data=body, content_type="application/geo+json")
    assert stored.status_code == 201
    assert client.get("/api/layers/taipei_toilets").get_json()["feature_count"] == 1776
    hit = client.get("/api/layers/taipei_toilets/features?Title=公廁坐落：士林官邸").get_json()
    assert hit["numberMatched"] == 1 and hit["features"][0]["properties"]["Address"] == "臺北市士林區福林路60號"
