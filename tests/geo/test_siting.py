"""Tests for geo.siting: candidate sites along lines, the coverage matrix, and greedy / exact siting.

Every instance is drawn in metres in WGS 84 / UTM 49N (EPSG:32649, Guangzhou) and handed over in WGS 84, so
the answers can be checked by hand; the adversarial set-cover instances come through a stub network.
"""

from __future__ import annotations

import itertools
import time

import geopandas as gpd
import numpy as np
import pytest
from scipy import sparse
from shapely.geometry import LineString, MultiLineString, Point, box

from geo.siting import candidates_along, coverage_matrix, propose_sites
from geo.siting import propose as siting

X0, Y0 = 740_000.0, 2_560_000.0  # a corner in UTM 49N; the tests draw east and north of it
METRIC = "EPSG:32649"


def gdf(xy, **columns) -> gpd.GeoDataFrame:
    """Points given in metres from (X0, Y0), returned in WGS 84."""
    geometry = [Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(columns, geometry=geometry, crs=METRIC).to_crs("EPSG:4326")


def on_line(xs, **columns) -> gpd.GeoDataFrame:
    return gdf([(x, 0.0) for x in xs], **columns)


def metres(frame: gpd.GeoDataFrame) -> np.ndarray:
    xy = np.array([(p.x, p.y) for p in frame.to_crs(METRIC).geometry])
    return xy - [X0, Y0]


class StubNetwork:
    """Stands in for geo.network.StreetNetwork: ``within`` returns a fixed matrix and records its calls."""

    def __init__(self, rows) -> None:
        self.matrix = sparse.csr_matrix(np.asarray(rows, dtype=bool))
        self.calls = []

    def within(self, sources_gdf, targets_gdf, radius_m):
        self.calls.append((len(sources_gdf), len(targets_gdf), radius_m))
        if len(sources_gdf) != self.matrix.shape[0]:  # the existing-facilities call
            return sparse.csr_matrix((len(sources_gdf), len(targets_gdf)), dtype=bool)
        return self.matrix


# Set cover where greedy goes wrong: 14 targets in two rows of 7. A and B cover a row each (optimum: 2),
# but greedy first takes S1 (8 targets: columns 0-3 of both rows), then S2 (columns 4-5), then S3 (column 6).
_ROW = np.arange(7)
_SETS = {"A": _ROW, "B": _ROW + 7, "S1": np.r_[0:4, 7:11], "S2": np.r_[4:6, 11:13], "S3": np.array([6, 13])}
ADVERSARIAL = np.zeros((5, 14), dtype=bool)
for _k, _members in enumerate(_SETS.values()):
    ADVERSARIAL[_k, _members] = True


def adversarial(**kwargs):
    targets = on_line(range(14))
    candidates = gpd.GeoDataFrame(geometry=on_line(range(5)).geometry.values, crs="EPSG:4326",
                                  index=list(_SETS))
    network = StubNetwork(ADVERSARIAL)
    return network, propose_sites(targets, candidates, 100.0, metric="network", network=network, **kwargs)


# -- candidates_along ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("length_m", "expected"), [
    (250.0, [0, 100, 200, 250]),
    (300.0, [0, 100, 200, 300]),  # the end falls on a step: included once
    (60.0, [0, 60]),
    (0.5, [0, 0.5]),
])
def test_candidates_along_a_straight_line_are_spaced_exactly(length_m, expected) -> None:
    line = gpd.GeoDataFrame({"name": ["a"]}, geometry=[LineString([(X0, Y0), (X0 + length_m, Y0)])], crs=METRIC,
                            index=["road-7"])
    sites = candidates_along(line.to_crs("EPSG:4326"), 100.0)
    assert sites.crs.to_epsg() == 4326
    assert sites["line_id"].tolist() == ["road-7"] * len(expected)
    np.testing.assert_allclose(sites["distance_m"], expected, atol=1e-9)
    np.testing.assert_allclose(metres(sites), [(d, 0.0) for d in expected], atol=1e-4)
    assert sites.index.tolist() == list(range(len(expected)))


def test_candidates_along_multilines_and_closed_rings() -> None:
    ring = box(X0, Y0, X0 + 100, Y0 + 100).exterior  # 400 m, closed: the end is the start
    multi = MultiLineString([[(X0, Y0 + 500), (X0 + 150, Y0 + 500)], [(X0, Y0 + 600), (X0 + 50, Y0 + 600)]])
    lines = gpd.GeoDataFrame(geometry=[ring, multi], crs=METRIC).to_crs("EPSG:4326")
    sites = candidates_along(lines, 100.0)
    assert sites.loc[sites["line_id"] == 0, "distance_m"].round(6).tolist() == [0, 100, 200, 300]
    on_multi = sites[sites["line_id"] == 1]
    assert list(zip(on_multi["part"], on_multi["distance_m"].round(6))) == [(0, 0), (0, 100), (0, 150), (1, 0), (1, 50)]


def test_candidates_along_checks_its_inputs() -> None:
    line = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 10, Y0)])], crs=METRIC)
    with pytest.raises(ValueError, match="spacing_m"):
        candidates_along(line, 0)
    with pytest.raises(TypeError, match="lines_gdf"):
        candidates_along([LineString([(0, 0), (1, 1)])], 10.0)
    with pytest.raises(ValueError, match="LineString"):
        candidates_along(gdf([(0, 0)]), 10.0)
    assert candidates_along(line.iloc[:0], 10.0).empty


# -- coverage_matrix ------------------------------------------------------------------------------------------
def test_coverage_is_inclusive_and_measured_to_the_target_geometry() -> None:
    matrix = coverage_matrix(on_line([0.0]), on_line([50.0, 50.001, -30.0]), 50.0)
    assert matrix.toarray().tolist() == [[True, False, True]]
    buildings = gpd.GeoDataFrame(geometry=[box(X0 + 60, Y0 - 5, X0 + 80, Y0 + 5), box(X0 + 70, Y0, X0 + 90, Y0 + 9)],
                                 crs=METRIC).to_crs("EPSG:4326")
    assert coverage_matrix(on_line([0.0]), buildings, 60.0).toarray().tolist() == [[True, False]]


def test_coverage_matrix_through_a_network() -> None:
    network = StubNetwork([[1, 0, 1], [0, 0, 1]])
    matrix = coverage_matrix(on_line([0, 1]), on_line([0, 1, 2]), 75.0, metric="network", network=network)
    assert matrix.toarray().astype(int).tolist() == [[1, 0, 1], [0, 0, 1]]
    assert network.calls == [(2, 3, 75.0)]
    with pytest.raises(ValueError, match="network"):
        coverage_matrix(on_line([0]), on_line([0]), 75.0, metric="network")
    with pytest.raises(TypeError, match="within"):
        coverage_matrix(on_line([0]), on_line([0]), 75.0, metric="network", network=object())
    with pytest.raises(ValueError, match="metric"):
        coverage_matrix(on_line([0]), on_line([0]), 75.0, metric="manhattan")


def test_network_built_from_street_lines() -> None:
    """Street lines are turned into a network lazily; along a straight street network distance is
    straight-line distance."""
    street = gpd.GeoDataFrame(geometry=[LineString([(X0 - 100, Y0), (X0 + 300, Y0)])], crs=METRIC)
    matrix = coverage_matrix(on_line([0]), on_line([40, 60, 250]), 50.0, metric="network",
                             network=street.to_crs("EPSG:4326"))
    assert matrix.toarray().tolist() == [[True, False, False]]


# -- propose_sites: maximum coverage -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["greedy", "exact", "auto"])
def test_the_site_covering_most_comes_first(method) -> None:
    targets = on_line([0, 10, 20, 100])  # three close together, one alone
    candidates = on_line([10, 100])
    sites, summary = propose_sites(targets, candidates, 15.0, count=1, method=method)
    assert sites["candidate_id"].tolist() == [0]
    assert sites[["rank", "newly_covered", "newly_covered_weight"]].values.tolist() == [[1, 3, 3.0]]
    assert summary["covered_after"] == 3 and summary["status"] == "optimal"
    assert summary["method"] in ("greedy", "exact") and summary["problem"] == "max_coverage"
    np.testing.assert_allclose(metres(sites), [(10.0, 0.0)], atol=1e-4)


def test_weights_change_the_choice() -> None:
    candidates = on_line([10, 100])
    by_count, _ = propose_sites(on_line([0, 10, 20, 100]), candidates, 15.0, count=1)
    weighted, summary = propose_sites(on_line([0, 10, 20, 100], households=[1, 1, 1, 10]), candidates, 15.0, count=1)
    assert by_count["candidate_id"].tolist() == [0]
    assert weighted["candidate_id"].tolist() == [1]
    assert weighted["newly_covered_weight"].tolist() == [10.0]
    assert (summary["weight_column"], summary["weight_total"], summary["weight_after"]) == ("households", 13.0, 10.0)


def test_missing_weights_count_as_zero() -> None:
    targets = on_line([0, 100], households=[np.nan, 3.0])  # e.g. a shop without households
    sites, summary = propose_sites(targets, on_line([0, 100]), 15.0, count=1)
    assert sites["candidate_id"].tolist() == [1] and summary["weight_total"] == 3.0
    _, cover = propose_sites(targets, on_line([0, 100]), 15.0)
    assert cover["count"] == 2  # set cover still covers every target, whatever its weight


def test_existing_facilities_remove_already_covered_targets() -> None:
    targets, candidates = on_line([0, 10, 20, 100, 105]), on_line([10, 100])
    assert propose_sites(targets, candidates, 15.0, count=1)[0]["candidate_id"].tolist() == [0]
    sites, summary = propose_sites(targets, candidates, 15.0, count=1, existing_gdf=on_line([3]))
    assert sites["candidate_id"].tolist() == [1]  # 0 and 10 are served already: site 0 would add only 20
    assert (summary["covered_before"], summary["covered_after"]) == (2, 4)


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_count_larger_than_needed_stops_when_all_is_covered(method) -> None:
    targets = on_line([0, 10, 20, 100, 500])  # 500 is out of everyone's reach
    sites, summary = propose_sites(targets, on_line([10, 100, 200, 300]), 15.0, count=10, method=method)
    assert sorted(sites["candidate_id"]) == [0, 1]
    assert sites["newly_covered"].tolist() == [3, 1]
    assert summary["covered_after"] == summary["coverable"] == 4
    assert summary["count"] == 2 and summary["count_requested"] == 10


def test_targets_nobody_can_reach_are_reported_uncoverable() -> None:
    targets = gdf([(0, 0), (10, 0), (0, 900), (900, 900)])
    targets.index = ["a", "b", "far-1", "far-2"]
    sites, summary = propose_sites(targets, on_line([0]), 50.0, existing_gdf=gdf([(910, 900)]))
    assert (summary["coverable"], summary["uncoverable"], summary["uncoverable_ids"]) == (2, 1, ["far-1"])
    assert summary["covered_before"] == 1 and summary["covered_after"] == 3


@pytest.mark.parametrize("which", ["targets", "candidates", "both"])
def test_empty_inputs(which) -> None:
    targets = on_line([0, 10]).iloc[:0] if which in ("targets", "both") else on_line([0, 10])
    candidates = on_line([0]).iloc[:0] if which in ("candidates", "both") else on_line([0])
    for count in (None, 3):
        sites, summary = propose_sites(targets, candidates, 50.0, count=count)
        assert sites.empty and sites.crs.to_epsg() == 4326
        assert {"rank", "candidate_id", "newly_covered", "newly_covered_weight"} <= set(sites.columns)
        assert summary["count"] == summary["covered_after"] == summary["coverable"] == 0
        assert summary["uncoverable"] == len(targets)


def test_count_zero_proposes_nothing() -> None:
    sites, summary = propose_sites(on_line([0]), on_line([0]), 50.0, count=0)
    assert sites.empty and summary["covered_after"] == 0


# -- set cover, exact against greedy ------------------------------------------------------------------------------
def test_set_cover_is_minimal() -> None:
    targets = on_line(range(0, 100, 10))  # ten targets, 10 m apart
    candidates = on_line(range(0, 100, 10))  # each covers itself and its two neighbours
    sites, summary = propose_sites(targets, candidates, 15.0)
    assert summary["problem"] == "set_cover" and summary["status"] == "optimal"
    assert summary["covered_after"] == 10 and summary["count"] == 4
    matrix = coverage_matrix(candidates, targets, 15.0)
    for three in itertools.combinations(range(10), 3):  # no three sites cover everything
        assert matrix[list(three)].getnnz(axis=0).min() == 0


def test_exact_beats_greedy_on_an_adversarial_set_cover() -> None:
    network, (greedy, g_summary) = adversarial(method="greedy")
    _, (exact, e_summary) = adversarial(method="exact")
    assert network.calls and network.calls[0][2] == 100.0
    assert greedy["candidate_id"].tolist() == ["S1", "S2", "S3"]
    assert greedy["newly_covered"].tolist() == [8, 4, 2]
    assert sorted(exact["candidate_id"]) == ["A", "B"]
    assert e_summary["status"] == "optimal" and e_summary["method"] == "exact"
    assert g_summary["status"] == "heuristic" and g_summary["exact_status"] == "optimal"
    quality = g_summary["quality"]
    assert (quality["reference"], quality["value"], quality["objective"], quality["gap"]) == ("optimum", 2, 3, 1)
    assert g_summary["gap_ratio"] == pytest.approx(0.5)


def test_exact_beats_greedy_on_adversarial_maximum_coverage() -> None:
    _, (greedy, g_summary) = adversarial(method="greedy", count=2)
    _, (exact, e_summary) = adversarial(method="auto", count=2)
    assert greedy["candidate_id"].tolist() == ["S1", "S2"] and g_summary["objective"] == 12
    assert sorted(exact["candidate_id"]) == ["A", "B"] and e_summary["objective"] == 14
    assert g_summary["quality"]["gap"] == 2 and g_summary["gap_ratio"] == pytest.approx(2 / 14)


def random_instance(seed: int, n_targets: int = 120, n_candidates: int = 40):
    rng = np.random.default_rng(seed)
    targets = gdf(rng.uniform(0, 400, (n_targets, 2)), households=rng.integers(0, 6, n_targets))
    return targets, gdf(rng.uniform(0, 400, (n_candidates, 2)))


@pytest.mark.parametrize("seed", range(4))
def test_bounds_hold_when_exact_is_out_of_reach(seed, monkeypatch) -> None:
    targets, candidates = random_instance(seed)
    optimum = {c: propose_sites(targets, candidates, 70.0, count=c, method="exact")[1] for c in (3, None)}
    monkeypatch.setattr(siting, "EXACT_NNZ_LIMIT", 0)  # greedy now has to prove itself without HiGHS
    for count, exact in optimum.items():
        _, summary = propose_sites(targets, candidates, 70.0, count=count, method="greedy")
        quality = summary["quality"]
        assert exact["status"] == "optimal" and summary["exact_status"] == "not_run"
        assert quality["reference"] == "bound"
        if count is None:  # a lower bound on the fewest sites
            assert quality["value"] <= exact["objective"] <= summary["objective"]
        else:  # an upper bound on the weight covered
            assert quality["value"] >= exact["objective"] >= summary["objective"]
        assert quality["gap_ratio"] >= 0


def test_exact_matches_brute_force_on_a_small_instance() -> None:
    targets, candidates = random_instance(7, 40, 12)
    matrix = coverage_matrix(candidates, targets, 80.0).toarray()
    weights = targets["households"].to_numpy()
    best = max(weights[matrix[list(c)].any(axis=0)].sum() for c in itertools.combinations(range(12), 3))
    _, summary = propose_sites(targets, candidates, 80.0, count=3, method="exact", matrix=sparse.csr_matrix(matrix))
    assert summary["objective"] == best and summary["status"] == "optimal"


def test_the_time_limit_is_respected() -> None:
    rng = np.random.default_rng(3)
    targets, candidates = gdf(rng.uniform(0, 3000, (6000, 2))), gdf(rng.uniform(0, 3000, (1500, 2)))
    matrix = coverage_matrix(candidates, targets, 120.0)
    start = time.perf_counter()
    sites, summary = propose_sites(targets, candidates, 120.0, method="exact", time_limit_s=0.05, matrix=matrix)
    assert time.perf_counter() - start < 5.0
    assert summary["exact_status"] == "time_limit" and summary["status"] == "time_limit"
    assert summary["covered_after"] == summary["coverable"]  # the better of HiGHS's incumbent and greedy
    assert summary["quality"]["reference"] == "bound" and summary["quality"]["value"] <= summary["objective"]


# -- input checks ------------------------------------------------------------------------------------------------
def test_inputs_are_checked() -> None:
    targets, candidates = on_line([0]), on_line([0])
    with pytest.raises(TypeError, match="targets_gdf"):
        propose_sites(targets.geometry, candidates, 10.0)
    with pytest.raises(ValueError, match="count"):
        propose_sites(targets, candidates, 10.0, count=-1)
    with pytest.raises(ValueError, match="method"):
        propose_sites(targets, candidates, 10.0, method="fast")
    with pytest.raises(ValueError, match="radius_m"):
        propose_sites(targets, candidates, -1.0)
    with pytest.raises(ValueError, match="households"):
        propose_sites(on_line([0], households=[-2]), candidates, 10.0)
    with pytest.raises(TypeError, match="households"):
        propose_sites(on_line([0], households=["many"]), candidates, 10.0)
    with pytest.raises(ValueError, match="no CRS"):
        propose_sites(targets.set_crs(None, allow_override=True), candidates, 10.0)
    with pytest.raises(ValueError, match="matrix"):
        propose_sites(targets, candidates, 10.0, matrix=sparse.csr_matrix((2, 2), dtype=bool))
