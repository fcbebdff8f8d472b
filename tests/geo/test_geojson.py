"""geo.geojson: every problem found and named, never an exception, whatever the input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.geojson import bounds, check_geometry

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)
geometry_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "Point",
                "LineString",
                "Polygon",
                "MultiPoint",
                "MultiLineString",
                "MultiPolygon",
                "GeometryCollection",
                "point",
                "",
            ]
        ),
        "coordinates": json_values,
    }
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_values, geometry_like))
def test_never_raises_and_reports_fields(value):
    problems = check_geometry(value)
    assert isinstance(problems, list)
    for problem in problems:
        assert problem["field"].startswith("geometry") and problem["code"] and problem["reason"]


@settings(max_examples=200, deadline=None)
@given(st.floats(-180, 180), st.floats(-90, 90))
def test_valid_points_pass(lon, lat):
    assert check_geometry({"type": "Point", "coordinates": [lon, lat]}) == []


@pytest.mark.parametrize(
    "geometry, code",
    [
        ({"type": "Point", "coordinates": [113.3, 95.0]}, "coordinates_out_of_range"),
        ({"type": "Point", "coordinates": [185.0, 23.1]}, "coordinates_out_of_range"),
        ({"type": "Point", "coordinates": [23.1, 113.3]}, "coordinates_swapped"),
        ({"type": "Point", "coordinates": [12613000.5, 2648000.1]}, "wrong_crs"),
        ({"type": "Point", "coordinates": [1, 2, 3, 4]}, "invalid_position"),
        ({"type": "Point", "coordinates": [float("nan"), 2]}, "invalid_position"),
        ({"type": "Point", "coordinates": [True, 2]}, "invalid_position"),
        ({"type": "Point", "coordinates": []}, "empty_geometry"),
        ({"type": "MultiPoint", "coordinates": [[]]}, "invalid_position"),
        ({"type": "LineString", "coordinates": [[1, 1]]}, "too_few_positions"),
        ({"type": "LineString", "coordinates": [[1, 1], [1, 1]]}, "invalid_geometry"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0.5]]]}, "ring_not_closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "too_few_positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "invalid_geometry"),
        ({"type": "MultiPolygon", "coordinates": [[]]}, "empty_geometry"),
        ({"type": "GeometryCollection", "geometries": []}, "invalid_geojson"),
        ("POINT (1 2)", "invalid_geojson"),
    ],
)
def test_problem_codes(geometry, code):
    problems = check_geometry(geometry)
    assert [p["code"] for p in problems] == [code]


def test_type_restriction_and_vertex_limit():
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 2]]}
    assert check_geometry(line, ("Point",))[0]["code"] == "geometry_type_mismatch"
    assert check_geometry(line, max_vertices=2)[0]["code"] == "too_many_vertices"


def test_self_intersection_location():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    [problem] = check_geometry(bowtie, field="features[4].geometry")
    assert problem["location"] == [1.0, 1.0]
    assert problem["field"] == "features[4].geometry.coordinates"


def test_extent_swap_only_when_swapped_is_inside():
    taipei = (121.4, 24.9, 121.7, 25.2)
    assert check_geometry({"type": "Point", "coordinates": [25.05, 121.5]}, extent=taipei)[0]["code"] == (
        "coordinates_swapped"
    )
    # Far from the project but not a swap: allowed (a new area is not an error).
    assert check_geometry({"type": "Point", "coordinates": [113.3, 23.1]}, extent=taipei) == []


def test_bounds_of_multipolygon():
    geom = {
        "type": "MultiPolygon",
        "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 7], [5, 5]]]],
    }
    assert bounds(geom) == (0.0, 0.0, 6.0, 7.0)
