"""Views for QGIS: one per live layer, current features only, typed columns from the layer's property schema
and one geometry type, following the layers once made."""

from __future__ import annotations

import pytest

from layers.catalogue import load_catalogue
from layers.store import NewFeature, open_store
from tests.layers.store.store_support import TREES, line, point
from tests.postgis_support import is_postgis

pytestmark = pytest.mark.skipif(not is_postgis(), reason="PostGIS tests run when TEST_STORE_URL is postgresql://…")


@pytest.fixture
def store(backend, clock):
    store = open_store(backend, clock=clock)
    store.sync_builtin_layers(load_catalogue())
    yield store
    with store._db.write() as conn:  # the view schema is the store's neighbour: leave nothing behind
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_qgis" CASCADE')
    store.close()


def _columns(store, view: str) -> dict:
    with store._db.read() as conn:
        rows = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
            " WHERE a.attrelid = %s::regclass AND a.attnum > 0 ORDER BY a.attnum", (view,)
        ).fetchall()
    return dict(rows)


def test_each_layer_gets_a_typed_view_of_its_current_features(store):
    [kept, gone] = store.create("bins", [point(113.3, 23.1, name="一号", capacity_l=240, sorted=True),
                                         point(113.4, 23.1, name="二号")], "t")  # fmt: skip
    store.update("bins", kept.fid, point(113.31, 23.1, name="一号", capacity_l=660, sorted=False), 1, "t")
    store.delete("bins", gone.fid, 1, "t")
    store.create("roads", [line([[113.3, 23.1], [113.31, 23.11]], name="中山路", lit=True, width_m=7.5)], "t")
    made = store.qgis_views()
    schema = made[0].split(".")[0]
    assert f"{schema}.bins" in made and f"{schema}.roads" in made and len(made) == len(store.layers())
    columns = _columns(store, f'"{schema}".bins')
    assert columns["capacity_l"] == "bigint" and columns["sorted"] == "boolean" and columns["name"] == "text"
    assert columns["geom"] == "geometry(Point,4326)" and columns["valid_from"] == "timestamp with time zone"
    assert _columns(store, f'"{schema}".roads')["geom"] == "geometry(MultiLineString,4326)"
    assert _columns(store, f'"{schema}".blackspots')["reported_at"] == "timestamp with time zone"
    with store._db.read() as conn:
        query = f'SELECT fid, version, name, capacity_l, sorted, ST_X(geom) FROM "{schema}".bins'
        rows = conn.execute(query).fetchall()
        road = conn.execute(f'SELECT name, lit, width_m, ST_NumGeometries(geom) FROM "{schema}".roads').fetchone()
    assert rows == [(kept.fid, 2, "一号", 660, False, 113.31)] and road == ("中山路", True, 7.5, 1)


def test_the_views_follow_the_layers_and_can_be_granted(store):
    schema = store.qgis_views(grant_to=_current_role(store))[0].split(".")[0]
    store.create_layer(TREES, "t")
    store.create("trees", [point(113.3, 23.1)], "t")
    with store._db.read() as conn:
        assert conn.execute(f'SELECT count(*) FROM "{schema}".trees').fetchone()[0] == 1
    store.retire_layer("trees", "t")
    with store._db.read() as conn:
        assert conn.execute("SELECT to_regclass(%s)", (f'"{schema}".trees',)).fetchone()[0] is None


def _current_role(store) -> str:
    with store._db.read() as conn:
        return conn.execute("SELECT current_user").fetchone()[0]


def test_an_odd_stored_value_is_null_in_the_view_not_an_error(store):
    store.create("bins", [NewFeature({"type": "Point", "coordinates": [113.3, 23.1]}, {"capacity_l": "big"},
                                     (113.3, 23.1, 113.3, 23.1))], "t")  # fmt: skip
    schema = store.qgis_views()[0].split(".")[0]
    with store._db.read() as conn:
        assert conn.execute(f'SELECT capacity_l FROM "{schema}".bins').fetchall() == [(None,)]
