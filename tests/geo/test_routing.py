"""Tests for geo.routing: the order against brute force and nearest neighbour, hand-checkable paths, and
rounds along a street grid with a river (one bridge), off-road stops and a disconnected street."""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from geo.network import StreetNetwork
from geo.routing import RoundPlan, UnreachableLegWarning, order_stops, path_length_m, plan_round

UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0  # central Guangzhou (about lon 113.33, lat 23.1) in WGS 84 / UTM 49N


def euclidean(xy: np.ndarray) -> np.ndarray:
    return np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))


def brute_force_m(d: np.ndarray, start: int | None) -> float:
    """The shortest open path, trying every order."""
    rest = [k for k in range(len(d)) if k != start]
    perms = np.array(list(itertools.permutations(rest)), dtype=np.int64).reshape(-1, len(rest))
    if start is not None:
        perms = np.column_stack([np.full(len(perms), start), perms])
    return float(d[perms[:, :-1], perms[:, 1:]].sum(axis=1).min())


def nearest_neighbour_m(d: np.ndarray, start: int | None) -> float:
    """Plain nearest neighbour, from ``start`` or the best over every start."""
    best = np.inf
    for first in range(len(d)) if start is None else [start]:
        order = [first]
        while len(order) < len(d):
            left = [k for k in range(len(d)) if k not in order]
            order.append(min(left, key=lambda k: (d[order[-1], k], k)))
        best = min(best, path_length_m(d, order))
    return best


def is_permutation(order: list[int], n: int) -> bool:
    return sorted(order) == list(range(n)) and all(isinstance(k, int) for k in order)


# --- order_stops ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixed_start", [False, True])
def test_near_optimal_on_random_small_instances(fixed_start):
    rng = np.random.default_rng(20240601 + fixed_start)
    ratios = []
    for _ in range(150):
        n = int(rng.integers(2, 9))
        d = euclidean(rng.uniform(0, 1000, (n, 2)))
        start = int(rng.integers(n)) if fixed_start else None
        order = order_stops(d, start)
        assert is_permutation(order, n)
        if start is not None:
            assert order[0] == start
        length = path_length_m(d, order)
        assert length <= nearest_neighbour_m(d, start) + 1e-9
        ratios.append(length / brute_force_m(d, start))
    assert min(ratios) >= 1 - 1e-12
    assert np.mean(ratios) <= 1.05
    assert np.mean(np.isclose(ratios, 1.0)) > 0.8  # mostly the optimum itself


def test_asymmetric_matrix_lengths_are_exact():
    rng = np.random.default_rng(7)
    ratios = []
    for _ in range(60):
        n = int(rng.integers(3, 8))
        d = rng.uniform(1, 100, (n, n))
        np.fill_diagonal(d, 0)
        order = order_stops(d)
        assert is_permutation(order, n)
        assert path_length_m(d, order) <= nearest_neighbour_m(d, None) + 1e-9
        ratios.append(path_length_m(d, order) / brute_force_m(d, None))
    assert np.mean(ratios) <= 1.05


def test_points_on_a_line_are_visited_in_order():
    xs = np.array([30.0, 0.0, 100.0, 20.0, 10.0])
    d = np.abs(xs[:, None] - xs[None, :])
    assert xs[order_stops(d)].tolist() in ([0, 10, 20, 30, 100], [100, 30, 20, 10, 0])
    # from 30: down to 0 first, then out to 100 (130 m, the only optimum); 100 first would cost 170 m
    assert xs[order_stops(d, start=0)].tolist() == [30, 20, 10, 0, 100]
    assert path_length_m(d, order_stops(d, start=0)) == brute_force_m(d, 0) == 130.0


def test_square_is_walked_along_three_sides():
    xy = np.array([[0.0, 0.0], [100.0, 100.0], [100.0, 0.0], [0.0, 100.0]])
    d = euclidean(xy)
    for start in (None, 0, 1, 2, 3):
        order = order_stops(d, start)
        assert path_length_m(d, order) == pytest.approx(300.0)
        assert all(d[a, b] == pytest.approx(100.0) for a, b in zip(order[:-1], order[1:]))
    assert order_stops(d) == order_stops(d.copy())  # deterministic


def test_tiny_matrices():
    assert order_stops(np.zeros((0, 0))) == []
    assert order_stops(np.zeros((1, 1))) == [0] and order_stops(np.zeros((1, 1)), start=0) == [0]
    d = np.array([[0.0, 5.0], [3.0, 0.0]])
    assert order_stops(d) == [1, 0]  # 3 m one way, 5 m the other
    assert order_stops(d, start=0) == [0, 1]
    assert order_stops(np.array([[0, 4], [4, 0]])) == [0, 1]  # integer matrix; a tie goes to index 0
    assert path_length_m(d, []) == path_length_m(d, [1]) == 0.0


def test_unreachable_pairs_are_avoided_and_reported():
    inf = np.inf
    # two islands {0, 2} and {1, 3}: one unreachable leg cannot be avoided
    d = np.array([[0, inf, 1, inf], [inf, 0, inf, 2], [1, inf, 0, inf], [inf, 2, inf, 0]], dtype=float)
    with pytest.warns(UnreachableLegWarning, match="1 leg"):
        order = order_stops(d)
    steps = [d[a, b] for a, b in zip(order[:-1], order[1:])]
    assert sorted(steps) == [1, 2, inf]
    assert path_length_m(d, order) == inf
    reachable = np.where(np.isinf(d), 1e6, d)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert order_stops(reachable) == order


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((np.zeros((2, 3)),), ValueError),
        ((np.zeros(3),), ValueError),
        ((np.array([[0, -1], [1, 0]]),), ValueError),
        ((np.array([[0, np.nan], [1, 0]]),), ValueError),
        ((np.array([["a"]]),), TypeError),
        ((np.zeros((3, 3)), 3), ValueError),
        ((np.zeros((3, 3)), -1), ValueError),
        ((np.zeros((3, 3)), 1.0), TypeError),
        ((np.zeros((3, 3)), True), TypeError),
        ((np.zeros((0, 0)), 0), ValueError),
    ],
)
def test_order_stops_refuses_bad_input(args, error):
    with pytest.raises(error):
        order_stops(*args)


# --- plan_round on streets --------------------------------------------------------------------------


def lines(*coords_lists) -> gpd.GeoDataFrame:
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in c]) for c in coords_lists]
    return gpd.GeoDataFrame({"name": [f"r{k}" for k in range(len(geoms))]}, geometry=geoms, crs=UTM49).to_crs(4326)


def stops(*xy, ids=None) -> gpd.GeoDataFrame:
    ids = ids or [f"s{k}" for k in range(len(xy))]
    gdf = gpd.GeoDataFrame({"id": ids}, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM49)
    return gdf.to_crs(4326)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y)], crs=UTM49).to_crs(4326).iloc[0].coords[0]


def metric_length_m(geom) -> float:
    return float(gpd.GeoSeries([geom], crs=4326).to_crs(UTM49).length.iloc[0])


@pytest.fixture(scope="module")
def river_town() -> gpd.GeoDataFrame:
    """Two street grids, 1000 x 400 m each, south (y 0..400) and north (y 600..1000) of a river, joined
    by one bridge at x = 0."""
    south = [[(0, y), (1000, y)] for y in (0, 200, 400)] + [[(x, 0), (x, 400)] for x in (0, 500, 1000)]
    north = [[(0, y), (1000, y)] for y in (600, 800, 1000)] + [[(x, 600), (x, 1000)] for x in (0, 500, 1000)]
    return lines(*south, *north, [(0, 400), (0, 600)])


def crossings(plan: RoundPlan, north: set) -> int:
    return sum((a in north) != (b in north) for a, b in zip(plan.order[:-1], plan.order[1:]))


def test_the_river_changes_the_order(river_town):
    pts = stops((1000, 400), (1000, 600), (500, 400), (500, 600), ids=["S1", "N1", "S2", "N2"])
    straight = plan_round(pts)
    assert straight.method == "straight" and straight.length_m == pytest.approx(900.0)
    assert crossings(straight, {"N1", "N2"}) == 2  # straight over the water, twice
    walked = plan_round(pts, river_town)
    assert walked.order in (["S1", "S2", "N2", "N1"], ["N1", "N2", "S2", "S1"])  # over the bridge once
    assert walked.length_m == pytest.approx(500 + 1200 + 500, abs=1e-6)
    assert walked.straight_length_m == pytest.approx(1200.0)
    assert walked.method == "network" and {leg["method"] for leg in walked.legs} == {"network"}
    assert metric_length_m(walked.route) == pytest.approx(walked.length_m, abs=0.5)
    bridge = Point(X0, Y0 + 500)
    route_m = gpd.GeoSeries([walked.route], crs=4326).to_crs(UTM49).iloc[0]
    assert route_m.distance(bridge) < 0.01
    streets_m = river_town.to_crs(UTM49).union_all()
    assert route_m.difference(streets_m.buffer(0.01)).length < 0.01  # it never leaves the streets


def test_route_follows_partial_edges_and_access_legs(river_town):
    rng = np.random.default_rng(11)
    south, north = rng.uniform(-40, 440, 25), rng.uniform(560, 1040, 25)
    xy = np.column_stack([rng.uniform(-50, 1050, 25), np.where(rng.random(25) < 0.5, south, north)])
    pts = stops(*map(tuple, xy))
    net = StreetNetwork.from_lines(river_town)
    for start in (None, lonlat(430, 180)):
        plan = plan_round(pts, net, start=start)
        assert sorted(plan.order) == sorted(pts["id"]) and len(plan.legs) == len(pts) - (start is None)
        assert metric_length_m(plan.route) == pytest.approx(plan.length_m, abs=0.5)
        assert plan.length_m == pytest.approx(sum(leg["length_m"] for leg in plan.legs))
        assert plan.length_m >= plan.straight_length_m - 1e-6
        by_id = pts.set_index("id").geometry
        for leg in plan.legs:  # each leg against the network's own distance plus both access legs
            a = gpd.GeoDataFrame(geometry=[Point(start) if leg["from"] is None else by_id[leg["from"]]], crs=4326)
            b = gpd.GeoDataFrame(geometry=[by_id[leg["to"]]], crs=4326)
            access = net.snap(a)["snap_m"].iloc[0] + net.snap(b)["snap_m"].iloc[0]
            along = net.nearest(a, b)["distance_m"].iloc[0]
            assert leg["method"] == "network" and leg["length_m"] == pytest.approx(along + access, abs=1e-6)
    assert plan.legs[0]["from"] is None


def test_same_edge_and_stops_on_nodes(river_town):
    pts = stops((100, 405), (300, 395), (500, 400), (500, 200), (0, 0))  # two on one edge, three on nodes
    plan = plan_round(pts, river_town, start=lonlat(200, 410))
    assert plan.order == ["s0", "s1", "s2", "s3", "s4"]
    assert plan.length_m == pytest.approx((10 + 100 + 5) + (5 + 200 + 5) + (5 + 200) + 200 + 700, abs=1e-6)
    assert metric_length_m(plan.route) == pytest.approx(plan.length_m, abs=0.5)


def test_a_stop_far_from_every_road_is_reached_in_a_straight_line(river_town):
    pts = stops((200, 400), (600, 400), (1500, 300), ids=["a", "b", "far"])  # "far": 500 m east of the grid
    plan = plan_round(pts, river_town)
    assert plan.order == ["a", "b", "far"]
    assert [leg["method"] for leg in plan.legs] == ["network", "straight"]
    assert plan.legs[1]["reason"] == "off_network"
    assert plan.legs[1]["length_m"] == pytest.approx(np.hypot(900, 100), abs=1e-6)
    assert plan.method == "network"
    assert metric_length_m(plan.route) == pytest.approx(plan.length_m, abs=0.5)
    assert plan_round(pts, river_town, max_snap_m=600).legs[1]["method"] == "network"


def test_a_stop_on_a_disconnected_street(river_town):
    island = lines([(3000, 0), (3000, 400)])
    roads = gpd.GeoDataFrame(
        {"name": list(river_town["name"]) + ["island"]},
        geometry=list(river_town.geometry) + list(island.geometry),
        crs=4326,
    )
    pts = stops((3000, 100), (3000, 300), (1000, 100), (500, 0), ids=["i1", "i2", "m1", "m2"])
    plan = plan_round(pts, roads)
    assert plan.order in (["i2", "i1", "m1", "m2"], ["m2", "m1", "i1", "i2"])  # the jump is 2000 m, not 2010
    reasons = sorted((leg["reason"] or "") for leg in plan.legs)
    assert reasons == ["", "", "disconnected"]
    jump = next(leg for leg in plan.legs if leg["reason"])
    assert {jump["from"], jump["to"]} == {"i1", "m1"}
    assert jump["method"] == "straight" and jump["length_m"] == pytest.approx(2000.0, abs=1e-6)
    assert metric_length_m(plan.route) == pytest.approx(plan.length_m, abs=0.5)


def test_without_roads_legs_are_straight():
    pts = stops((0, 0), (300, 400), (0, 400))
    for roads in (None, gpd.GeoDataFrame(geometry=[], crs=4326)):
        plan = plan_round(pts, roads, start=lonlat(0, -100))
        assert plan.order == ["s0", "s2", "s1"]
        assert [leg["from"] for leg in plan.legs] == [None, "s0", "s2"]
        assert {leg["reason"] for leg in plan.legs} == {"no_roads"}
        assert plan.method == "straight"
        assert plan.length_m == pytest.approx(plan.straight_length_m) and plan.length_m == pytest.approx(800.0)
        assert metric_length_m(plan.route) == pytest.approx(800.0, abs=0.5)


def test_no_one_and_two_stops(river_town):
    empty = plan_round(stops(), river_town, start=lonlat(0, 0))
    assert (empty.order, empty.legs, empty.length_m, empty.method, empty.route.is_empty) == (
        [],
        [],
        0.0,
        "straight",
        True,
    )
    one = plan_round(stops((100, 0)), river_town)
    assert one.order == ["s0"] and one.legs == [] and one.length_m == 0.0 and one.route.is_empty
    walked = plan_round(stops((100, 0)), river_town, start=lonlat(100, 200))  # round the block via x = 0
    assert walked.legs == [
        {"from": None, "to": "s0", "length_m": pytest.approx(400.0), "method": "network", "reason": None}
    ]
    two = plan_round(stops((100, 0), (100, 0)), river_town)
    assert two.order == ["s0", "s1"] and two.length_m == pytest.approx(0.0, abs=1e-6)  # at the same place
    assert two.route.is_empty


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda r: plan_round(stops((0, 0)).drop(columns="id"), r), ValueError),
        (lambda r: plan_round(stops((0, 0), (1, 1), ids=["a", "a"]), r), ValueError),
        (lambda r: plan_round(r.rename(columns={"name": "id"}), None), ValueError),  # lines, not points
        (lambda r: plan_round(stops((0, 0)).set_crs(None, allow_override=True)), ValueError),
        (lambda r: plan_round(stops((0, 0)), "roads"), TypeError),
        (lambda r: plan_round(stops((0, 0)), r, start=(113.3,)), TypeError),
        (lambda r: plan_round(stops((0, 0)), r, start=(113.3, 95.0)), ValueError),
        (lambda r: plan_round(stops((0, 0)), r, max_snap_m=-1), ValueError),
        (lambda r: plan_round([(0, 0)], r), TypeError),
    ],
)
def test_plan_round_refuses_bad_input(river_town, call, error):
    with pytest.raises(error):
        call(river_town)


def test_a_round_through_the_demo_community():
    """Real-looking streets (jittered village alleys, T-junctions): every leg agrees with StreetNetwork."""
    from layers.demo.frame import Frame
    from layers.demo.world import build_world

    world, frame = build_world(20260301, 1_767_225_600_000_000), Frame()
    roads = gpd.GeoDataFrame(
        {"name": [r.name for r in world.roads]},
        geometry=[LineString(frame.lonlat(r.coords)) for r in world.roads],
        crs=4326,
    )
    rng = np.random.default_rng(5)
    pts = gpd.GeoDataFrame(
        {"id": [f"case-{k}" for k in range(40)]},
        geometry=[Point(p) for p in frame.lonlat(rng.uniform([0, 0], [1200, 1000], (40, 2)))],
        crs=4326,
    )
    net = StreetNetwork.from_lines(roads)
    plan = plan_round(pts, net, start=tuple(frame.lonlat([(560, 500)])[0]))
    assert plan.method == "network" and all(leg["method"] == "network" for leg in plan.legs)
    assert metric_length_m(plan.route) == pytest.approx(plan.length_m, abs=0.5)
    snap_m = net.snap(pts).set_index(pts["id"])["snap_m"]
    by_id = pts.set_index("id").geometry
    for leg in plan.legs[1:]:
        a, b = (gpd.GeoDataFrame(geometry=[by_id[leg[k]]], crs=4326) for k in ("from", "to"))
        along = net.nearest(a, b)["distance_m"].iloc[0]
        assert leg["length_m"] == pytest.approx(along + snap_m[leg["from"]] + snap_m[leg["to"]], abs=1e-6)
    assert plan_round(pts, roads, start=tuple(frame.lonlat([(560, 500)])[0])).order == plan.order
