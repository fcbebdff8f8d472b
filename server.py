"""创卫地图 (Hygiene Blackspot Map): the app factory, the command line and the production server.

python server.py [--host 127.0.0.1] [--port 5000] [--data DIR] [--no-demo]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from layers.catalog import load_catalogue
from layers.sqlite_store import SQLiteStore
from web import api, compress, errors, pages
from web.cache import LRUCache

ROOT = Path(__file__).resolve().parent
DEFAULTS = {
    "DATA_DIR": "data",
    "TIMEZONE": "Asia/Shanghai",
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    "MAX_FEATURES_PER_REQUEST": 50_000,
    "MAX_VERTICES": 100_000,
    "DEFAULT_LIMIT": 1000,
    "MAX_LIMIT": 10_000,
    "SQLITE_SYNCHRONOUS": "FULL",
    "DEFAULT_BASEMAP": None,
    "TIANDITU_KEY": "",
    "JSON_AS_ASCII": False,
}


def _basemaps(config: dict) -> tuple[list[dict], str]:
    """Tile presets from ``layers/basemaps.json``; the Tianditu key comes from configuration."""
    presets = json.loads((ROOT / "layers" / "basemaps.json").read_text(encoding="utf-8"))
    out = []
    for preset in presets["presets"]:
        preset = dict(preset)
        if preset.get("needs_key"):
            preset["available"] = bool(config["TIANDITU_KEY"])
            for key in ("url", "overlay_url"):
                if preset.get(key):
                    preset[key] = preset[key].replace("{key}", config["TIANDITU_KEY"])
        else:
            preset["available"] = True
        out.append(preset)
    return out, presets["default"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then ``<data>/config.json`` if present, then ``config``."""
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.update(DEFAULTS)
    data_dir = Path((config or {}).get("DATA_DIR", DEFAULTS["DATA_DIR"]))
    instance = data_dir / "config.json"
    if instance.is_file():
        app.config.update(json.loads(instance.read_text(encoding="utf-8")))
    app.config.update(config or {})
    app.config["TZINFO"] = ZoneInfo(app.config["TIMEZONE"])
    basemaps, default = _basemaps(app.config)
    app.config["BASEMAPS"] = basemaps
    app.config["DEFAULT_BASEMAP"] = app.config["DEFAULT_BASEMAP"] or default

    clock = app.config.get("CLOCK") or (lambda: time.time_ns() // 1000)
    store = SQLiteStore(app.config["DATA_DIR"], synchronous=app.config["SQLITE_SYNCHRONOUS"], clock=clock)
    store.sync_builtin_layers(load_catalogue())
    app.extensions["store"] = store
    app.extensions["clock"] = clock
    app.extensions["points_cache"] = LRUCache(16)

    errors.register(app)
    compress.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    return app


def _warm_point_layers(store) -> None:
    """Read every clustered point layer once so the map's first payload does not wait for it."""
    for layer in store.layers():
        if layer["geometry_types"] == ["Point"] and layer.get("style", {}).get("cluster"):
            store.points(layer["id"], value_property=layer["style"].get("by"))


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="server.py", description="创卫地图 Hygiene Blackspot Map")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    parser.add_argument("--data", default="data", help="data directory (default ./data)")
    parser.add_argument("--no-demo", action="store_true", help="start empty instead of seeding the demo community")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app({"DATA_DIR": args.data})
    store = app.extensions["store"]
    if not args.no_demo and all(layer["feature_count"] == 0 for layer in store.layers()):
        from layers.demo import seed_demo

        print("正在生成示例社区（虚构）… / Seeding the fictional demo community…", flush=True)
        summary = seed_demo(store)
        print(f"示例社区已生成 / demo seeded: {summary}", flush=True)
    from waitress import serve

    threading.Thread(target=_warm_point_layers, args=(store,), daemon=True).start()

    url = f"http://{args.host}:{args.port}/"
    print(f"创卫地图已启动，请在浏览器打开 {url}\nHygiene Blackspot Map is running at {url}", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="chuangwei")
    return 0


if __name__ == "__main__":
    sys.exit(main())
