"""Tests for geo.hotspots: grids that tile, Getis-Ord Gi* against the formula worked by hand, and recurring
places, down to the demo community's stored case history."""

from __future__ import annotations

import itertools
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.hotspots import case_closures, hex_grid, hotspots, recurrence, square_grid
from layers.catalogue import load_catalogue
from layers.demo import seed_demo
from layers.demo.frame import iso_cst
from layers.demo.world import build_world
from layers.store.sqlite.store import SQLiteStore

X0, Y0 = 740_000.0, 2_560_000.0  # UTM 49N (Guangzhou); tests draw in metres east and north of it
METRIC = "EPSG:32649"
NOW_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
DEMO_SEED = 20260301  # seed_demo's default


def gdf(xy, **columns) -> gpd.GeoDataFrame:
    geometry = [Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=METRIC).to_crs("EPSG:4326")


# -- grids ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "size_m", "cell_area"), [
    (hex_grid, 80.0, math.sqrt(3) / 2 * 80.0**2),
    (square_grid, 80.0, 80.0**2),
])
def test_cells_tile_the_extent_without_gaps_or_overlaps(make, size_m, cell_area) -> None:
    rng = np.random.default_rng(5)
    data = gdf(rng.uniform(0, [700, 450], (60, 2)))
    cells = make(data, size_m)
    assert cells.crs.to_epsg() == 4326 and cells.attrs["metric_crs"] == METRIC
    assert cells["cell_id"].tolist() == list(range(len(cells)))
    polygons = cells.to_crs(METRIC).geometry.values
    np.testing.assert_allclose(shapely.area(polygons), cell_area, rtol=1e-6)
    union = shapely.union_all(polygons)
    assert union.area == pytest.approx(len(polygons) * cell_area, rel=1e-6)  # no overlaps
    pairs = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    pairs = pairs[:, pairs[0] < pairs[1]]
    assert len(pairs) and shapely.area(shapely.intersection(polygons[pairs[0]], polygons[pairs[1]])).max() < 1e-6
    extent = box(*data.to_crs(METRIC).total_bounds)
    assert extent.difference(union).area < 1e-6  # no gaps over the data
    # every cell reaches into the extent: nothing around it that merely touches
    assert (shapely.area(shapely.intersection(polygons, extent)) > 1e-6).all()


def test_hexagons_are_pointy_top_with_six_neighbours_at_size_m() -> None:
    cells = hex_grid(gdf([(0, 0), (1000, 1000)]), 100.0).to_crs(METRIC)
    centres = shapely.get_coordinates(cells.geometry.centroid.values)
    middle = np.argmin(np.hypot(*(centres - centres.mean(axis=0)).T))
    distance = np.hypot(*(centres - centres[middle]).T)
    assert np.isclose(distance, 100.0).sum() == 6
    ys = shapely.get_coordinates(cells.geometry.values[middle])[:, 1]
    assert ys.max() - ys.min() == pytest.approx(200.0 / math.sqrt(3))  # a vertex north and south


def test_grids_from_lonlat_bounds_and_bad_input() -> None:
    assert len(square_grid((113.30, 23.10, 113.31, 23.11), 500.0)) == 9
    with pytest.raises(TypeError, match="bounds"):
        hex_grid("everywhere", 100.0)
    with pytest.raises(ValueError, match="size_m"):
        hex_grid((113.30, 23.10, 113.31, 23.11), 0)
    with pytest.raises(ValueError, match="too small"):
        hex_grid((100.0, 20.0, 120.0, 40.0), 1.0)


# -- Gi* ------------------------------------------------------------------------------------------------------
COUNTS = np.array([  # row 0 is the north edge, as the grid numbers rows
    [1, 0, 0, 0, 1],
    [0, 2, 0, 0, 0],
    [0, 0, 9, 3, 0],
    [0, 0, 0, 0, 0],
    [1, 0, 0, 0, 1],
])


def points_for(counts: np.ndarray, size_m: float = 100.0) -> gpd.GeoDataFrame:
    """``counts[row, col]`` points at the centre of each cell of a grid whose north-west cell is (0, 0)."""
    xy = [(size_m * (col + 0.5), size_m * (len(counts) - row - 0.5))
          for row, col in itertools.product(range(len(counts)), repeat=2) for _ in range(counts[row, col])]
    return gdf(xy)


def gi_star_by_hand(x: np.ndarray, neighbour) -> np.ndarray:
    """Gi*_i = (sum_j w_ij x_j - X sum_j w_ij) / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1))),
    X the mean, S = sqrt(sum_j x_j^2 / n - X^2), w_ij = 1 for neighbours and for i itself, else 0."""
    cells = list(itertools.product(range(x.shape[0]), range(x.shape[1])))
    n = len(cells)
    mean = sum(x[c] for c in cells) / n
    s = math.sqrt(sum(x[c] ** 2 for c in cells) / n - mean**2)
    z = np.zeros(x.shape)
    for i in cells:
        w = {j: 1.0 if (j == i or neighbour(i, j)) else 0.0 for j in cells}
        sw, sw2 = sum(w.values()), sum(v * v for v in w.values())
        z[i] = (sum(w[j] * x[j] for j in cells) - mean * sw) / (s * math.sqrt((n * sw2 - sw**2) / (n - 1)))
    return z


def as_grid(cells: gpd.GeoDataFrame, column: str) -> np.ndarray:
    out = np.full((cells["row"].max() + 1, cells["col"].max() + 1), np.nan)
    out[cells["row"], cells["col"]] = cells[column]
    return out


def test_gi_star_on_a_5x5_grid_equals_the_formula() -> None:
    cells = hotspots(points_for(COUNTS), cell="square", size_m=100.0)  # default band 150 m: queen neighbours
    assert len(cells) == 25 and (as_grid(cells, "count") == COUNTS).all()
    queen = lambda i, j: max(abs(i[0] - j[0]), abs(i[1] - j[1])) == 1  # noqa: E731
    np.testing.assert_allclose(as_grid(cells, "gi_z"), gi_star_by_hand(COUNTS.astype(float), queen), atol=1e-12)
    # Two cells worked through by hand: n = 25, sum x = 18, X = 0.72, sum x^2 = 98, S^2 = 98/25 - 0.72^2 = 3.4016.
    # The centre (2, 2) sees itself and 8 neighbours holding 2 + 9 + 3 = 14:
    # (14 - 0.72 * 9) / (S sqrt((25 * 9 - 81) / 24)) = 7.52 / (S sqrt(6)).
    z = as_grid(cells, "gi_z")
    assert z[2, 2] == pytest.approx(7.52 / (math.sqrt(3.4016) * math.sqrt(6)))
    # The north-west corner sees 4 cells holding 1 + 2 = 3: (3 - 2.88) / (S sqrt((100 - 16) / 24)).
    assert z[0, 0] == pytest.approx(0.12 / (math.sqrt(3.4016) * math.sqrt(3.5)))
    p = as_grid(cells, "gi_p")
    np.testing.assert_allclose(p[2, 2], math.erfc(abs(z[2, 2]) / math.sqrt(2)))


def test_gi_star_with_a_rook_band_and_weights() -> None:
    rook = lambda i, j: abs(i[0] - j[0]) + abs(i[1] - j[1]) == 1  # noqa: E731
    points = points_for(np.ones((5, 5), dtype=int))
    points["households"] = [float(c) for c in COUNTS.ravel()]  # one point per cell, carrying COUNTS as weight
    cells = hotspots(points, cell="square", size_m=100.0, distance_band_m=100.0, weight_column="households")
    assert (as_grid(cells, "count") == 1).all() and (as_grid(cells, "value") == COUNTS).all()
    np.testing.assert_allclose(as_grid(cells, "gi_z"), gi_star_by_hand(COUNTS.astype(float), rook), atol=1e-12)


def test_a_cluster_is_hot_and_far_empty_cells_are_not() -> None:
    rng = np.random.default_rng(11)
    background = rng.uniform(0, 2000, (150, 2))
    cluster = rng.normal([1500, 500], 25, (120, 2))
    cells = hotspots(gdf(np.vstack([background, cluster])), size_m=100.0).to_crs(METRIC)
    centres = shapely.get_coordinates(cells.geometry.centroid.values) - [X0, Y0]
    at_cluster = np.argmin(np.hypot(*(centres - [1500, 500]).T))
    assert cells["class"].iloc[at_cluster] == "hot_99" and cells["gi_p"].iloc[at_cluster] < 0.01
    far_empty = (np.hypot(*(centres - [1500, 500]).T) > 600) & (cells["count"] == 0).to_numpy()
    assert far_empty.sum() > 50
    assert (cells["class"][far_empty] == "not_significant").all()
    assert set(cells["class"]) <= {"hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"}


def test_hotspots_edge_cases() -> None:
    same = hotspots(gdf([(0, 0)] * 5), size_m=50.0)  # one cell: no variance, nothing significant
    assert len(same) == 1 and same["gi_z"].tolist() == [0.0] and same["class"].tolist() == ["not_significant"]
    empty = hotspots(gdf([]).set_crs("EPSG:4326", allow_override=True))
    assert empty.empty and "gi_z" in empty.columns
    with pytest.raises(ValueError, match="cell"):
        hotspots(gdf([(0, 0)]), cell="triangle")
    with pytest.raises(ValueError, match="weight_column"):
        hotspots(gdf([(0, 0)]), weight_column="nope")


# -- recurrence -------------------------------------------------------------------------------------------------
def cases(rows) -> gpd.GeoDataFrame:
    """rows: (x_m, y_m, category, reported_at, fixed_at, status)."""
    xs, ys, category, reported, fixed, status = zip(*rows)
    return gdf(list(zip(xs, ys)), category=list(category), reported_at=list(reported), fixed_at=list(fixed),
               status=list(status))


JAN2 = "2026-01-02T09:00:00+08:00"
JAN3 = "2026-01-03T10:00:00+08:00"
FEB1 = "2026-02-01T09:00:00+08:00"


def test_a_report_after_the_fix_is_a_recurrence() -> None:
    found = recurrence(cases([(0, 0, "0102", JAN2, JAN3, "closed"), (3, 4, "0102", FEB1, None, "reported")]))
    assert len(found) == 1
    place = found.iloc[0]
    assert (place["category"], place["cases"], place["recurrence_count"], place["case_ids"]) == ("0102", 2, 1, [0, 1])
    assert (place["first_reported"], place["last_reported"]) == ("2026-01-02T01:00:00.000+00:00",
                                                                 "2026-02-01T01:00:00.000+00:00")
    centre = found.to_crs(METRIC).geometry.iloc[0]
    assert (centre.x - X0, centre.y - Y0) == pytest.approx((1.5, 2.0), abs=1e-4)


def test_another_category_at_the_same_spot_is_another_place() -> None:
    rows = [(0, 0, "0102", JAN2, JAN3, "closed"), (3, 4, "0104", FEB1, None, "reported")]
    assert recurrence(cases(rows)).empty
    places = recurrence(cases(rows), min_recurrences=0)
    assert sorted(places["category"]) == ["0102", "0104"] and places["cases"].tolist() == [1, 1]


def test_a_second_report_before_the_fix_is_not_a_recurrence() -> None:
    rows = [(0, 0, "0102", JAN2, "2026-02-05T10:00:00+08:00", "closed"), (3, 4, "0102", FEB1, None, "reported")]
    places = recurrence(cases(rows), min_recurrences=0)
    assert places["cases"].tolist() == [2] and places["recurrence_count"].tolist() == [0]


def test_rejected_and_duplicate_cases_are_ignored() -> None:
    rows = [(0, 0, "0102", JAN2, JAN3, "closed"), (3, 4, "0102", FEB1, None, "rejected"),
            (2, 1, "0102", FEB1, None, "duplicate")]
    assert recurrence(cases(rows)).empty
    assert recurrence(cases(rows), min_recurrences=0)["case_ids"].tolist() == [[0]]


def test_places_chain_by_single_linkage_and_gaps_can_be_required() -> None:
    rows = [(0, 0, "0404", JAN2, JAN3, "closed"), (15, 0, "0404", "2026-01-04T09:00:00+08:00", None, "filed"),
            (30, 0, "0404", FEB1, None, "filed"), (60, 0, "0404", FEB1, None, "filed")]
    found = recurrence(cases(rows), radius_m=20.0)
    assert found["case_ids"].tolist() == [[0, 1, 2]] and found["recurrence_count"].tolist() == [2]
    assert recurrence(cases(rows), radius_m=20.0, min_gap_days=7)["recurrence_count"].tolist() == [1]


def test_times_as_aware_datetimes_give_the_same_answer() -> None:
    strings = cases([(0, 0, "0102", JAN2, JAN3, "closed"), (3, 4, "0102", FEB1, None, "reported")])
    stamps = strings.assign(reported_at=pd.to_datetime(strings["reported_at"]).dt.tz_convert("Asia/Shanghai"),
                            fixed_at=pd.to_datetime(strings["fixed_at"], utc=True))
    assert recurrence(stamps).drop(columns="geometry").equals(recurrence(strings).drop(columns="geometry"))
    with pytest.raises(ValueError, match="time zone"):
        recurrence(stamps.assign(reported_at=stamps["reported_at"].dt.tz_localize(None)))
    with pytest.raises(ValueError, match="offset"):
        recurrence(strings.assign(reported_at="2026-01-02T09:00:00"))
    with pytest.raises(ValueError, match="fixed"):
        recurrence(strings.drop(columns="fixed_at"))


def test_case_closures_reads_a_case_history() -> None:
    point = {"type": "Point", "coordinates": [113.33, 23.13]}
    moved = {"type": "Point", "coordinates": [113.3301, 23.13]}
    props = {"category": "0102", "reported_at": JAN2}
    history = [  # in no particular order; case 2 is rejected, case 3 deleted
        (1, JAN3, dict(props, status="fixed"), point),
        (1, JAN2, dict(props, status="reported"), point),
        (1, "2026-01-05T10:00:00+08:00", dict(props, status="closed"), json.dumps(moved)),
        (2, JAN2, dict(props, status="reported"), point),
        (2, JAN3, dict(props, status="rejected"), point),
        (3, JAN2, dict(props, status="reported"), point),
        (3, JAN3, None, None),
        (4, FEB1, {"type": "Feature", "geometry": point,
                   "properties": {"category": "0104", "status": "filed", "reported_at": FEB1}}),
    ]
    found = case_closures(history)
    assert found.index.tolist() == [1, 4]
    assert found.loc[1, "fixed_at"] == "2026-01-03T02:00:00.000+00:00" and found.loc[1, "status"] == "closed"
    assert found.loc[1, "geometry"].equals(Point(113.3301, 23.13))
    assert pd.isna(found.loc[4, "fixed_at"]) and found.loc[4, "category"] == "0104"
    with pytest.raises(TypeError, match="history record"):
        case_closures([42])


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = SQLiteStore(tmp_path_factory.mktemp("demo"), synchronous="OFF")
    store.sync_builtin_layers(load_catalogue())
    seed_demo(store, seed=DEMO_SEED, now_us=NOW_US)
    yield store
    store.close()


def test_the_demo_communitys_recurring_places_are_found(demo_store) -> None:
    fids = [v.fid for v in demo_store.query("blackspots", limit=100_000).features]
    closures = case_closures(v for fid in fids for v in demo_store.history("blackspots", fid))
    places = recurrence(closures)
    # What the generator planned (layers/demo/cases.py, _RECURRING): four spots where one problem came back
    # weeks after each closure, every report within 4 m of the spot.
    planned: dict[str, list] = {}
    for case in build_world(DEMO_SEED, NOW_US).cases:
        for tag in case.tags:
            if tag.startswith("recurring:"):
                planned.setdefault(tag, []).append((case.category, iso_cst(case.reported_us)))
    assert len(planned) == 4
    fid_of = {(c, r): fid for fid, c, r in zip(closures.index, closures["category"], closures["reported_at"])}
    place_of = {fid: k for k, ids in enumerate(places["case_ids"]) for fid in ids}
    found = set()
    for reports in planned.values():
        assert len(reports) >= 2
        where = {place_of[fid_of[report]] for report in reports}
        assert len(where) == 1  # all in one place
        found |= where
        assert places["recurrence_count"].iloc[where.pop()] >= len(reports) - 1
    assert len(found) == 4 and len(places) >= 4
