"""Tests for geo.sampling: stretches measured in metres, allocation and draws, and the stratified estimate
checked by hand and by its coverage on a synthetic population."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from geo.crs import to_metric
from geo.sampling import allocate, compare, draw_stratified, road_stretches, size_for_precision, stratified_mean

UTM49 = "EPSG:32649"
X0, Y0 = 735_000.0, 2_556_000.0  # central Guangzhou in WGS 84 / UTM 49N


def roads(*lines, classes=None) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"id": list(range(1, len(lines) + 1)), "class": classes or ["branch"] * len(lines)},
                             geometry=list(lines), crs=UTM49)  # fmt: skip
    return frame.to_crs("EPSG:4326")


def test_stretches_have_about_the_length_asked_in_metres():
    frame = roads(LineString([(X0, Y0), (X0 + 1000, Y0)]), LineString([(X0, Y0 + 50), (X0 + 40, Y0 + 50)]),
                  classes=["arterial", None])  # fmt: skip
    parts = road_stretches(frame, 100)
    assert list(parts["road"]) == [1] * 10 + [2] and list(parts["part"]) == list(range(10)) + [0]
    metric = to_metric(parts)
    assert np.allclose(metric.length.iloc[:10], 100, atol=0.5) and abs(metric.length.iloc[10] - 40) < 0.5
    assert list(parts["road_class"].unique()) == ["arterial", "unknown"]
    assert parts.crs.to_epsg() == 4326


def test_a_multiline_road_numbers_its_parts_on():
    line = MultiLineString([[(X0, Y0), (X0 + 250, Y0)], [(X0, Y0 + 100), (X0 + 100, Y0 + 100)]])
    parts = road_stretches(roads(line), 100)
    assert list(parts["part"]) == [0, 1, 2] and len(parts) == 3  # 250 m -> 2 pieces of 125 m, 100 m -> 1


@pytest.mark.parametrize("length", [0, -5, float("nan"), "100", True])
def test_a_bad_length_is_refused(length):
    with pytest.raises((TypeError, ValueError)):
        road_stretches(roads(LineString([(X0, Y0), (X0 + 10, Y0)])), length)


def test_no_roads_give_no_stretches():
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    assert len(road_stretches(empty, 100)) == 0
    with pytest.raises(TypeError):
        road_stretches([Point(0, 0)], 100)


def test_allocation_is_proportional_with_a_minimum_and_never_more_than_a_stratum_holds():
    assert allocate({"a": 50, "b": 50}, 10) == {"a": 5, "b": 5}
    assert allocate({"a": 97, "b": 2, "c": 1}, 10) == {"a": 10, "b": 2, "c": 1}
    assert allocate({"a": 3}, 100) == {"a": 3}
    assert allocate({}, 5) == {} and allocate({"a": 0}, 5) == {"a": 0}


def test_the_draw_is_reproducible_stratified_and_without_replacement():
    strata = ["a"] * 30 + ["b"] * 20
    first = draw_stratified(strata, {"a": 5, "b": 4}, seed=11)
    assert first == draw_stratified(strata, {"a": 5, "b": 4}, seed=11)
    assert first != draw_stratified(strata, {"a": 5, "b": 4}, seed=12)
    assert len(set(first)) == 9 and sum(strata[i] == "a" for i in first) == 5
    with pytest.raises(ValueError):
        draw_stratified(strata, {"b": 21}, seed=1)


def test_size_for_precision():
    assert size_for_precision(10_000, 20.0, 4.0) == 97  # (1.96 * 20 / 4)^2 = 96.04
    assert size_for_precision(10, 20.0, 1.0) == 10
    with pytest.raises(ValueError):
        size_for_precision(10, 0, 1.0)


def test_the_stratified_mean_by_hand():
    e = stratified_mean([80, 90, 40, 60], ["a", "a", "b", "b"], {"a": 30, "b": 10})
    assert e.score == pytest.approx(0.75 * 85 + 0.25 * 50)
    pooled = (50 + 200) / 2  # (80-85)^2 + (90-85)^2, (40-50)^2 + (60-50)^2 over 2 degrees of freedom
    assert e.se == pytest.approx(np.sqrt(pooled * (0.75**2 / 2 + 0.25**2 / 2)))
    assert e.ci_low < e.score < e.ci_high and e.missing_share == 0


def test_an_unobserved_stratum_is_reported_not_guessed():
    e = stratified_mean([70, 80], ["a", "a"], {"a": 30, "b": 10})
    assert e.score == 75 and e.missing_share == pytest.approx(0.25)
    single = stratified_mean([70], ["a"], {"a": 3})
    assert single.score == 70 and single.ci_low is None and single.df == 0
    assert stratified_mean([], [], {"a": 3}).score is None
    with pytest.raises(ValueError):
        stratified_mean([1.0], ["z"], {"a": 3})


def test_intervals_cover_the_population_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    population = {"a": 200, "b": 80, "c": 20}
    truth = {h: rng.normal(loc, 12, size) for (h, size), loc in zip(population.items(), (80, 60, 40))}
    mean = np.concatenate(list(truth.values())).mean()
    covered = 0
    for _ in range(400):
        values, strata = [], []
        for h, n in allocate(population, 30).items():
            values += rng.choice(truth[h], n, replace=False).tolist()
            strata += [h] * n
        e = stratified_mean(values, strata, population)
        covered += e.ci_low <= mean <= e.ci_high
    assert 0.91 <= covered / 400 <= 0.99


def test_a_change_larger_than_the_noise_is_significant():
    before = stratified_mean([60, 62, 58, 61], ["a"] * 4, {"a": 100})
    after = stratified_mean([80, 82, 78, 81], ["a"] * 4, {"a": 100})
    same = stratified_mean([59, 63, 57, 62], ["a"] * 4, {"a": 100})
    assert compare(after, before)["significant"] and compare(after, before)["difference"] == pytest.approx(20)
    assert not compare(same, before)["significant"]
    assert compare(stratified_mean([], [], {"a": 1}), before)["difference"] is None
