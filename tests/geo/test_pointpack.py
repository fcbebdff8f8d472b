"""geo.pointpack: the map's compact point payload round-trips within its stated precision."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import pointpack
from geo.crs import distance_m


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(113.0, 113.05), st.floats(23.0, 23.05)), min_size=1, max_size=300),
    st.integers(1, 1000),
)
def test_round_trip_within_half_a_metre_for_a_district(points, start):
    xy = np.array(points)
    fids = np.arange(start, start + len(points)) * 3
    decoded = pointpack.decode(pointpack.encode(fids, xy[:, 0], xy[:, 1]))
    assert decoded["bits"] == 16
    assert decoded["fids"].tolist() == fids.tolist()
    assert np.max(distance_m(xy[:, 0], xy[:, 1], decoded["x"], decoded["y"])) <= 0.5


def test_city_extent_switches_to_32_bits():
    x = np.array([113.0, 113.9])
    y = np.array([22.5, 23.4])
    decoded = pointpack.decode(pointpack.encode(np.array([1, 2]), x, y))
    assert decoded["bits"] == 32
    assert np.allclose(decoded["x"], x, atol=1e-7)


def test_values_and_empty():
    data = pointpack.encode(np.array([1, 5, 9]), np.array([1.0, 2, 3]), np.array([1.0, 2, 3]), ["b", None, "a"])
    assert pointpack.decode(data)["values"] == ["b", None, "a"]
    empty = pointpack.decode(pointpack.encode(np.array([]), np.array([]), np.array([]), []))
    assert len(empty["fids"]) == 0


def test_200k_points_fit_the_budget():
    rng = np.random.default_rng(7)
    n = 200_000
    data = pointpack.encode(
        np.arange(1, n + 1),
        113.3 + rng.random(n) * 0.05,
        23.1 + rng.random(n) * 0.05,
        list(rng.choice(["open", "fixed", "closed"], n)),
    )
    assert len(gzip.compress(data)) < 2 * 1024 * 1024


@pytest.mark.parametrize("fids", [[2, 1], [1, 1], [-1, 2], [2**32, 2**32 + 1]])
def test_bad_ids_refused(fids):
    with pytest.raises(ValueError):
        pointpack.encode(np.array(fids), np.zeros(2), np.zeros(2))


def test_mismatched_lengths_and_bad_magic():
    with pytest.raises(ValueError):
        pointpack.encode(np.array([1, 2]), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError):
        pointpack.decode(b"NOPE\0\0\0\0")
