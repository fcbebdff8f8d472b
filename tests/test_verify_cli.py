"""``python server.py verify``: recomputes the history's hash chains, prints the head hash that exports,
reports and backups state, and names a row edited directly in the database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server import create_app
from tests.conftest import make_user, token_client
from tests.postgis_support import data_dir_on_test_store, inspect_store

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "server.py", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)  # fmt: skip


@pytest.fixture
def data(tmp_path):
    with data_dir_on_test_store(tmp_path / "data"):
        yield str(tmp_path / "data")


def test_verify_prints_the_head_that_exports_and_reports_state_then_names_an_edited_row(data, tmp_path):
    app = create_app({"DATA_DIR": data})
    client = token_client(app, make_user(app, "ops", "admin"))
    bins = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.3 + i / 100, 23.1]},
             "properties": {"name": f"桶{i}"}} for i in range(3)]  # fmt: skip
    ids = [client.post("/api/layers/bins/features", json=b).get_json()["id"] for b in bins]
    exported = client.get("/api/layers/bins/export?format=csv")
    head_at_export = exported.headers["X-History-Head"]
    assert len(head_at_export) == 64
    period = "from=2020-01-01&to=2030-01-01"
    report = client.get(f"/api/report?{period}").get_json()
    assert "history_head" in report, report
    assert report["history_head"] != head_at_export  # the export's own audit entry came after
    assert report["history_head"] in client.get(f"/api/report.html?{period}").get_data(as_text=True)
    app.extensions["store"].close()

    done = run("verify", "--data", data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].endswith(app_head(data))

    backup = run("backup", str(tmp_path / "copy.bak"), "--data", data)
    if backup.returncode == 0:  # a store with the maintenance port states the head in its backup's output
        assert app_head(data) in backup.stdout

    conn = inspect_store(create_app({"DATA_DIR": data}))
    conn.execute("UPDATE version SET author = 'mallory' WHERE fid = ?", (ids[1],))
    conn.close()
    broken = run("verify", "--data", data)
    assert broken.returncode == 1
    assert "version" in broken.stderr and "changed" in broken.stderr, broken.stderr


def app_head(data: str) -> str:
    app = create_app({"DATA_DIR": data})
    try:
        return app.extensions["store"].chain_head()["head"]
    finally:
        app.extensions["store"].close()
