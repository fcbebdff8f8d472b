"""Tests for geo.network: noding, snapping, distances along streets (checked by hand and against
networkx on the same noded graph), within(), reachable stretches, and the real Soho/Monaco streets."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from scipy import sparse
from shapely.geometry import LineString, Point, Polygon

from geo.network import RADIUS_TOLERANCE_M, StreetNetwork, metric_crs_for_frames

DATA = Path(__file__).resolve().parents[1] / "data"
UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0  # central Guangzhou in WGS 84 / UTM 49N


def lines(*coords_lists, crs=UTM49, wgs84=True, **columns) -> gpd.GeoDataFrame:
    """Lines given in metres from (X0, Y0), stored in WGS 84 like real data (or left in UTM 49N)."""
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in c]) for c in coords_lists]
    gdf = gpd.GeoDataFrame(columns, geometry=geoms, crs=crs)
    return gdf.to_crs("EPSG:4326") if wgs84 else gdf


def points(*xy, wgs84=True, **columns) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM49)
    return gdf.to_crs("EPSG:4326") if wgs84 else gdf


def approx(value):
    return pytest.approx(value, rel=1e-6, abs=1e-6)


@pytest.fixture(scope="module")
def street() -> StreetNetwork:
    """A straight 300 m street given as two lines meeting at x = 150."""
    return StreetNetwork.from_lines(lines([(0, 0), (150, 0)], [(150, 0), (300, 0)]))


# --- construction and noding -----------------------------------------------------------------------


def test_straight_street_is_two_edges_in_the_utm_zone(street):
    assert street.crs.to_epsg() == 32649
    assert len(street.edges_gdf) == 2 and street.n_nodes == 3 and street.n_components == 1
    assert street.edges_gdf["length_m"].to_numpy() == pytest.approx([150, 150], abs=1e-6)
    assert list(street.edges_gdf["line_id"]) == [0, 1]


def test_crossing_lines_are_noded():
    x = lines([(0, 0), (200, 0)], [(100, -100), (100, 100)])
    noded, unnoded = StreetNetwork.from_lines(x), StreetNetwork.from_lines(x, node_crossings=False)
    assert unnoded.n_components == 2 and len(unnoded.edges_gdf) == 2
    assert noded.n_components == 1 and len(noded.edges_gdf) == 4 and noded.n_nodes == 5
    assert noded.edges_gdf["length_m"].to_numpy() == pytest.approx([100] * 4, abs=1e-6)
    d = noded.nearest(points((100, 100)), points((0, 0)))
    assert d["distance_m"].iloc[0] == approx(200.0)


def test_t_junction_without_shared_vertex_and_an_undershoot():
    t = lines([(0, 0), (200, 0)], [(100, 0), (100, 100)], [(60, 0.3), (60, 50)])  # 0.3 m short
    net = StreetNetwork.from_lines(t, node_tolerance_m=0.5)
    assert net.n_components == 1 and len(net.edges_gdf) == 5
    strict = StreetNetwork.from_lines(t, node_tolerance_m=0.0)
    assert strict.n_components == 2  # exact touches only: the undershoot stays apart


def test_zero_length_lines_and_repeated_vertices_are_harmless():
    gdf = lines([(0, 0), (0, 0)], [(0, 0), (50, 0), (50, 0), (100, 0)], [(100, 0), (100, 0)])
    net = StreetNetwork.from_lines(gdf)
    assert len(net.edges_gdf) == 1 and (net.edges_gdf["length_m"] > 0).all()
    d = net.nearest(points((0, 0)), points((100, 0), (30, 0)))
    assert d["distance_m"].tolist() == [approx(100.0), approx(30.0)]


def test_parallel_edges_use_the_shorter_one():
    net = StreetNetwork.from_lines(lines([(0, 0), (100, 0)], [(0, 0), (50, 50), (100, 0)]))
    assert len(net.edges_gdf) == 2 and net.graph.nnz == 2
    d = net.nearest(points((0, 0)), points((100, 0)))
    assert d["distance_m"].iloc[0] == approx(100.0)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ("not a frame", TypeError),
        (gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]), ValueError),  # no CRS
        (gpd.GeoDataFrame(geometry=[Point(113.3, 23.1).buffer(0.01)], crs="EPSG:4326"), ValueError),
    ],
)
def test_from_lines_refuses_bad_input(bad, error):
    with pytest.raises(error):
        StreetNetwork.from_lines(bad)


@pytest.mark.parametrize(("tolerance", "error"), [(-1, ValueError), (True, TypeError), ("1", TypeError)])
def test_from_lines_refuses_bad_tolerance(tolerance, error):
    with pytest.raises(error, match="node_tolerance_m"):
        StreetNetwork.from_lines(lines([(0, 0), (1, 0)]), node_tolerance_m=tolerance)


def test_empty_lines_need_a_crs():
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    with pytest.raises(ValueError, match="no layer"):
        StreetNetwork.from_lines(empty)
    net = StreetNetwork.from_lines(empty, crs=UTM49)
    assert len(net.edges_gdf) == 0 and net.n_components == 0
    d = net.nearest(points((0, 0)), points((1, 0)))
    assert not d["reachable"].iloc[0] and np.isnan(d["distance_m"].iloc[0])


# --- snapping ---------------------------------------------------------------------------------------


def test_snap_gives_edge_offset_and_distance(street):
    snapped = street.snap(points((40, 5), (200, -3), (-10, 0)))
    assert snapped.crs == street.crs
    assert snapped["edge"].tolist() == [0, 1, 0]
    assert snapped["offset_m"].tolist() == [approx(40), approx(50), approx(0)]
    assert snapped["snap_m"].tolist() == [approx(5), approx(3), approx(10)]


def test_polygons_snap_by_representative_point_and_far_points_stay_unsnapped(street):
    square = Polygon([(X0 + 90, Y0 + 10), (X0 + 110, Y0 + 10), (X0 + 110, Y0 + 30), (X0 + 90, Y0 + 30)])
    homes = gpd.GeoDataFrame(geometry=[square, Point(X0 + 10, Y0 + 40), None], crs=UTM49)
    snapped = street.snap(homes, max_snap_m=25)
    assert snapped["edge"].tolist() == [0, -1, -1]
    assert snapped["snap_m"].iloc[1] == approx(40) and np.isnan(snapped["snap_m"].iloc[2])
    d = street.nearest(points((0, 0), wgs84=False), homes, max_snap_m=25)
    assert d["reachable"].tolist() == [True, False, False]
    assert d["distance_m"].iloc[0] == approx(100.0)


# --- distances along the street ---------------------------------------------------------------------


def test_straight_street_distances_by_hand(street):
    bins = points((50, 0), (200, 0), id=["a", "b"]).set_index("id")
    homes = points((0, 0), (100, 0), (120, 0), (300, 0), (150, 0), (125, 0))
    d = street.nearest(bins, homes)
    assert d["distance_m"].tolist() == [approx(v) for v in (50, 50, 70, 100, 50, 75)]
    assert d["source"].tolist() == [0, 0, 0, 1, 1, 0]  # a tie (125 m) goes to either; here "a"
    assert d["source_id"].tolist() == ["a", "a", "a", "b", "b", "a"]
    assert d["reachable"].all()


def test_source_and_target_on_the_same_edge_use_the_offset_difference():
    net = StreetNetwork.from_lines(lines([(0, 0), (1000, 0)]))
    d = net.nearest(points((500, 0)), points((510, 0), (480, 0)))
    assert d["distance_m"].tolist() == [approx(10), approx(20)]


def test_source_on_a_node_counts_zero_partial_length(street):
    d = street.nearest(points((150, 0)), points((150, 0), (0, 0)))
    assert d["distance_m"].tolist() == [approx(0), approx(150)]


def test_t_junction_walks_round_the_corner():
    net = StreetNetwork.from_lines(lines([(0, 0), (200, 0)], [(100, 0), (100, 100)]))
    d = net.nearest(points((100, 80)), points((180, 0)))
    assert d["distance_m"].iloc[0] == approx(160.0)  # 80 down the side street, 80 along the main one


def test_disconnected_piece_is_unreachable():
    net = StreetNetwork.from_lines(lines([(0, 0), (100, 0)], [(0, 500), (100, 500)]))
    assert net.n_components == 2
    d = net.nearest(points((0, 0)), points((50, 0), (50, 500)))
    assert d["reachable"].tolist() == [True, False]
    assert d["distance_m"].iloc[0] == approx(50) and np.isnan(d["distance_m"].iloc[1])
    assert d["source"].iloc[1] == -1 and d["source_id"].iloc[1] is None


def test_loop_road_goes_round_either_way():
    ring = lines([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)], [(0, 0), (-50, 0)])
    net = StreetNetwork.from_lines(ring)
    loop = net.edges_gdf[net.edges_gdf["u"] == net.edges_gdf["v"]]
    assert len(loop) == 1 and loop["length_m"].iloc[0] == approx(400)
    d = net.nearest(points((50, 0)), points((0, 50), (-50, 0)))  # offsets 50 and 350 on the loop
    assert d["distance_m"].tolist() == [approx(100), approx(100)]


def test_limit_stops_the_search_but_keeps_reachability(street):
    d = street.nearest(points((0, 0)), points((60, 0), (250, 0)), limit_m=100)
    assert d["distance_m"].iloc[0] == approx(60) and np.isnan(d["distance_m"].iloc[1])
    assert d["reachable"].tolist() == [True, True]


def test_snapped_frames_are_reused_not_snapped_again(street):
    bins, homes = points((50, 2), (200, 0)), points((0, 0), (120, 3))
    raw = street.nearest(bins, homes)
    pre = street.nearest(street.snap(bins), street.snap(homes))
    assert pre["distance_m"].tolist() == raw["distance_m"].tolist()
    assert (
        street.snap(bins).attrs["street_network"]
        != StreetNetwork.from_lines(lines([(0, 0), (1, 0)])).snap(bins).attrs["street_network"]
    )


def test_no_sources_reach_nothing(street):
    d = street.nearest(points(), points((0, 0)))
    assert not d["reachable"].iloc[0] and d["source"].iloc[0] == -1


def test_network_distance_matches_geodesic_length_of_a_long_street():
    """A 3 km street: its network length in the chosen UTM zone within 0.1 % of the geodesic."""
    gdf = lines([(0, 0), (3000, 0)])
    net = StreetNetwork.from_lines(gdf)
    geodesic = pyproj.Geod(ellps="WGS84").geometry_length(gdf.geometry.iloc[0])
    d = net.nearest(points((0, 0)), points((3000, 0)))["distance_m"].iloc[0]
    assert abs(d - geodesic) / geodesic < 1e-3


# --- within and reachable stretches -----------------------------------------------------------------


def test_within_matrix_by_hand(street):
    bins = points((50, 0), (200, 0))
    homes = points((0, 0), (120, 0), (300, 0), (5000, 5000))
    hits = street.within(bins, homes, 70.0)
    assert sparse.issparse(hits) and hits.shape == (2, 4) and hits.dtype == bool
    assert hits.toarray().tolist() == [[True, True, False, False], [False, False, False, False]]
    far = [[True, True, False, False], [False, True, True, True]]  # (5000, 5000) snaps to the end, x = 300
    assert street.within(bins, homes, 100.0).toarray().tolist() == far


def test_within_radius_is_inclusive_to_a_nanometre():
    """Exact coordinates in UTM 49N (no reprojection): the facility is 70 m away to the last bit."""
    net = StreetNetwork.from_lines(lines([(0, 0), (200, 0)], wgs84=False))
    bins, homes = points((0, 0), wgs84=False), points((70, 0), (100, 0), wgs84=False)
    assert net.within(bins, homes, 70.0).toarray().tolist() == [[True, False]]
    assert net.within(bins, homes, 70.0 - RADIUS_TOLERANCE_M / 2).toarray().tolist() == [[True, False]]
    assert net.within(bins, homes, 70.0 - 2 * RADIUS_TOLERANCE_M).toarray().tolist() == [[False, False]]
    assert net.nearest(bins, homes)["distance_m"].iloc[0] == 70.0


def test_within_agrees_with_nearest_on_a_grid():
    rng = np.random.default_rng(3)
    streets = [[(x, 0), (x, 400)] for x in range(0, 401, 100)] + [[(0, y), (400, y)] for y in range(0, 401, 100)]
    net = StreetNetwork.from_lines(lines(*streets))
    bins, homes = points(*rng.uniform(0, 400, (15, 2))), points(*rng.uniform(0, 400, (60, 2)))
    hits = net.within(bins, homes, 120.0).toarray()
    d = net.nearest(bins, homes)["distance_m"].to_numpy()
    assert (hits.any(axis=0) == (d <= 120.0)).all()


def test_reachable_stretches_by_hand(street):
    stretches = street.reachable_stretches(points((50, 0), (290, 0)), 30.0)
    assert stretches.crs.to_epsg() == 4326
    assert sorted(zip(stretches["edge"], stretches["start_m"].round(6), stretches["end_m"].round(6))) == [
        (0, 20.0, 80.0),
        (1, 110.0, 150.0),
    ]
    assert stretches.to_crs(UTM49).length.to_numpy() == pytest.approx([60, 40], abs=1e-6)


def test_reachable_stretches_spill_round_a_junction():
    net = StreetNetwork.from_lines(lines([(0, 0), (200, 0)], [(100, 0), (100, 100)]))
    stretches = net.reachable_stretches(points((90, 0)), 30.0)
    assert stretches["length_m"].sum() == approx(60 + 20)  # 30 each way along the main street, 20 up
    assert net.reachable_stretches(points(), 30.0).empty


# --- real data and an independent networkx check ----------------------------------------------------


def networkx_distances(net: StreetNetwork, sources: gpd.GeoDataFrame, targets: gpd.GeoDataFrame) -> np.ndarray:
    """Nearest-source distances by networkx on the same noded edges, snapped points added as nodes."""
    s, t = net.snap(sources), net.snap(targets)
    on_edge: dict[int, list] = {}
    for kind, frame in (("s", s), ("t", t)):
        for k, (e, a) in enumerate(zip(frame["edge"], frame["offset_m"])):
            if e >= 0:
                on_edge.setdefault(int(e), []).append((a, (kind, k)))
    graph = nx.Graph()
    for e, (u, v, length) in enumerate(net.edges_gdf[["u", "v", "length_m"]].itertuples(index=False)):
        if e in on_edge:  # the edge is cut at every snapped point on it
            chain = [(0.0, u), *sorted(on_edge[e]), (length, v)]
            for (a, p), (b, q) in zip(chain, chain[1:]):
                graph.add_edge(p, q, weight=min(b - a, graph.edges[p, q]["weight"] if graph.has_edge(p, q) else np.inf))
        elif u != v and (not graph.has_edge(u, v) or graph.edges[u, v]["weight"] > length):
            graph.add_edge(u, v, weight=length)
    found = nx.multi_source_dijkstra_path_length(graph, [("s", k) for k in range(len(s)) if s["edge"].iloc[k] >= 0])
    return np.array([found.get(("t", k), np.nan) for k in range(len(t))])


def assert_same_as_networkx(net, sources, targets):
    ours = net.nearest(sources, targets)["distance_m"].to_numpy()
    theirs = networkx_distances(net, sources, targets)
    assert (np.isnan(ours) == np.isnan(theirs)).all()
    assert np.nanmax(np.abs(ours - theirs)) < 1e-6
    return ours


def test_networkx_cross_check_on_a_random_grid():
    rng = np.random.default_rng(11)
    streets = [[(x, 0), (x + rng.normal(0, 5), 500)] for x in range(0, 501, 50)]
    streets += [[(0, y), (500, y + rng.normal(0, 5))] for y in range(0, 501, 50)]
    net = StreetNetwork.from_lines(lines(*streets))  # nothing is noded in the input
    assert net.n_components == 1
    assert_same_as_networkx(net, points(*rng.uniform(0, 500, (30, 2))), points(*rng.uniform(0, 500, (300, 2))))


@pytest.fixture(scope="module")
def soho():
    folder = DATA / "snow_soho_1854"
    return (
        gpd.read_file(folder / "Soho_Network.shp"),
        gpd.read_file(folder / "SohoWater.shp"),
        gpd.read_file(folder / "SohoPeople.shp"),
    )


def test_soho_streets_connect_only_after_noding(soho):
    streets, pumps, people = soho
    before = StreetNetwork.from_lines(streets, node_crossings=False)
    after = StreetNetwork.from_lines(streets)
    assert (len(streets), before.n_components, after.n_components) == (118, 78, 1)
    assert after.crs.to_epsg() == 32630  # UTM 30N, not the input's Web Mercator (1.6x too long here)
    assert (len(before.edges_gdf), len(after.edges_gdf)) == (118, 272)
    d = assert_same_as_networkx(after, pumps, people)
    assert np.isfinite(d).all()


@pytest.fixture(scope="module")
def monaco():
    path = DATA / "monaco" / "monaco-20211203.osm.pbf"
    walkable = {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "track",
        "corridor",
        "cycleway",
    }
    streets = gpd.read_file(path, layer="lines")
    streets = streets[streets["highway"].isin(walkable)].set_index("osm_id")
    pts = gpd.read_file(path, layer="points")
    tags = pts["other_tags"].fillna("")
    baskets = pts[tags.str.contains('"amenity"=>"waste_basket"', regex=False)]
    toilets = pts[tags.str.contains('"amenity"=>"toilets"', regex=False)]
    polygons = gpd.read_file(path, layer="multipolygons")
    buildings = polygons[polygons["building"].notna()]
    return StreetNetwork.from_lines(streets), baskets, toilets, buildings


def test_monaco_cross_check_with_networkx(monaco):
    net, baskets, toilets, buildings = monaco
    assert net.crs.to_epsg() == 32632 and net.n_components > 1  # clipped pieces at the extract's edge
    assert len(baskets) == 41 and len(toilets) == 29
    d = assert_same_as_networkx(net, baskets, buildings)
    assert np.isnan(d).sum() == (~net.nearest(baskets, buildings)["reachable"]).sum()
    assert_same_as_networkx(net, toilets, buildings.iloc[::5])


def test_metric_crs_for_frames_unions_layers_in_any_crs(soho, monaco):
    streets, _, _ = soho
    assert metric_crs_for_frames(streets).to_epsg() == 32630
    assert metric_crs_for_frames(monaco[1]).to_epsg() == 32632
    with pytest.raises(ValueError, match="no CRS"):
        metric_crs_for_frames(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_snapping_is_exact_against_brute_force_near_and_far():
    rng = np.random.default_rng(5)
    streets = [[tuple(p) for p in rng.uniform(0, 1000, (3, 2))] for _ in range(80)]
    net = StreetNetwork.from_lines(lines(*streets))
    near, far = rng.uniform(-100, 1100, (300, 2)), rng.uniform(20_000, 30_000, (20, 2))  # far: GEOS fallback
    homes = points(*np.r_[near, far])
    snapped = net.snap(homes)
    brute = shapely_distances(homes.to_crs(net.crs).geometry.to_numpy(), net.edges_gdf.geometry.to_numpy())
    assert snapped["snap_m"].to_numpy() == pytest.approx(brute.min(axis=1), rel=1e-9, abs=1e-9)
    chosen = brute[np.arange(len(brute)), snapped["edge"].to_numpy()]
    assert chosen == pytest.approx(brute.min(axis=1), rel=1e-9, abs=1e-9)
    back = net.edges_gdf.geometry.to_numpy()[snapped["edge"].to_numpy()]
    assert shapely_distances(snapped.geometry.to_numpy(), back).diagonal() == pytest.approx(0, abs=1e-6)


def shapely_distances(a, b):
    return shapely.distance(a[:, None], b[None, :])
