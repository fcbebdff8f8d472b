"""The analyses over HTTP, on the demo community: the answers have the documented shape, the demo's real
gaps show up, results can be saved as layers, and bad parameters are refused naming the field."""

from __future__ import annotations

import pytest

from layers.analysis import KINDS
from layers.demo import seed_demo
from server import create_app
from tests.conftest import make_user, token_client

NOW_US = 1_795_000_000_000_000  # 2026-11-18


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("analysis") / "data")})
    seed_demo(app.extensions["store"], now_us=NOW_US)
    yield app
    app.extensions["store"].close()


@pytest.fixture(scope="module")
def planner(demo_app):
    return token_client(demo_app, make_user(demo_app, "planner1", "planner"))


def run(client, kind, **body):
    response = client.post(f"/api/analysis/{kind}", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/geo+json"
    return response.get_json()


def test_straight_line_and_network_coverage(planner):
    euclid = run(planner, "coverage", facilities="toilets", targets="buildings", radius_m=300)
    network = run(planner, "coverage", facilities="toilets", targets="buildings", radius_m=300, metric="network")
    for answer in (euclid, network):
        summary = answer["summary"]
        assert summary["targets"] == len(answer["features"]) == 793
        assert summary["covered"] + summary["uncovered"] == summary["targets"]
        assert 0 < summary["coverage_ratio"] < 1  # the village is beyond 300 m of a toilet somewhere
        assert {"covered", "reachable", "distance_m", "nearest_id"} <= set(answer["features"][0]["properties"])
        assert answer["service_areas"]["features"]
        assert summary["households_total"] > summary["households_covered"] > 0
        assert {c["code"] for c in summary["by_grid"]} <= {f"440106003012{i:03d}" for i in range(1, 10)}
    for answer in (euclid, network):
        for feature in answer["features"]:
            props = feature["properties"]
            assert props["covered"] == (props["distance_m"] is not None and props["distance_m"] <= 300)
    assert network["summary"]["metric"] == "network" and euclid["summary"]["metric"] == "euclidean"


def test_the_dark_side_roads_show_up_as_gaps(planner):
    answer = run(planner, "gaps")
    assert answer["summary"]["total_gap_m"] > 0
    dark = {f["properties"]["line_name"] for f in answer["features"]}
    assert {"马王六村支路", "龙泉怡苑支路", "新港花园支路"} <= dark
    assert all(f["properties"]["length_m"] > 0 for f in answer["features"])
    bins = run(planner, "gaps", points="bins", max_gap_m={"alley": 100, "branch": 100})
    assert bins["summary"]["unchecked_classes"]


def test_lamps_on_the_pavements_of_wide_roads_count_for_them(planner):
    """The demo's arterials are 30–40 m wide with lamps at their kerbs, farther than 15 m from the centre
    line: counted by width by default (5 m beyond the edge), they are not reported dark; alleys, whose
    width adds nothing to 15 m, keep exactly the gaps they have without widths."""
    by_width = run(planner, "gaps")["summary"]
    centre_only = run(planner, "gaps", snap_edge_m=None)["summary"]
    assert by_width["snap_edge_m"] == 5.0 and by_width["lines_snapped_by_width"] > 0
    assert centre_only["snap_edge_m"] is None and centre_only["lines_snapped_by_width"] == 0

    def gap_m(summary, road_class):
        return next(r["gap_m"] for r in summary["by_class"] if r["class"] == road_class)

    assert gap_m(by_width, "arterial") < gap_m(centre_only, "arterial") / 2
    assert gap_m(by_width, "alley") == pytest.approx(gap_m(centre_only, "alley"))
    bad = planner.post("/api/analysis/gaps", json={"snap_edge_m": -2})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "snap_edge_m"


def test_proposals_add_coverage(planner):
    answer = run(planner, "proposals", facilities="bins", targets="buildings", radius_m=50, count=5)
    summary = answer["summary"]
    assert len(answer["features"]) == 5 and summary["covered_after"] > summary["covered_before"]
    assert [f["properties"]["rank"] for f in answer["features"]] == [1, 2, 3, 4, 5]
    assert summary["method"] in ("exact", "greedy")


def test_hotspots_and_recurrence(planner):
    hot = run(planner, "hotspots", size_m=100)
    assert any(f["properties"]["class"].startswith("hot") for f in hot["features"])
    places = run(planner, "recurrence")
    assert places["summary"]["places"] >= 4
    assert all(f["properties"]["recurrence_count"] >= 1 for f in places["features"])


def test_results_can_be_saved_as_layers(planner):
    answer = run(planner, "gaps", save=True)
    layer = planner.get(f"/api/layers/{answer['saved_layer']}").get_json()
    assert layer["editable"] is False and layer["feature_count"] == answer["summary"]["gaps"]
    assert layer["rules"]["analysis"]["kind"] == "gaps"
    assert layer["title"]["zh-CN"].startswith("沿街空白段")
    again = run(planner, "gaps", save=True)
    assert again["saved_layer"] != answer["saved_layer"]


def test_the_past_can_be_analysed(planner):
    now = run(planner, "gaps", points="bins")
    before = run(planner, "gaps", points="bins", at="2026-06-01T00:00:00+08:00")
    # Ten bins were added three months before the demo's "now" on the dark side roads.
    assert before["summary"]["total_gap_m"] > now["summary"]["total_gap_m"]


def test_presets_carry_their_sources(planner):
    presets = planner.get("/api/analysis/presets").get_json()
    assert presets["service_distance"]["toilets"]["radius_m"] == 300
    assert "GB 55013-2021" in presets["service_distance"]["toilets"]["source"]["zh-CN"]
    assert presets["lamp_gaps"]["thresholds"]["branch"] > 0 and presets["lamp_gaps"]["source"]["en"]


@pytest.mark.parametrize(
    "kind, body, field",
    [
        ("coverage", {"facilities": "nope", "targets": "buildings", "radius_m": 70}, "facilities"),
        ("coverage", {"facilities": "roads", "targets": "buildings", "radius_m": 70}, "facilities"),
        ("coverage", {"facilities": "bins", "targets": "buildings", "radius_m": -1}, "radius_m"),
        ("coverage", {"facilities": "bins", "targets": "buildings", "radius_m": "70"}, "radius_m"),
        ("coverage", {"facilities": "bins", "targets": "buildings", "radius_m": 70, "metric": "manhattan"}, "metric"),
        ("gaps", {"max_gap_m": {"alley": -5}}, "max_gap_m"),
        ("proposals", {"facilities": "bins", "targets": "buildings", "radius_m": 50, "count": 0}, "count"),
        ("hotspots", {"cell": "triangle"}, "cell"),
        ("nonsense", {}, "kind"),
        ("gaps", {"at": "yesterday"}, "at"),
    ],
)
def test_bad_parameters_are_named(planner, kind, body, field):
    response = planner.post(f"/api/analysis/{kind}", json=body)
    assert response.status_code in (400, 422)
    assert field in {d["field"] for d in response.get_json()["error"]["details"]}


def test_only_planners_and_admins_run_analyses(demo_app):
    leader = token_client(demo_app, make_user(demo_app, "leader1", "leader"))
    assert leader.post("/api/analysis/gaps", json={}).status_code == 403
    assert demo_app.test_client().post("/api/analysis/gaps", json={}).status_code == 401


def test_a_saved_coverage_result_can_be_a_target_again(planner):
    saved = run(planner, "coverage", facilities="toilets", targets="buildings", radius_m=300, save=True)
    again = run(planner, "coverage", facilities="bins", targets=saved["saved_layer"], radius_m=70)
    assert again["summary"]["targets"] == saved["summary"]["targets"]


def test_unanalysable_input_is_a_422_not_a_500(planner, demo_app):
    definition = {"id": "empty_lines", "title": {"zh-CN": "空", "en": "Empty"}, "geometry_types": ["LineString"]}
    admin = token_client(demo_app, make_user(demo_app, "admin9", "admin"))
    assert admin.post("/api/layers", json=definition).status_code == 201
    response = planner.post(
        "/api/analysis/coverage",
        json={
            "facilities": "bins",
            "targets": "buildings",
            "radius_m": 70,
            "metric": "network",
            "network": "empty_lines",
        },
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "analysis_failed" and error["status"] == 422
    assert error["message_zh"] and [d["code"] for d in error["details"]] == ["analysis_failed"]


def test_the_street_graph_is_reused_until_the_roads_change(demo_app):
    from layers.analysis import run as analysis

    store = demo_app.extensions["store"]
    lines = analysis.layer_frame(store, "roads")
    key = analysis._network_key(store, "roads", None)
    first = analysis._network(lines, key)
    assert analysis._network(lines, analysis._network_key(store, "roads", None)) is first
    road = store.query("roads", limit=1).features[0]
    import json

    from layers.catalogue.features import parse_replacement

    feature = parse_replacement(
        store.layer("roads"),
        {"type": "Feature", "geometry": json.loads(road.geometry), "properties": json.loads(road.properties)},
    )
    store.update("roads", road.fid, feature, road.version, "test")
    assert analysis._network(lines, analysis._network_key(store, "roads", None)) is not first


def test_a_saved_result_can_be_deleted_and_data_layers_cannot(planner, demo_app):
    store = demo_app.extensions["store"]
    saved = run(planner, "gaps", save=True)["saved_layer"]
    count = planner.get(f"/api/layers/{saved}").get_json()["feature_count"]
    field_worker = token_client(demo_app, make_user(demo_app, "worker_del", "field_worker"))
    leader = token_client(demo_app, make_user(demo_app, "leader_del", "leader"))
    for client in (field_worker, leader):
        refused = client.delete(f"/api/layers/{saved}")
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert demo_app.test_client().delete(f"/api/layers/{saved}").status_code == 401
    for layer in ("bins", "blackspots"):  # built in: their data keeps its history
        refused = planner.delete(f"/api/layers/{layer}")
        assert refused.status_code == 409 and refused.get_json()["error"]["details"][0]["field"] == "layer"
    admin = token_client(demo_app, make_user(demo_app, "admin_del", "admin"))
    custom = {"id": "survey_points", "title": {"zh-CN": "调查点", "en": "Survey points"}, "geometry_types": ["Point"],
              "properties": {}}  # fmt: skip
    assert admin.post("/api/layers", json=custom).status_code == 201
    assert planner.delete("/api/layers/survey_points").get_json()["error"]["code"] == "not_deletable"

    assert planner.delete(f"/api/layers/{saved}").status_code == 204
    assert planner.get(f"/api/layers/{saved}").status_code == 404
    assert planner.get(f"/api/layers/{saved}/features").status_code == 404
    assert saved not in [layer["id"] for layer in planner.get("/api/layers").get_json()["layers"]]
    assert saved not in [c["id"] for c in planner.get("/ogc/collections?f=json").get_json()["collections"]]
    assert planner.delete(f"/api/layers/{saved}").status_code == 404  # once
    # The record stays: who deleted what, and the features with their history.
    entry = next(e for e in store.audit_log() if e["action"] == "layer.delete")
    assert entry["actor"] == "planner1" and entry["target"] == saved and entry["detail"]["features"] == count
    assert len(store.version_rows(saved, [])[1]) == count
    # The id stays taken, so a later save never reuses it.
    assert admin.post("/api/layers", json=custom | {"id": saved}).status_code == 409


@pytest.fixture(scope="module")
def gridless_planner(tmp_path_factory):
    """A store with the demo's roads, lamps, bins, buildings and cases but no grid cell (an install started
    with --no-demo that imported its own layers): every grid cell deleted."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("gridless") / "data")})
    store = app.extensions["store"]
    seed_demo(store, now_us=NOW_US)
    for feature in store.query("grid", limit=1000).features:
        store.delete("grid", feature.fid, None, "test")
    assert store.layer("grid")["feature_count"] == 0
    yield token_client(app, make_user(app, "planner1", "planner"))
    store.close()


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_analysis_runs_without_grid_cells(gridless_planner, kind):
    toilets = {"facilities": "toilets", "targets": "buildings", "radius_m": 300}
    answer = run(gridless_planner, kind, **(toilets if kind in ("coverage", "proposals") else {}))
    assert not answer["summary"].get("by_grid")  # no by_grid, or an empty one
    assert all(not f["properties"].get("grid_code") for f in answer["features"])
