"""First render of 200,000 points in headless Chromium: our map against the classic approach.

    python bench/bench_map_render.py [--points 200000] [--runs 3] [--baseline-timeout 120]

Seeds a temporary store with one clustered point layer, starts ``server.py --no-demo`` on it, and times
navigation start → ``body[data-ready="1"]`` (the map sets ``data-ready-ms`` to ``performance.now()`` at
that moment) for our map (CWP1 payload + supercluster + canvas). The baseline on the same points is the
classic approach: one GeoJSON FeatureCollection written by geopandas ``GeoDataFrame.to_json()``, loaded
with ``L.geoJSON`` into Leaflet.markercluster 1.5.3 (Leaflet 1.9.4 UMD, both copied from their npm
packages into bench/vendor/), served by a tiny http.server from a temporary folder; timed the same way,
with a timeout. Prints the figures and their ratio, then a Markdown table; asserts nothing. Not a test
(tests/test_bench.py only checks that a tiny run works and prints its table).

The page is waited for with a selector, never ``page.wait_for_function``: that one polls by evaluating a
string in the page, which the server's Content-Security-Policy (no 'unsafe-eval') forbids, so every wait
would fail and the map would look as if it never rendered.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = Path(__file__).resolve().parent / "vendor"
sys.path.insert(0, str(ROOT))

from _common import markdown_table  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
BBOX = (113.27, 23.08, 113.35, 23.14)  # a fictional spread of points around a made-up district
LAYER = {
    "id": "bench_points",
    "title": {"zh-CN": "基准测试点位", "en": "Benchmark points"},
    "geometry_types": ["Point"],
    "editable": True,
    "order": 5,
    "properties": {
        "kind": {"type": "string", "enum": ["a", "b", "c"], "title": {"zh-CN": "类别", "en": "Kind"}},
        "name": {"type": "string", "maxLength": 100, "title": {"zh-CN": "名称", "en": "Name"}},
    },
    "required": [],
    "style": {
        "color": "#4a148c",
        "fillColor": "#8e24aa",
        "fillOpacity": 0.85,
        "weight": 1,
        "radius": 4,
        "cluster": True,
        "by": "kind",
        "classes": {"a": {"fillColor": "#8e24aa"}, "b": {"fillColor": "#00897b"}, "c": {"fillColor": "#f4511e"}},
    },
    "label_property": "name",
    "rules": {},
}

# The baseline page, written into the temporary folder it is served from (no inline scripts there either).
BASELINE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>baseline: GeoJSON + Leaflet.markercluster</title>
<link rel="stylesheet" href="vendor/leaflet-1.9.4/leaflet.css">
<link rel="stylesheet" href="vendor/leaflet.markercluster-1.5.3/MarkerCluster.css">
<link rel="stylesheet" href="vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css">
<link rel="stylesheet" href="baseline.css">
<link rel="icon" href="data:,">
<script src="vendor/leaflet-1.9.4/leaflet.js"></script>
<script src="vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"></script>
<script defer src="baseline.js"></script>
</head><body><div id="map"></div></body></html>
"""
BASELINE_CSS = "html, body, #map { height: 100%; margin: 0; }\n"
BASELINE_JS = """// The classic approach: fetch one GeoJSON FeatureCollection, L.geoJSON it into a markerClusterGroup.
(async () => {
  const map = L.map("map", { maxZoom: 19 }); // markercluster needs a maxZoom (there is no tile layer)
  const data = await (await fetch("points.geojson")).json();
  const group = L.markerClusterGroup();
  group.addLayer(L.geoJSON(data));
  map.addLayer(group);
  map.fitBounds(group.getBounds());
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "1";
  }));
})().catch((error) => console.error(error));
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_points(count: int, seed: int = 7):
    """Clumped fictional points with a style class and a name; the same for both approaches."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = BBOX
    centres = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(60)]
    xs, ys, kinds, names = [], [], [], []
    for n in range(count):
        if n % 4 == 0:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        else:
            cx, cy = centres[n % len(centres)]
            x = min(maxx, max(minx, rng.gauss(cx, 0.004)))
            y = min(maxy, max(miny, rng.gauss(cy, 0.004)))
        xs.append(round(x, 7))
        ys.append(round(y, 7))
        kinds.append("abc"[n % 3])
        names.append(f"点位{n + 1}")
    return xs, ys, kinds, names


def seed_store(data_dir: Path, points) -> None:
    from layers.catalogue import load_catalogue
    from layers.catalogue.schema import check_layer_definition
    from layers.store import NewFeature
    from layers.store.sqlite.store import SQLiteStore

    problems = check_layer_definition(LAYER)
    if problems:
        raise SystemExit(f"bad benchmark layer: {problems}")
    # The page is timed as a reader sees it, so reading is public here (a supported setting); with the
    # default (login required) the same page would first go through the login form.
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "config.json").write_text('{"READ_REQUIRES_LOGIN": false}', encoding="utf-8")
    store = SQLiteStore(data_dir, synchronous="OFF")
    try:
        store.sync_builtin_layers(load_catalogue())
        store.create_layer(LAYER, "bench")
        xs, ys, kinds, names = points
        for start in range(0, len(xs), 50_000):
            batch = [
                NewFeature({"type": "Point", "coordinates": [x, y]}, {"kind": k, "name": nm}, (x, y, x, y))
                for x, y, k, nm in zip(
                    xs[start : start + 50_000],
                    ys[start : start + 50_000],
                    kinds[start : start + 50_000],
                    names[start : start + 50_000],
                )
            ]
            store.create(LAYER["id"], batch, "bench")
    finally:
        store.close()


def write_baseline(folder: Path, points) -> int:
    """The baseline page, the vendored libraries and points.geojson (geopandas to_json); returns its size."""
    import geopandas

    xs, ys, kinds, names = points
    frame = geopandas.GeoDataFrame(
        {"kind": kinds, "name": names}, geometry=geopandas.points_from_xy(xs, ys), crs="EPSG:4326"
    )
    text = frame.to_json()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "points.geojson").write_text(text, encoding="utf-8")
    (folder / "index.html").write_text(BASELINE_HTML, encoding="utf-8")
    (folder / "baseline.css").write_text(BASELINE_CSS, encoding="utf-8")
    (folder / "baseline.js").write_text(BASELINE_JS, encoding="utf-8")
    shutil.copytree(VENDOR, folder / "vendor")
    return len(text.encode("utf-8"))


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if json.loads(response.read()).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit("server.py did not become healthy")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the benchmark output readable
        pass


def time_first_render(browser, url: str, timeout_s: float) -> tuple[float | None, dict]:
    """ms from navigation start to body[data-ready=1] (None on timeout), plus details from the page."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    started = time.perf_counter()
    details: dict = {}
    try:
        page.goto(url, timeout=timeout_s * 1000)
        page.wait_for_selector("body[data-ready]", state="attached", timeout=timeout_s * 1000)
        ready = page.get_attribute("body", "data-ready")
        if ready != "1":
            raise RuntimeError(f"the page finished with data-ready={ready!r}")
        ready_ms = float(page.get_attribute("body", "data-ready-ms"))
        details["timing"] = page.evaluate("document.querySelector('.layer-row[data-timing]')?.dataset.timing ?? null")
        details["clusters"] = page.evaluate("document.querySelectorAll('.marker-cluster, .cluster-badge').length")
    except Exception as exc:  # noqa: BLE001 - a timeout is a result here, not a crash
        ready_ms = None
        details["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    details["wall_s"] = time.perf_counter() - started
    details["errors"] = errors
    context.close()
    return ready_ms, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3, help="page loads of our map (the first is cold; median)")
    parser.add_argument("--baseline-timeout", type=float, default=120.0, help="seconds")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        tmp = Path(tmp)
        print(f"seeding {args.points:,} points …", flush=True)
        points = make_points(args.points)
        seed_store(tmp / "data", points)
        geojson_bytes = write_baseline(tmp / "baseline", points)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(tmp / "server.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(
            [
                sys.executable,
                "server.py",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data",
                str(tmp / "data"),
                "--no-demo",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp / "baseline")))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            wait_healthy(url, server)
            request = urllib.request.Request(
                f"{url}/api/layers/{LAYER['id']}/points", headers={"Accept-Encoding": "gzip"}
            )
            with urllib.request.urlopen(request) as response:
                cwp1_gzip_bytes = len(response.read())
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                ours = []
                for run in range(args.runs):
                    ms, details = time_first_render(browser, url + "/", 60)
                    ours.append(ms)
                    print(f"ours run {run + 1}: {ms if ms is not None else 'timeout'} ms  {details}", flush=True)
                base_url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
                base_ms, base_details = time_first_render(browser, base_url, args.baseline_timeout)
                print(f"baseline: {base_ms if base_ms is not None else 'timeout'} ms  {base_details}", flush=True)
                browser.close()
        finally:
            httpd.shutdown()
            server.terminate()
            server.wait(timeout=15)
            log.close()

    done = [ms for ms in ours if ms is not None]
    print()
    print(
        f"points: {args.points:,}; payload CWP1 (gzip) {cwp1_gzip_bytes / 1e6:.2f} MB vs GeoJSON "
        f"{geojson_bytes / 1e6:.1f} MB (uncompressed, loopback)"
    )
    if not done:
        print("our map: did not render")
        return 1
    median = statistics.median(done)
    print(
        f"our map (CWP1 + supercluster + canvas): first render {median:.0f} ms "
        f"(median of {len(done)}; runs {', '.join(f'{ms:.0f}' for ms in done)})"
    )
    if base_ms is None:
        baseline = f"no render within {args.baseline_timeout:.0f} s"
        render_ratio = f"> {args.baseline_timeout * 1000 / median:.0f}x"
        print(f"baseline (GeoJSON + Leaflet.markercluster 1.5.3): {baseline} → ratio {render_ratio}")
    else:
        baseline, render_ratio = f"{base_ms:.0f} ms", f"{base_ms / median:.1f}x"
        print(f"baseline (GeoJSON + Leaflet.markercluster 1.5.3): first render {base_ms:.0f} ms")
        print(f"ratio baseline / ours: {base_ms / median:.1f}×")
    print()
    print(f"## first render of {args.points:,} points in headless Chromium\n")
    print(markdown_table(
        ["measure", "ours (CWP1 + supercluster + canvas)", "baseline (GeoJSON + Leaflet.markercluster)",
         "ratio (baseline / ours)", "target ≤ 2 s met?"],
        [["navigation start → first render", f"{median:.0f} ms (median of {len(done)})", baseline, render_ratio,
          "yes" if median <= 2000 else "no"],
         ["payload over the wire", f"{cwp1_gzip_bytes / 1e6:.2f} MB (gzip)", f"{geojson_bytes / 1e6:.2f} MB",
          f"{geojson_bytes / max(cwp1_gzip_bytes, 1):.1f}x", "—"]],
    ))  # fmt: skip
    return 0

if __name__ == "__main__":
    sys.exit(main())
