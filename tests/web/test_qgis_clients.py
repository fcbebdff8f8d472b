"""QGIS itself, headless (Debian's ``python3-qgis``, driven as a subprocess by ``qgis_reader.py``), on a real
deployment: every built-in layer with features (a value of every property) on a PostGIS store with the
read-only role and its views (``server.py qgis-views --grant ROLE``), and ``server.py`` serving the same data
at ``/ogc``.

QGIS opens every view as a layer through a plain PostGIS connection as that role, and every collection through
its OAPIF provider with a Basic authentication configuration (the user name and an API token) made in a
throwaway profile; it reads every feature of every layer, and the counts, ids, geometry types and typed
columns are those of the API. The role may read the views and nothing else. The store is a throwaway cluster
the test makes (creating a role needs a superuser, which the test database's owner is not).

Refusals are not asked of QGIS: headless QGIS 3.22 crashes on a 401 (it reaches for its credentials dialog).
A wrong user name or token is refused to GDAL (``test_ogc_clients.py``) and to the test client
(``test_basic_auth.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import psycopg
import pytest

from layers.store import NewFeature, open_store
from tests.durability._support import ServerProcess, cli, create_token
from tests.postgis_support import ThrowawayCluster, is_postgis

pytestmark = pytest.mark.skipif(
    not is_postgis(), reason="QGIS on PostGIS runs in the PostGIS pass (TEST_STORE_URL=postgresql://…)"
)
SYSTEM_PYTHON = "/usr/bin/python3"
READER = Path(__file__).with_name("qgis_reader.py")
ROLE, ROLE_PASSWORD = "planner_qgis", "qgis-read-only-1"
QGIS_TIMEOUT_S = 300
# The QGIS type name of each JSON schema type in a view's column (PostGIS) and in an OAPIF field.
POSTGIS_TYPES = {"string": "text", "integer": "int8", "number": "float8", "boolean": "bool", "datetime": "timestamptz"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if not Path(SYSTEM_PYTHON).is_file() or subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, env=_qgis_env()
    ).returncode != 0:
        pytest.fail("Debian's python3-qgis is not installed (apt-get install python3-qgis)", pytrace=False)
    cluster = ThrowawayCluster()
    data = tmp_path_factory.mktemp("qgis-data")
    (data / "config.json").write_text(json.dumps({"STORE_URL": cluster.url}), encoding="utf-8")
    server = None
    try:
        with psycopg.connect(cluster.url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{ROLE_PASSWORD}'")
        token = create_token(data, "qgis-reader", role="leader")  # the command also makes the built-in layers
        _fill(cluster.url)
        server = ServerProcess.start(data, tmp_path_factory.getbasetemp() / "qgis-server.log")
        views = cli("qgis-views", "--grant", ROLE, data_dir=data)
        assert views.returncode == 0, views.stderr
        yield {"cluster": cluster, "server": server, "token": token, "profile": tmp_path_factory.mktemp("qgis-profile")}
    finally:
        if server is not None:
            server.stop()
        cluster.remove()


def _sample_value(schema: dict, i: int):
    if schema.get("enum"):
        return schema["enum"][i % len(schema["enum"])]
    return {"integer": i * 7, "number": i * 0.5 + 0.25, "boolean": i % 2 == 0,
            "datetime": f"2026-03-{1 + i % 28:02d}T08:00:00+08:00"}.get(schema.get("type"), f"样例 {i}")  # fmt: skip


def _sample_geometry(kind: str, i: int) -> tuple[dict, tuple]:
    x, y = 113.32 + (i % 10) * 1e-3, 23.12 + (i // 10) * 1e-3
    if kind == "Point":
        return {"type": "Point", "coordinates": [x, y]}, (x, y, x, y)
    if kind == "LineString":
        return {"type": "LineString", "coordinates": [[x, y], [x + 5e-4, y + 2e-4]]}, (x, y, x + 5e-4, y + 2e-4)
    ring = [[x, y], [x + 3e-4, y], [x + 3e-4, y + 3e-4], [x, y + 3e-4], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}, (x, y, x + 3e-4, y + 3e-4)


def _fill(url: str, per_layer: int = 30) -> None:
    """Every built-in layer with features of its first geometry type and a value of every property, some
    changed and one deleted (the views and collections show the current features only)."""
    store = open_store(url)
    try:
        for layer in store.layers():
            features = []
            for i in range(per_layer):
                geometry, bbox = _sample_geometry(layer["geometry_types"][0], i)
                props = {name: _sample_value(schema, i) for name, schema in layer["properties"].items()}
                features.append(NewFeature(geometry, props, bbox))
            first, second = store.create(layer["id"], features, "test")[:2]
            store.update(layer["id"], first.fid, features[-1], 1, "test")
            store.delete(layer["id"], second.fid, 1, "test")
    finally:
        store.close()


def _qgis_env() -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp", "PYTHONPATH": ""}


def read_with_qgis(profile: Path, layers: list[dict]) -> dict:
    result = subprocess.run([SYSTEM_PYTHON, str(READER)], input=json.dumps({"profile": str(profile), "layers": layers}),
                            capture_output=True, text=True, timeout=QGIS_TIMEOUT_S, env=_qgis_env())  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def api(deployment, path: str):
    url = f"http://127.0.0.1:{deployment['server'].port}{path}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {deployment['token']}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def api_ids(deployment, layer_id: str) -> list[int]:
    return sorted(f["id"] for f in api(deployment, f"/api/layers/{layer_id}/features?limit=10000")["features"])


def _geometry_kinds(types) -> set[str]:
    return {t.replace("Multi", "") for t in types}


def test_qgis_opens_every_view_as_the_read_only_role(deployment):
    cluster = deployment["cluster"]
    layers = api(deployment, "/api/layers")["layers"]
    uri = (f"dbname='chuangwei' host=127.0.0.1 port={cluster.port} user='{ROLE}' password='{ROLE_PASSWORD}'"
           " sslmode=disable key='fid' srid=4326 table=\"qgis\".\"{}\" (geom)")  # fmt: skip
    found = read_with_qgis(deployment["profile"], [
        {"name": layer["id"], "provider": "postgres", "uri": uri.format(layer["id"])} for layer in layers
    ])  # fmt: skip
    for layer in layers:
        read = found[layer["id"]]
        assert read["valid"], (layer["id"], read["error"])
        assert layer["feature_count"] > 0 and read["features"] == layer["feature_count"], layer["id"]
        assert read["ids"] == api_ids(deployment, layer["id"]), layer["id"]
        assert _geometry_kinds(read["geometry_types"]) <= _geometry_kinds(layer["geometry_types"]), layer["id"]
        assert len(set(read["geometry_types"])) == 1, layer["id"]  # one declared type per view
        for name, schema in layer["properties"].items():
            expected = POSTGIS_TYPES.get(schema.get("type"))
            if expected:
                assert read["fields"][name] == expected, (layer["id"], name, read["fields"][name])
    # The role reads the views and nothing else: not the history, not the accounts.
    with psycopg.connect(cluster.url.replace("postgres@", f"{ROLE}:{ROLE_PASSWORD}@"), autocommit=True) as conn:
        for table in ("public.version", "public.app_user", "public.token"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1")


def test_qgis_reads_every_collection_through_oapif_with_basic_auth(deployment):
    base = f"http://127.0.0.1:{deployment['server'].port}/ogc"
    layers = api(deployment, "/api/layers")["layers"]
    specs = [{"name": layer["id"], "provider": "OAPIF", "uri": f"url='{base}' typename='{layer['id']}'",
              "basic": ["qgis-reader", deployment["token"]]} for layer in layers]  # fmt: skip
    found = read_with_qgis(deployment["profile"], specs)
    for layer in layers:
        read = found[layer["id"]]
        assert read["valid"], (layer["id"], read["error"])
        assert read["features"] == layer["feature_count"] > 0, layer["id"]  # (QGIS numbers OAPIF features itself)
        assert _geometry_kinds(read["geometry_types"]) <= _geometry_kinds(layer["geometry_types"]), layer["id"]
        assert set(layer["properties"]) <= set(read["fields"]), layer["id"]

