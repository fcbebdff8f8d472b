"""Check static/js/common/chinacoords.js against geo.crs by running it under node.

Node is a prerequisite of the project, so a missing node fails these tests rather
than skipping them: a silently skipped check would let the two copies drift apart.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from geo import chinacoords

JS_MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "common" / "chinacoords.js"
PAIRS = {
    "wgs84ToGcj02": chinacoords.wgs84_to_gcj02,
    "gcj02ToWgs84": chinacoords.gcj02_to_wgs84,
    "gcj02ToBd09": chinacoords.gcj02_to_bd09,
    "bd09ToGcj02": chinacoords.bd09_to_gcj02,
    "wgs84ToBd09": chinacoords.wgs84_to_bd09,
    "bd09ToWgs84": chinacoords.bd09_to_wgs84,
}
# Reads the module path and the points from argv, prints every result as JSON.
NODE_MISSING = (
    "node is required to test static/js/common/chinacoords.js but was not found on PATH; "
    "install Node.js (it is a project prerequisite)"
)
NODE_SCRIPT = """
import { pathToFileURL } from "node:url";
const [modulePath, pointsJson] = process.argv.slice(-2);
const before = new Set(Object.keys(globalThis));
const mod = await import(pathToFileURL(modulePath).href);
const points = JSON.parse(pointsJson);
const names = %s;
const results = {};
for (const name of names) results[name] = points.map(([lng, lat]) => mod[name](lng, lat));
results.outOfChina = points.map(([lng, lat]) => mod.outOfChina(lng, lat));
const errorName = (f) => { try { f(); return null; } catch (e) { return e.constructor.name; } };
results.errors = [
  errorName(() => mod.wgs84ToGcj02("113.3", 23.1)),
  errorName(() => mod.gcj02ToWgs84(113.3, NaN)),
  errorName(() => mod.bd09ToWgs84(113.3, 91)),
  errorName(() => mod.gcj02ToWgs84(113.3, 23.1, 1e-10, 0)),
  errorName(() => mod.gcj02ToWgs84(113.3, 23.1, 1e-10, 1)),
];
results.exports = Object.keys(mod).sort();
results.newGlobals = Object.keys(globalThis).filter((k) => !before.has(k));
console.log(JSON.stringify(results));
"""


def sample_points() -> list[list[float]]:
    named = [
        [116.397128, 39.916527],  # Tiananmen
        [113.3, 23.1],  # Guangzhou
        [121.4737, 31.2304],  # Shanghai
        [87.6168, 43.8256],  # Urumqi
        [126.535, 45.8038],  # Harbin
        [114.1694, 22.3193],  # Hong Kong, shifted like the mainland
        [105.0, 35.0],  # where sqrt(|lon - 105|) has its kink
        [2.3522, 48.8566],  # Paris, out of China
        [151.2093, -33.8688],  # Sydney, out of China
    ]
    rng = np.random.default_rng(7)
    random = np.column_stack([rng.uniform(73.0, 135.0, 40), rng.uniform(18.0, 53.5, 40)]).tolist()
    return named + random


@pytest.fixture(scope="module")
def js_results() -> dict:
    node = shutil.which("node")
    if node is None:
        return {}  # each test then fails (not errors) with NODE_MISSING
    script = NODE_SCRIPT % json.dumps(list(PAIRS))
    proc = subprocess.run(
        [node, "--input-type=module", "-e", script, str(JS_MODULE), json.dumps(sample_points())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"node failed ({proc.returncode}):\n{proc.stderr}"
    return json.loads(proc.stdout)


def result(js_results: dict, key: str) -> list:
    if not js_results:
        pytest.fail(NODE_MISSING)
    return js_results[key]


@pytest.mark.parametrize("js_name", list(PAIRS))
def test_js_matches_python(js_results: dict, js_name: str) -> None:
    points = np.array(sample_points())
    expected = np.column_stack(PAIRS[js_name](points[:, 0], points[:, 1]))
    got = np.array(result(js_results, js_name), dtype=float)
    assert got.shape == expected.shape
    worst = np.abs(got - expected).max()
    assert worst < 1e-9, f"{js_name}: JS and Python differ by {worst:.3g} deg"


def test_js_out_of_china_matches_python(js_results: dict) -> None:
    points = np.array(sample_points())
    assert result(js_results, "outOfChina") == chinacoords.out_of_china(points[:, 0], points[:, 1]).tolist()


def test_js_rejects_bad_input(js_results: dict) -> None:
    assert result(js_results, "errors") == ["TypeError", "RangeError", "RangeError", "RangeError", "Error"]


def test_js_module_exports_and_leaves_no_globals(js_results: dict) -> None:
    assert result(js_results, "exports") == sorted([*PAIRS, "outOfChina"])
    assert result(js_results, "newGlobals") == []
