"""``python server.py import``: the preview report, the refused rows as CSV, --commit, and refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from layers.store import default_store_url, open_store

ROOT = Path(__file__).resolve().parents[1]
TAIPEI = ROOT / "tests" / "data" / "taipei" / "trash_can5.csv"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "server.py"), "import", *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=120)  # fmt: skip


def test_preview_then_commit(tmp_path):
    data = str(tmp_path / "data")
    refused = tmp_path / "refused.csv"
    options = '{"extent": [121.45, 24.96, 121.67, 25.22], "mapping": {"name": "路名"}}'
    preview = run(str(TAIPEI), "--layer", "bins", "--data", data, "--options", options, "--refused", str(refused))
    assert preview.returncode == 0, preview.stderr
    assert "行 / rows: 116" in preview.stdout and "preview only" in preview.stdout
    assert "duplicate_row" in preview.stdout and refused.read_text(encoding="utf-8-sig").startswith("行,问题,问题代码")
    done = run(str(TAIPEI), "--layer", "bins", "--data", data, "--options", options, "--commit")
    assert done.returncode == 0, done.stderr
    assert "已导入 / imported" in done.stdout and "→ bins" in done.stdout
    store = open_store(default_store_url(tmp_path / "data"))
    try:
        assert store.import_sessions() == [] and store.layer("bins")["feature_count"] > 0  # no session left behind
    finally:
        store.close()


def test_refusals(tmp_path):
    data = str(tmp_path / "data")
    assert run(str(TAIPEI), "--layer", "nope", "--data", data).returncode == 2
    assert run(str(tmp_path / "missing.csv"), "--layer", "bins", "--data", data).returncode == 2
    bad = run(str(TAIPEI), "--layer", "bins", "--data", data, "--crs", "EPSG:0")
    assert bad.returncode == 2 and "crs" in bad.stderr
    assert run(str(TAIPEI), "--layer", "bins", "--data", data, "--options", "{").returncode == 2
