"""The demo community: deterministic, valid for the API, and shaped the way the analyses need it
(noded roads, real gaps, a history to compare before and after)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from layers.cases.categories import BUILTIN as BUILTIN_CATEGORIES
from layers.catalogue import load_catalogue
from layers.catalogue.features import parse_new_features
from layers.demo import NAME, seed_demo
from layers.store.sqlite import SQLiteStore

NOW_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
DAY_US = 86_400_000_000
TEN_MONTHS_AGO = NOW_US - 304 * DAY_US
LAYERS = ("grid", "roads", "buildings", "collection_points", "toilets", "bins", "streetlights", "blackspots")
OPEN = {"reported", "filed", "dispatched", "in_progress"}
SIDE_ROADS = ("马王六村支路", "龙泉怡苑支路", "新港花园支路")
_TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)


def new_store(path) -> SQLiteStore:
    store = SQLiteStore(path)
    store.sync_builtin_layers(load_catalogue())
    return store


def features(store, layer: str, at: int | None = None) -> list[dict]:
    page = store.query(layer, at=at, limit=100_000)
    assert page.total == len(page.features)
    return [
        {"id": v.fid, "geometry": json.loads(v.geometry), "properties": json.loads(v.properties)} for v in page.features
    ]


def metric(geojson: dict):
    """A stored geometry in metres (UTM 49N): distances are never measured in degrees."""
    return shapely.transform(shape(geojson), lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    store = new_store(tmp_path_factory.mktemp("demo"))
    summary = seed_demo(store, now_us=NOW_US)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def cases(seeded):
    """Every blackspot case with its full history: [(feature now, [(valid_from, status), ...])]."""
    store = seeded[0]
    out = []
    for feature in features(store, "blackspots"):
        versions = store.history("blackspots", feature["id"])
        out.append((feature, [(v.valid_from, json.loads(v.properties)["status"]) for v in versions]))
    return out


def test_seeding_is_deterministic(tmp_path):
    first, second = new_store(tmp_path / "a"), new_store(tmp_path / "b")
    try:
        assert seed_demo(first, now_us=NOW_US) == seed_demo(second, now_us=NOW_US)
        for layer in LAYERS:
            assert features(first, layer) == features(second, layer), layer
        some = features(first, "blackspots")[::37]
        for feature in some:
            assert first.history("blackspots", feature["id"]) == second.history("blackspots", feature["id"])
    finally:
        first.close()
        second.close()


def test_summary_counts_every_layer_and_names_the_community_fictional(seeded):
    store, summary = seeded
    assert summary["name"] == NAME and "虚构" in NAME and "fictional" in NAME
    for layer in LAYERS:
        assert summary["layers"][layer] == store.layer(layer)["feature_count"] > 0, layer
    counts = summary["layers"]
    assert 6 <= counts["grid"] <= 9
    assert 120 <= counts["bins"] <= 200
    assert 8 <= counts["collection_points"] <= 12
    assert 4 <= counts["toilets"] <= 6
    assert 300 <= counts["blackspots"] <= 500
    houses = [f for f in features(store, "buildings") if f["properties"]["use"] == "village_house"]
    assert len(houses) >= 300
    assert summary["history"]["updates"] > counts["blackspots"]
    assert store.get_meta("demo") == {"name": NAME, "seed": summary["seed"], "fictional": True}


def test_every_stored_feature_passes_the_api_validation(seeded):
    store = seeded[0]
    for at in (None, TEN_MONTHS_AGO):
        for layer in LAYERS:
            stored = features(store, layer, at=at)
            payload = {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": f["geometry"], "properties": f["properties"]} for f in stored
                ],
            }
            assert len(parse_new_features(store.layer(layer), payload)) == len(stored)


def test_grid_cells_tile_the_community_with_15_digit_codes(seeded):
    cells = features(seeded[0], "grid")
    codes = [c["properties"]["code"] for c in cells]
    assert all(len(code) == 15 and code.isdigit() and code.startswith("440106003012") for code in codes)
    assert len(set(codes)) == len(codes)
    polygons = [metric(c["geometry"]) for c in cells]
    for i, a in enumerate(polygons):
        assert a.is_valid
        for b in polygons[i + 1 :]:
            assert a.intersection(b).area < 0.01
    union = shapely.union_all(polygons)
    assert union.geom_type == "Polygon" and not union.interiors
    assert abs(union.area - sum(p.area for p in polygons)) < 1.0
    assert 1.0e6 < union.area < 1.5e6  # about 1.2 km x 1 km
    # Numbered west to east, then north to south.
    centres = {c["properties"]["code"]: p.centroid for c, p in zip(cells, polygons)}
    ordered = sorted(centres, key=lambda code: (-round(centres[code].y, -1), centres[code].x))
    assert ordered == sorted(codes)


def test_cases_carry_the_code_of_the_cell_that_contains_them(seeded):
    store = seeded[0]
    cells = [(c["properties"]["code"], shape(c["geometry"])) for c in features(store, "grid")]
    for case in features(store, "blackspots"):
        point = shape(case["geometry"])
        assert case["properties"]["grid_code"] in {code for code, cell in cells if cell.covers(point)}


def test_roads_are_noded(seeded):
    roads = features(seeded[0], "roads")
    lines = [shape(r["geometry"]) for r in roads]
    vertices = [{tuple(c) for c in r["geometry"]["coordinates"]} for r in roads]
    tree = STRtree(lines)
    for road, line in zip(roads, lines):
        if road["properties"]["class"] != "alley":
            continue
        for end in (line.coords[0], line.coords[-1]):
            others = [int(i) for i in tree.query(Point(end).buffer(1e-6)) if lines[i] is not line]
            touching = [i for i in others if lines[i].distance(Point(end)) <= 1e-7]
            assert touching, f"{road['properties']['name']} ends at {end} on no other road"
            assert any(end in vertices[i] for i in touching), f"{end} is not a vertex of the road it meets"
    # Where two roads meet anywhere, the meeting point is a vertex of both.
    left, right = tree.query(lines, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist()):
        if i < j:
            for point in shapely.get_parts(lines[i].intersection(lines[j])):
                assert (point.x, point.y) in vertices[i] and (point.x, point.y) in vertices[j]


def test_buildings_are_valid_and_do_not_overlap(seeded):
    polygons = [metric(b["geometry"]) for b in features(seeded[0], "buildings")]
    assert all(p.is_valid for p in polygons)
    left, right = STRtree(polygons).query(polygons, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist()):
        if i < j:
            assert polygons[i].intersection(polygons[j]).area < 0.01


def test_the_village_has_its_dry_toilet(seeded):
    toilets = [t["properties"] for t in features(seeded[0], "toilets")]
    dry = [t for t in toilets if t["flush"] == "dry"]
    assert len(dry) == 1 and "旱厕" in dry[0]["name"]
    assert dry[0]["grade"] == "none" and not dry[0].get("managed_by")
    assert any(t["flush"] == "flush" for t in toilets)


def test_the_seed_side_roads_are_dark(seeded):
    store = seeded[0]
    roads = features(store, "roads")
    side = [metric(r["geometry"]) for r in roads if r["properties"]["name"] in SIDE_ROADS]
    assert len(side) == 3
    assert all(not r["properties"]["lit"] for r in roads if r["properties"]["name"] in SIDE_ROADS)
    assert all(r["properties"]["lit"] for r in roads if r["properties"]["class"] == "arterial")
    lamps = [metric(f["geometry"]) for f in features(store, "streetlights")]
    for road in side:
        assert min(road.distance(lamp) for lamp in lamps) > 15


def test_gaps_are_left_for_the_coverage_analyses(seeded):
    store = seeded[0]
    houses = [
        metric(b["geometry"]).centroid
        for b in features(store, "buildings")
        if b["properties"]["use"] == "village_house"
    ]
    points = [metric(p["geometry"]) for p in features(store, "collection_points")]
    nearest = [min(h.distance(p) for p in points) for h in houses]
    assert sum(d > 120 for d in nearest) > 0 and sum(d <= 70 for d in nearest) > 0
    flush = [metric(t["geometry"]) for t in features(store, "toilets") if t["properties"]["flush"] == "flush"]
    assert max(min(h.distance(t) for t in flush) for h in houses) > 300


def test_the_past_differs_from_now_as_the_history_says(seeded, cases):
    store = seeded[0]
    then = features(store, "blackspots", at=TEN_MONTHS_AGO)
    now = features(store, "blackspots")
    assert 0 < len(then) < len(now)
    history = {feature["id"]: steps for feature, steps in cases}
    changed = 0
    for feature in then:
        steps = history[feature["id"]]
        expected = [status for valid_from, status in steps if valid_from <= TEN_MONTHS_AGO][-1]
        assert feature["properties"]["status"] == expected
        changed += expected != steps[-1][1]
    assert changed > 0
    # The facilities changed too: new bins came later, and two lamps were repaired.
    assert len(features(store, "bins", at=TEN_MONTHS_AGO)) == len(features(store, "bins")) - 10
    broken = Counter(f["properties"]["status"] for f in features(store, "streetlights", at=TEN_MONTHS_AGO))
    assert broken["broken"] - Counter(f["properties"]["status"] for f in features(store, "streetlights"))["broken"] == 2
    assert len(features(store, "roads", at=TEN_MONTHS_AGO)) == len(features(store, "roads"))


def test_case_histories_are_back_dated_workflows(cases):
    steps_allowed = {
        "reported": {"filed", "rejected", "duplicate"},
        "filed": {"dispatched"},
        "dispatched": {"in_progress", "dispatched"},  # a stalled case re-dispatched (改派) lately
        "in_progress": {"fixed", "dispatched"},
        "fixed": {"closed"},
    }
    for feature, steps in cases:
        reported_at = datetime.fromisoformat(feature["properties"]["reported_at"])
        assert reported_at.utcoffset().total_seconds() == 8 * 3600
        assert steps[0] == (int(reported_at.timestamp()) * 1_000_000, "reported")
        times = [t for t, _ in steps]
        assert times == sorted(set(times)) and times[-1] < NOW_US
        for (_, a), (_, b) in zip(steps, steps[1:]):
            assert b in steps_allowed[a], (a, b)
        assert feature["properties"]["description"] and feature["properties"]["address"].endswith("号附近")


def test_the_deadlines_of_cases_on_the_clock_lie_around_today(cases):
    """Most cases still on the clock have their deadline to come (a worklist of countdowns, not a wall of
    超期); a few are overdue, as in a running office."""
    on_clock = [f["properties"] for f, steps in cases if steps[-1][1] in ("dispatched", "in_progress")]
    due_us = [datetime.fromisoformat(p["deadline"]).timestamp() * 1e6 for p in on_clock]
    overdue = sum(1 for d in due_us if d < NOW_US)
    assert on_clock and 0 < overdue < len(on_clock) / 3
    longest_us = max(c["deadline_hours"] for c in BUILTIN_CATEGORIES) * 3_600_000_000
    assert all(d <= NOW_US + longest_us for d in due_us)  # none further out than a category's own deadline


def test_some_cases_are_still_open_and_some_are_overdue(cases):
    statuses = Counter(steps[-1][1] for _, steps in cases)
    open_now = sum(statuses[s] for s in OPEN)
    assert 0.08 < open_now / len(cases) < 0.25
    assert statuses["rejected"] and statuses["duplicate"] and statuses["closed"]
    overdue = [f for f, steps in cases if steps[-1][1] in OPEN and NOW_US - steps[-1][0] > 30 * DAY_US]
    assert overdue


def test_the_first_half_of_the_year_was_worse(cases):
    middle = NOW_US - 182 * DAY_US
    first = sum(steps[0][0] < middle for _, steps in cases)
    assert first > 1.3 * (len(cases) - first)


def test_some_places_come_back_after_being_closed(cases):
    points = [metric(f["geometry"]) for f, _ in cases]
    closed_at = [next((t for t, s in steps if s == "closed"), None) for _, steps in cases]
    recurring = 0
    for i, (earlier, _) in enumerate(cases):
        if closed_at[i] is None:
            continue
        for j, (later, steps) in enumerate(cases):
            if (
                later["properties"]["category"] == earlier["properties"]["category"]
                and steps[0][0] > closed_at[i]
                and points[i].distance(points[j]) < 10
            ):
                recurring += 1
    assert recurring >= 3
    # The demo's marked recurrences (回潮) fall in both halves of the year, so the leaders' default
    # six-month report has some to show.
    halves = {steps[0][0] >= NOW_US - 182 * DAY_US for f, steps in cases if f["properties"].get("recurrence", 0) >= 1}
    assert halves == {False, True}


def test_a_store_that_already_holds_the_demo_is_refused(seeded):
    with pytest.raises(ValueError, match="empty"):
        seed_demo(seeded[0], now_us=NOW_US)
