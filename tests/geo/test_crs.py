"""Tests for geo.chinacoords (GCJ-02/BD-09 shifts) and geo.crs (UTM selection, to_metric, distances)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo import chinacoords, crs

TIANANMEN_WGS84 = (116.397128, 39.916527)
TIANANMEN_GCJ02 = (116.403371, 39.917929)  # published reference, good to ~1e-5 deg


def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """Half-degree grid over mainland China's extent, plus lon 105 where sqrt(|x|) kinks."""
    lons = np.append(np.arange(73.5, 135.01, 0.5), [105.0, 104.999999, 105.000001])
    lats = np.arange(18.0, 53.51, 0.5)
    lon, lat = np.meshgrid(lons, lats)
    return lon.ravel(), lat.ravel()


# --- GCJ-02 -------------------------------------------------------------------------


def test_tiananmen_reference_value() -> None:
    lon, lat = chinacoords.wgs84_to_gcj02(*TIANANMEN_WGS84)
    assert lon == pytest.approx(TIANANMEN_GCJ02[0], abs=1e-5)
    assert lat == pytest.approx(TIANANMEN_GCJ02[1], abs=1e-5)
    shift_m = crs.distance_m(*TIANANMEN_WGS84, lon, lat)
    assert 300.0 < shift_m < 800.0


def test_shift_is_a_few_hundred_metres_across_china() -> None:
    lon, lat = china_grid()
    shift_m = crs.distance_m(lon, lat, *chinacoords.wgs84_to_gcj02(lon, lat))
    assert shift_m.min() > 10.0
    assert shift_m.max() < 1000.0


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (2.3522, 48.8566),  # Paris
        (-74.006, 40.7128),  # New York
        (151.2093, -33.8688),  # Sydney
        (139.6917, 35.6895),  # Tokyo, east of the box
        (72.0039, 35.0),  # just west of the box
        (137.8348, 35.0),
        (110.0, 0.8292),
        (110.0, 55.8272),
    ],
)
def test_out_of_china_is_unchanged(lon: float, lat: float) -> None:
    assert chinacoords.out_of_china(lon, lat) is True
    assert chinacoords.wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert chinacoords.gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert chinacoords.gcj02_to_wgs84_approx(lon, lat) == (lon, lat)


def test_hong_kong_and_taiwan_are_shifted_like_the_mainland() -> None:
    lon = np.array([114.1694, 121.5654])  # Hong Kong, Taipei
    lat = np.array([22.3193, 25.0330])
    assert not chinacoords.out_of_china(lon, lat).any()
    assert np.all(crs.distance_m(lon, lat, *chinacoords.wgs84_to_gcj02(lon, lat)) > 100.0)


def test_iterated_inverse_round_trip_is_below_one_centimetre() -> None:
    lon, lat = china_grid()
    back_lon, back_lat = chinacoords.gcj02_to_wgs84(*chinacoords.wgs84_to_gcj02(lon, lat))
    error_m = crs.distance_m(lon, lat, back_lon, back_lat)
    assert error_m.max() < 0.01


def test_iterated_inverse_round_trip_on_random_points() -> None:
    rng = np.random.default_rng(20240601)
    lon = rng.uniform(73.0, 135.0, 5000)
    lat = rng.uniform(3.0, 53.5, 5000)
    back = chinacoords.gcj02_to_wgs84(*chinacoords.wgs84_to_gcj02(lon, lat))
    assert crs.distance_m(lon, lat, *back).max() < 0.01


def test_one_step_inverse_is_coarser_but_bounded() -> None:
    lon, lat = china_grid()
    approx = chinacoords.gcj02_to_wgs84_approx(*chinacoords.wgs84_to_gcj02(lon, lat))
    error_m = crs.distance_m(lon, lat, *approx)
    assert error_m.max() > 0.5
    assert error_m.max() < 10.0


def test_inverse_is_forward_inverse_on_gcj_side() -> None:
    g_lon, g_lat = np.array([113.33, 121.47]), np.array([23.13, 31.23])
    forward = chinacoords.wgs84_to_gcj02(*chinacoords.gcj02_to_wgs84(g_lon, g_lat))
    assert np.allclose(forward, (g_lon, g_lat), rtol=0, atol=1e-9)


# --- BD-09 --------------------------------------------------------------------------


def test_bd09_round_trips() -> None:
    lon, lat = china_grid()
    g_lon, g_lat = chinacoords.wgs84_to_gcj02(lon, lat)
    b_lon, b_lat = chinacoords.gcj02_to_bd09(g_lon, g_lat)
    bd_shift_m = crs.distance_m(g_lon, g_lat, b_lon, b_lat)
    assert bd_shift_m.min() > 500.0 and bd_shift_m.max() < 1500.0
    assert crs.distance_m(g_lon, g_lat, *chinacoords.bd09_to_gcj02(b_lon, b_lat)).max() < 0.001
    w_b = chinacoords.wgs84_to_bd09(lon, lat)
    assert np.allclose(w_b, (b_lon, b_lat), rtol=0, atol=1e-12)
    assert crs.distance_m(lon, lat, *chinacoords.bd09_to_wgs84(*w_b)).max() < 0.01


# --- convert ------------------------------------------------------------------------


@pytest.mark.parametrize("src", ["wgs84", "gcj02", "bd09"])
@pytest.mark.parametrize("dst", ["wgs84", "gcj02", "bd09"])
def test_convert_matches_the_direct_functions(src: str, dst: str) -> None:
    lon, lat = np.array([113.3, 116.4, 2.35]), np.array([23.1, 39.9, 48.85])
    to_wgs = {"wgs84": lambda x, y: (x, y), "gcj02": chinacoords.gcj02_to_wgs84, "bd09": chinacoords.bd09_to_wgs84}
    from_wgs = {"wgs84": lambda x, y: (x, y), "gcj02": chinacoords.wgs84_to_gcj02, "bd09": chinacoords.wgs84_to_bd09}
    expected = from_wgs[dst](*to_wgs[src](lon, lat))
    assert np.allclose(chinacoords.convert(lon, lat, src, dst), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("alias", ["EPSG:4326", "epsg:4326", "cgcs2000", "CGCS2000", " WGS84 ", "EPSG:4490"])
def test_convert_accepts_wgs84_aliases(alias: str) -> None:
    assert chinacoords.convert(*TIANANMEN_WGS84, alias, "gcj02") == chinacoords.wgs84_to_gcj02(*TIANANMEN_WGS84)
    assert chinacoords.convert(*TIANANMEN_WGS84, "gcj02", alias) == chinacoords.gcj02_to_wgs84(*TIANANMEN_WGS84)


def test_convert_same_system_returns_a_copy() -> None:
    lon = np.array([113.3])
    out_lon, _ = chinacoords.convert(lon, [23.1], "gcj02", "GCJ02")
    out_lon[0] = 0.0
    assert lon[0] == 113.3


def test_convert_rejects_unknown_systems() -> None:
    with pytest.raises(ValueError, match="'mercator'"):
        chinacoords.convert(113.3, 23.1, "mercator", "wgs84")
    with pytest.raises(ValueError, match="'gcj-02'"):
        chinacoords.convert(113.3, 23.1, "wgs84", "gcj-02")
    with pytest.raises(TypeError, match="int"):
        chinacoords.convert(113.3, 23.1, 4326, "wgs84")


# --- shapes and input checks --------------------------------------------------------


def test_scalars_give_floats_and_arrays_keep_shape() -> None:
    lon, lat = chinacoords.wgs84_to_gcj02(113, 23)  # ints are fine
    assert type(lon) is float and type(lat) is float
    grid_lon = np.full((2, 3), 113.3)
    out_lon, out_lat = chinacoords.gcj02_to_wgs84(grid_lon, 23.1)  # scalar broadcasts
    assert out_lon.shape == out_lat.shape == (2, 3)
    assert chinacoords.wgs84_to_bd09([113.3, 116.4], [23.1, 39.9])[0].shape == (2,)
    assert crs.distance_m(113.3, 23.1, [113.3, 113.4], [23.2, 23.1]).shape == (2,)
    assert isinstance(crs.distance_m(113.3, 23.1, 113.4, 23.1), float)
    assert chinacoords.out_of_china([2.0, 113.0], [48.0, 23.0]).tolist() == [True, False]


def test_inputs_are_not_modified() -> None:
    lon, lat = np.array([113.3, 116.4]), np.array([23.1, 39.9])
    for func in (
        chinacoords.wgs84_to_gcj02,
        chinacoords.gcj02_to_wgs84,
        chinacoords.bd09_to_gcj02,
        chinacoords.bd09_to_wgs84,
    ):
        func(lon, lat)
    assert lon.tolist() == [113.3, 116.4] and lat.tolist() == [23.1, 39.9]


@pytest.mark.parametrize(
    "func",
    [
        chinacoords.wgs84_to_gcj02,
        chinacoords.gcj02_to_wgs84,
        chinacoords.gcj02_to_wgs84_approx,
        chinacoords.gcj02_to_bd09,
        chinacoords.bd09_to_gcj02,
        chinacoords.wgs84_to_bd09,
        chinacoords.bd09_to_wgs84,
        chinacoords.out_of_china,
    ],
)
def test_bad_coordinates_raise(func) -> None:
    with pytest.raises(TypeError, match="str"):
        func("113.3", 23.1)
    with pytest.raises(TypeError, match="NoneType"):
        func(113.3, None)
    with pytest.raises(TypeError, match="lon"):
        func([True], [23.1])
    with pytest.raises(ValueError, match="nan"):
        func(113.3, float("nan"))
    with pytest.raises(ValueError, match="inf"):
        func([113.3, np.inf], [23.1, 23.1])
    with pytest.raises(ValueError, match="91"):
        func(113.3, 91.0)
    with pytest.raises(ValueError, match="-181"):
        func(-181.0, 23.1)
    with pytest.raises(ValueError, match=r"\(3,\) vs \(2,\)"):
        func([1.0, 2.0, 3.0], [1.0, 2.0])


def test_bad_iteration_settings_raise() -> None:
    for func in (chinacoords.gcj02_to_wgs84, chinacoords.bd09_to_gcj02):
        with pytest.raises(ValueError, match="tol_deg.*0"):
            func(113.3, 23.1, tol_deg=0.0)
        with pytest.raises(TypeError, match="tol_deg.*str"):
            func(113.3, 23.1, tol_deg="1e-10")
        with pytest.raises(ValueError, match="max_iter.*0"):
            func(113.3, 23.1, max_iter=0)
        with pytest.raises(TypeError, match="max_iter.*float"):
            func(113.3, 23.1, max_iter=3.0)
        with pytest.raises(RuntimeError, match="did not converge in 1 iteration"):
            func(113.3, 23.1, max_iter=1)


def test_distance_m_known_values_and_errors() -> None:
    assert crs.distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(110574.389, abs=0.01)
    assert crs.distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111319.491, abs=0.01)
    assert crs.distance_m(113.3, 23.1, 113.3, 23.1) == 0.0
    with pytest.raises(ValueError, match=r"\(2,\) vs \(3,\)"):
        crs.distance_m([1.0, 2.0], 0.0, [1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match="95"):
        crs.distance_m(0.0, 95.0, 0.0, 0.0)
    with pytest.raises(TypeError, match="lat"):
        crs.distance_m(0.0, 0.0, 0.0, "north")


# --- UTM selection and to_metric ----------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (113.3, 23.1, 32649),
        (151.2093, -33.8688, 32756),
        (116.4, 39.9, 32650),
        (2.35, 48.85, 32631),
        (-180.0, 10.0, 32601),
        (180.0, 10.0, 32660),
        (114.0, 0.0, 32650),
        (-0.1, -0.1, 32730),
    ],
)
def test_utm_zone_selection(lon: float, lat: float, epsg: int) -> None:
    assert crs.metric_crs_for(lon, lat).to_epsg() == epsg
    assert crs.metric_crs_for_bounds(lon, lat, lon, lat).to_epsg() == epsg


def test_utm_zone_of_bounds_uses_the_centre() -> None:
    assert crs.metric_crs_for_bounds(112.9, 22.5, 113.7, 23.9).to_epsg() == 32649  # Guangzhou
    assert crs.metric_crs_for_bounds(150.5, -34.2, 151.5, -33.4).to_epsg() == 32756  # Sydney
    assert crs.metric_crs_for_bounds(110.0, 20.0, 120.0, 30.0).to_epsg() == 32650  # centre 115E
    assert crs.metric_crs_for_bounds(113.3, 23.1, 113.3, 23.1).axis_info[0].unit_name == "metre"


@pytest.mark.parametrize(
    "bounds",
    [
        (114.0, 23.0, 113.0, 24.0),
        (113.0, 24.0, 114.0, 23.0),
        (170.0, 0.0, 190.0, 1.0),
        (0.0, -91.0, 1.0, 0.0),
        (0.0, 85.0, 1.0, 86.0),
        (float("nan"), 0.0, 1.0, 1.0),
    ],
)
def test_bad_bounds_raise(bounds: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        crs.metric_crs_for_bounds(*bounds)


def test_bad_metric_crs_inputs_name_the_value() -> None:
    with pytest.raises(ValueError, match="85"):
        crs.metric_crs_for(0.0, 85.0)
    with pytest.raises(ValueError, match="200"):
        crs.metric_crs_for(200.0, 0.0)
    with pytest.raises(TypeError, match="str"):
        crs.metric_crs_for("113", 23.0)
    with pytest.raises(TypeError, match="bool"):
        crs.metric_crs_for_bounds(True, 0.0, 1.0, 1.0)


def guangzhou_points(crs_name: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(113.30, 23.10), Point(113.31, 23.10)], crs=crs_name)


def test_to_metric_projects_to_utm_and_keeps_distances() -> None:
    gdf = guangzhou_points()
    metric = crs.to_metric(gdf)
    assert metric.crs.to_epsg() == 32649
    assert metric["name"].tolist() == ["a", "b"]
    assert gdf.crs.to_epsg() == 4326  # input untouched
    planar_m = metric.geometry.iloc[0].distance(metric.geometry.iloc[1])
    geodesic_m = crs.distance_m(113.30, 23.10, 113.31, 23.10)
    assert planar_m == pytest.approx(geodesic_m, rel=1e-3)
    assert crs.to_metric(gdf.geometry).crs.to_epsg() == 32649


def test_to_metric_accepts_other_geographic_crs() -> None:
    assert crs.to_metric(guangzhou_points("EPSG:4490")).crs.to_epsg() == 32649  # CGCS2000


def test_to_metric_refuses_missing_crs() -> None:
    with pytest.raises(ValueError, match="CRS is required"):
        crs.to_metric(guangzhou_points(None))


def test_to_metric_refuses_projected_crs() -> None:
    projected = guangzhou_points().to_crs("EPSG:3857")
    with pytest.raises(ValueError, match="geographic.*Pseudo-Mercator"):
        crs.to_metric(projected)


def test_to_metric_refuses_empty_and_non_geodata() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        crs.to_metric(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"))
    with pytest.raises(TypeError, match="DataFrame"):
        crs.to_metric(guangzhou_points().drop(columns="geometry"))
    with pytest.raises(TypeError, match="list"):
        crs.to_metric([Point(113.3, 23.1)])
