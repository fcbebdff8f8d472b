"""Broken uploads never reach a 500: every file of the corpus (``upload_corpus.py``: broken XLSX, KML/KMZ,
zips, shapefiles, GeoPackages and OSM extracts, made from valid ones) sent to every route that takes a file
gets a 4xx in the one error shape naming the field, never shows a temporary path, and leaves nothing behind
(no import session, no photo, no change in the store)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.upload_corpus import corpus, valid_xlsx

ROOT = Path(__file__).resolve().parents[2]
CORPUS = corpus(Path(__import__("tempfile").mkdtemp(prefix="cw-corpus-")))
TEMP_PATH = re.compile(r"(/tmp/|cw-import-|[A-Za-z]:\\)")


def post(client, path, data, filename, **fields):
    form = {"file": (io.BytesIO(data), filename)} | fields
    return client.post(path, data=form, content_type="multipart/form-data")


def refused(response, status=422) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    error = response.get_json()["error"]
    assert set(error) >= {"status", "code", "message", "message_zh", "details"} and error["status"] == status
    assert error["details"] and all(d["field"] for d in error["details"])
    texts = json.dumps(error, ensure_ascii=False)
    assert not TEMP_PATH.search(texts), texts
    return error


def footprint(app, store) -> tuple:
    imports = Path(app.config["DATA_DIR"]) / "imports"
    sessions = sorted(p.name for p in imports.iterdir()) if imports.exists() else []
    revisions = [store.version_rows(layer["id"], ())[0] for layer in store.layers()]
    return sessions, revisions, store.photo_fingerprints(), len(store.audit_log(1000))


@pytest.mark.parametrize(("name", "data", "filename"), CORPUS, ids=[c[0] for c in CORPUS])
def test_every_broken_file_is_refused_by_the_import_upload(app, client, store, name, data, filename):
    before = footprint(app, store)
    error = refused(post(client, "/api/imports", data, filename, layer="bins"))
    assert any(d["field"] in ("file", "sheet", "layer") for d in error["details"])
    assert footprint(app, store) == before


def test_the_corpus_starts_from_files_that_import(client):
    """The broken files are broken by the corpus, not already at their source."""
    ok = post(client, "/api/imports", valid_xlsx(), "bins.xlsx", layer="bins")
    assert ok.status_code == 201 and ok.get_json()["counts"]["valid"] == 20


@pytest.mark.parametrize(("name", "data", "filename"), CORPUS[::4], ids=[c[0] for c in CORPUS[::4]])
def test_broken_files_sent_as_photos_are_refused(app, client, store, name, data, filename):
    before = footprint(app, store)
    response = post(client, "/api/photos", data, filename)
    assert 400 <= response.status_code < 500
    refused(response, response.status_code)
    assert footprint(app, store) == before


@pytest.mark.parametrize("name", ["xlsx_billion_laughs_sheet", "shp_mismatched_parts", "osm_pbf_truncated",
                                  "kml_external_entity"])  # fmt: skip
def test_the_import_command_refuses_broken_files_without_a_traceback(tmp_path, name):
    _, data, filename = next(c for c in CORPUS if c[0] == name)
    path = tmp_path / filename
    path.write_bytes(data)
    done = subprocess.run([sys.executable, str(ROOT / "server.py"), "import", str(path), "--layer", "bins",
                           "--data", str(tmp_path / "data")], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "cw-import-" not in done.stderr
