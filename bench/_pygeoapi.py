"""The baseline a city would otherwise deploy for OGC API – Features on PostGIS: pygeoapi with its PostgreSQL
provider, as a real WSGI server (waitress, like ours) over the same PostGIS table, for ``bench/`` scripts.

pygeoapi and its own packages come with the test dependencies (``requirements-dev.txt`` includes
``bench/requirements-baseline.txt``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import yaml

from layers.store.postgis.connect import parse_url

INSTALL = "python -m pip install -r requirements-dev.txt"


def baseline_env() -> dict:
    """The environment of a baseline process (pygeoapi must be installed)."""
    if importlib.util.find_spec("pygeoapi") is None:
        raise RuntimeError(f"pygeoapi (the baseline) is not installed; run: {INSTALL}")
    return dict(os.environ)


def make_view(url: str, layer_id: str, properties: dict[str, str]) -> str:
    """A plain view of one layer's live features over the store's ``version`` table (``fid``, the typed
    properties, the geometry as stored, so the GiST index ``version_live_geom`` serves its bbox filter), in
    a schema of its own beside the store's; returns that schema."""
    conninfo, own = parse_url(url)
    store_schema = own.get("schema") or "public"
    schema = f"{store_schema}_pygeoapi"
    columns = ", ".join(f"(v.properties ->> '{name}')::{kind} AS \"{name}\"" for name, kind in properties.items())
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        conn.execute(
            f'CREATE OR REPLACE VIEW "{schema}"."{layer_id}" AS SELECT v.fid, {columns}, v.geom FROM'
            f" \"{store_schema}\".version v WHERE v.layer = '{layer_id}' AND v.valid_to IS NULL AND v.op <> 'delete'"
        )
    return schema


def drop_view_schema(url: str, schema: str) -> None:
    conninfo, _ = parse_url(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def write_config(folder: Path, url: str, schema: str, layer_id: str, port: int, bbox) -> Path:
    """pygeoapi's configuration: one collection on the view, up to 10,000 items a page."""
    parts = urlsplit(url)
    local = f"http://127.0.0.1:{port}"
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port}, "url": local, "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8", "language": "en-US", "limits": {"default_items": 10_000, "max_items": 10_000},
            "map": {"url": f"{local}/no-tiles/{{z}}/{{x}}/{{y}}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                               "keywords_type": "theme", "terms_of_service": local, "url": local},
            "license": {"name": "none", "url": local}, "provider": {"name": "bench", "url": local},
            "contact": {"name": "bench"},
        },
        "resources": {layer_id: {
            "type": "collection", "title": layer_id, "description": layer_id, "keywords": ["bench"],
            "extents": {"spatial": {"bbox": list(bbox), "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{
                "type": "feature", "name": "PostgreSQL", "id_field": "fid", "table": layer_id, "geom_field": "geom",
                "data": {"host": parts.hostname, "port": parts.port or 5432, "dbname": parts.path.lstrip("/"),
                         "user": unquote(parts.username or ""), "password": unquote(parts.password or ""),
                         "search_path": [schema, "public"]},
            }],
        }},
    }  # fmt: skip
    path = folder / "pygeoapi.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class PygeoapiServer:
    """pygeoapi's Flask app (``pygeoapi.flask_app:APP``) under waitress with 8 threads, as ours runs."""

    def __init__(self, folder: Path, url: str, schema: str, layer_id: str, port: int, bbox) -> None:
        env = baseline_env()
        config = write_config(folder, url, schema, layer_id, port, bbox)
        openapi = folder / "pygeoapi-openapi.yml"
        command = [sys.executable, "-c", "from pygeoapi import cli; cli()", "openapi", "generate", str(config),
                   "--output-file", str(openapi)]  # fmt: skip
        made = subprocess.run(command, env=env, capture_output=True, text=True)
        if made.returncode != 0:
            raise RuntimeError(f"pygeoapi openapi generate failed:\n{made.stderr[-2000:]}")
        env |= {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        self.port = port
        self._log = open(folder / "pygeoapi.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--host", "127.0.0.1", f"--port={port}", "--threads=8",
             "pygeoapi.flask_app:APP"], env=env, stdout=self._log, stderr=subprocess.STDOUT)  # fmt: skip
        import http.client

        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pygeoapi exited with {self.proc.returncode}; see {folder / 'pygeoapi.log'}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/conformance?f=json")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("pygeoapi did not answer within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()

    def __enter__(self) -> PygeoapiServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
