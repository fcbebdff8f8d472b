"""创卫地图 (Hygiene Blackspot Map): the app factory, the command line and the production server.

python server.py [--host 127.0.0.1] [--port 5000] [--data DIR] [--store URL] [--no-demo] [--threads 8]
python server.py create-user NAME --role ROLE [--data DIR] [--store URL] [--password-stdin] [--grid CODE ...]
python server.py backup FILE [--data DIR] [--store URL]
python server.py restore FILE [--data DIR] [--store URL]
python server.py migrate-schema [--data DIR] [--store URL]
python server.py qgis-views [--grant ROLE] [--data DIR] [--store URL]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from layers import i18n
from layers.accounts import CASE_LAYER
from layers.cases import parse_area
from layers.cases.categories import BUILTIN as BUILTIN_CATEGORIES
from layers.cases.categories import case_layer_definition
from layers.cases.places import Places
from layers.catalogue import load_catalogue
from layers.inspections import BUILTIN as BUILTIN_CHECKLISTS
from layers.leaders import Leaders
from layers.store import (
    DataDirLock,
    Maintenance,
    Store,
    StoreInUse,
    StoreUrlError,
    check_backup,
    migrate_schema,
    open_store,
    store_url,
)
from web import analysis, api, auth, cases, compress, errors, leaders, ogc, open311, pages, photos, security, users
from web import inspections as inspections_web
from web import public_reports as reports
from web.areas import bp as areas_bp
from web.cache import LRUCache
from web.exports import bp as exports_bp
from web.imports import bp as imports_bp
from web.imports import page_bp as import_page_bp
from web.leaders_report import bp as report_bp
from web.leaders_report import page_bp as report_page_bp
from web.params import IdConverter

ROOT = Path(__file__).resolve().parent
DEFAULTS = {
    "DATA_DIR": "data",
    "STORE_URL": None,  # None: sqlite:///<DATA_DIR>/chuangwei.sqlite3
    "TIMEZONE": "Asia/Shanghai",
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    "MAX_FEATURES_PER_REQUEST": 50_000,
    "MAX_VERTICES": 100_000,
    "DEFAULT_LIMIT": 1000,
    "CITY_NAME": "",
    "MAX_LIMIT": 10_000,
    "SQLITE_SYNCHRONOUS": "FULL",
    "DEFAULT_BASEMAP": None,
    "TIANDITU_KEY": "",
    "READ_REQUIRES_LOGIN": True,
    "OPEN311_PUBLIC_READS": False,
    "PUBLIC_REPORTS": False,
    "PUBLIC_REPORTS_PER_HOUR": 10,
    "SERVICE_AREA": None,
    "QUOTA_REPORTS_PER_DAY": 300,
    "QUOTA_PHOTOS_PER_DAY": 1000,
    "SERVICE_AREA_MARGIN_M": 1000,
    "SESSION_MAX_AGE_S": 14 * 24 * 3600,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "cw_session",
    "TRUSTED_PROXIES": 0,
    "PUBLIC_URL": "",
    "LOGIN_WINDOW_S": 24 * 3600,
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_FREE_FAILURES_PER_IP": 30,
    "LOGIN_DELAY_S": 30,
    "LOGIN_MAX_DELAY_S": 3600,
    "JSON_AS_ASCII": False,
    "PHOTO_MAX_BYTES": 20 * 1024 * 1024,
    "PHOTO_MAX_PIXELS": 60_000_000,
    "IMPORT_MAX_BYTES": 200 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 2_000_000,
    "IMPORT_TTL_S": 24 * 3600,
    "IMPORT_MAX_UNZIPPED_BYTES": 200 * 1024 * 1024,
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


def _sync_catalogue(store: Store) -> None:
    """Built-in layers and categories into the store; the case layer's category list follows the stored
    category table, which may hold local codes added since."""
    store.seed_categories(BUILTIN_CATEGORIES)
    store.seed_checklists(BUILTIN_CHECKLISTS)
    definitions = [
        case_layer_definition(d, store.categories()) if d["id"] == CASE_LAYER else d for d in load_catalogue()
    ]
    store.sync_builtin_layers(definitions)


def load_config(config: dict | None = None) -> dict:
    """The settings: defaults, then ``<data>/config.json`` if present, then the environment's ``STORE_URL``,
    then ``config`` (a test's, or the command line's)."""
    merged = dict(DEFAULTS)
    data_dir = Path((config or {}).get("DATA_DIR", DEFAULTS["DATA_DIR"]))
    instance = data_dir / "config.json"
    if instance.is_file():
        merged.update(json.loads(instance.read_text(encoding="utf-8")))
    if os.environ.get("STORE_URL"):
        merged["STORE_URL"] = os.environ["STORE_URL"]
    merged.update(config or {})
    return merged


def _open_store(config: dict, clock=None) -> Store:
    """The store ``STORE_URL`` names (by default today's SQLite file in ``DATA_DIR``)."""
    return open_store(store_url(config), clock=clock, sqlite_synchronous=config["SQLITE_SYNCHRONOUS"])


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then ``<data>/config.json`` if present, then ``STORE_URL`` from the
    environment, then ``config``. A ``STORE_URL`` that names no store raises StoreUrlError."""
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/static")
    app.config.update(load_config(config))
    app.config["TZINFO"] = ZoneInfo(app.config["TIMEZONE"])
    app.config["SERVICE_AREA"] = parse_area(app.config["SERVICE_AREA"])
    public = urlsplit(app.config["PUBLIC_URL"] or "")
    if app.config["PUBLIC_URL"] and (public.scheme not in ("http", "https") or not public.netloc or public.query):
        raise ValueError(f"PUBLIC_URL must be http(s)://host[:port][/path], got {app.config['PUBLIC_URL']!r}")
    basemaps, default = _basemaps(app.config)
    app.config["BASEMAPS"] = basemaps
    app.config["DEFAULT_BASEMAP"] = app.config["DEFAULT_BASEMAP"] or default
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    clock = app.config.get("CLOCK") or (lambda: time.time_ns() // 1000)
    store = _open_store(app.config, clock)
    _sync_catalogue(store)
    app.extensions["store"] = store
    app.extensions["places"] = Places()
    app.extensions["leaders"] = Leaders()
    app.extensions["clock"] = clock
    app.extensions["points_cache"] = LRUCache(16)

    app.url_map.converters["id"] = IdConverter
    errors.register(app)
    auth.register(app)
    security.register(app)
    compress.register(app)
    for blueprint in (api.bp, areas_bp, auth.bp, users.bp, reports.bp, analysis.bp, cases.bp, photos.bp, leaders.bp,
                      ogc.bp, open311.bp, pages.bp, imports_bp, import_page_bp, exports_bp, report_bp,
                      report_page_bp, inspections_web.bp):  # fmt: skip
        app.register_blueprint(blueprint)
    return app


# -- command line ---------------------------------------------------------------------------------


def _error(detail: str) -> str:
    """A command's error line: the bilingual label 'error', then ``detail``."""
    return f"{i18n.bilingual('console.error.label')}: {detail}"


def _help(key: str) -> str:
    """A command-line help text in both languages (Chinese first)."""
    return " / ".join(i18n.pair(key))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="server.py", description=" ".join(i18n.pair("console.parser.description")))
    parser.add_argument("--data", default="data", help=_help("console.help.data"))
    parser.add_argument("--store", help=_help("console.help.store"))
    parser.add_argument("--host", default="127.0.0.1", help=_help("console.help.host"))
    parser.add_argument("--port", type=int, default=5000, help=_help("console.help.port"))
    parser.add_argument("--no-demo", action="store_true", help=_help("console.help.no_demo"))
    parser.add_argument("--threads", type=int, default=8, help=_help("console.help.threads"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    create = commands.add_parser("create-user", help=_help("console.help.create_user"))
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["admin", "planner", "leader", "field_worker"])
    create.add_argument("--display-name")
    create.add_argument("--grid", nargs="*", default=[], metavar="CODE", help=_help("console.help.grid"))
    create.add_argument("--password-stdin", action="store_true", help=_help("console.help.password_stdin"))
    create.add_argument("--data", default=argparse.SUPPRESS)
    create.add_argument("--store", default=argparse.SUPPRESS)
    imp = commands.add_parser("import", help=_help("console.help.import"))
    imp.add_argument("file")
    imp.add_argument("--layer", required=True, help=_help("console.help.layer"))
    imp.add_argument("--crs", help=_help("console.help.crs"))
    imp.add_argument("--sheet", help=_help("console.help.sheet"))
    imp.add_argument("--source-layer", help=_help("console.help.source_layer"))
    imp.add_argument("--options", default="{}", help=_help("console.help.options"))
    imp.add_argument("--refused", metavar="CSV", help=_help("console.help.refused"))
    imp.add_argument("--commit", action="store_true", help=_help("console.help.commit"))
    imp.add_argument("--data", default=argparse.SUPPRESS)
    imp.add_argument("--store", default=argparse.SUPPRESS)
    for name, text in (
        ("backup", _help("console.help.backup")),
        ("restore", _help("console.help.restore")),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("file")
        sub.add_argument("--data", default=argparse.SUPPRESS)
        sub.add_argument("--store", default=argparse.SUPPRESS)
    verify = commands.add_parser("verify", help=_help("console.help.verify"))
    verify.add_argument("--data", default=argparse.SUPPRESS)
    verify.add_argument("--store", default=argparse.SUPPRESS)
    migrate = commands.add_parser("migrate-schema", help=_help("console.help.migrate_schema"))
    migrate.add_argument("--data", default=argparse.SUPPRESS)
    migrate.add_argument("--store", default=argparse.SUPPRESS)
    move = commands.add_parser("migrate", help=" / ".join(i18n.pair("console.migrate.help")))
    move.add_argument("--from", dest="source", required=True, metavar="URL",
                      help=" / ".join(i18n.pair("console.migrate.from_help")))
    move.add_argument("--to", dest="target", required=True, metavar="URL",
                      help=" / ".join(i18n.pair("console.migrate.to_help")))  # fmt: skip
    city = commands.add_parser("demo-city", help=_help("console.help.demo_city"))
    city.add_argument("--scale", type=float, default=1.0, help=_help("console.help.scale"))
    city.add_argument("--seed", type=int, default=2026)
    city.add_argument("--data", default=argparse.SUPPRESS)
    city.add_argument("--store", default=argparse.SUPPRESS)
    views = commands.add_parser("qgis-views", help=_help("console.help.qgis_views"))
    views.add_argument("--grant", metavar="ROLE", help=_help("console.help.grant"))
    views.add_argument("--data", default=argparse.SUPPRESS)
    views.add_argument("--store", default=argparse.SUPPRESS)
    return parser


def _args_config(args) -> dict:
    """The settings for a command: ``--data`` and, when given, ``--store`` over the configuration."""
    return load_config({"DATA_DIR": args.data} | ({"STORE_URL": args.store} if args.store else {}))


def _store(args) -> Store:
    store = _open_store(_args_config(args))
    _sync_catalogue(store)
    return store


def _maintained(args) -> Maintenance:
    store = _store(args)
    if not isinstance(store, Maintenance):
        raise NotImplementedError(f"the store {store_url(_args_config(args))} has no backup and restore")
    return store


def _migrate_schema(args) -> int:
    applied = migrate_schema(store_url(_args_config(args)))
    if applied:
        print(i18n.bilingual("console.schema.applied", names=", ".join(applied)))
    else:
        print(i18n.bilingual("console.schema.up_to_date"))
    return 0


def _demo_city(args) -> int:
    from layers.demo.city import DiskTooSmall, NotEmpty, generate_city

    try:
        summary = generate_city(_store(args), scale=args.scale, seed=args.seed, data_dir=args.data,
                                progress=lambda text: print(text, flush=True))  # fmt: skip
    except (NotEmpty, DiskTooSmall, ValueError) as exc:
        keys = {NotEmpty: "console.demo_city.not_empty", DiskTooSmall: "console.demo_city.disk"}
        key = keys.get(type(exc), "console.demo_city.scale")
        print(_error(i18n.bilingual(key, detail=str(exc))), file=sys.stderr)
        return 2
    counts = ", ".join(f"{layer} {n}" for layer, n in summary["layers"].items())
    print(i18n.bilingual("console.demo_city.written", name=summary["name"], counts=counts, data=args.data))
    return 0


def _qgis_views(args) -> int:
    store = _store(args)
    if not hasattr(store, "qgis_views"):
        print(_error(i18n.bilingual("console.qgis.no_views", store=store.key)), file=sys.stderr)
        return 1
    made = store.qgis_views(grant_to=args.grant)
    print(i18n.bilingual("console.qgis.views_made", names=", ".join(made)))
    return 0


def _migrate(args) -> int:
    """Copy a whole store into an empty one and print what both sides hold (they agree, or nothing is kept)."""
    from layers.store import CopyMismatch, TargetNotEmpty, Transfer, copy_store

    source, target = open_store(args.source), open_store(args.target)
    try:
        if source.key == target.key:
            print(_error(i18n.bilingual("console.migrate.same_store")), file=sys.stderr)
            return 2
        for store in (source, target):
            if not isinstance(store, Transfer):
                print(_error(i18n.bilingual("console.migrate.no_transfer", store=store.key)), file=sys.stderr)
                return 2
        if not any(source.record_counts().values()):
            print(_error(i18n.bilingual("console.migrate.source_empty", store=source.key)), file=sys.stderr)
            return 2
        print(i18n.bilingual("console.migrate.copying", source=source.key, target=target.key), flush=True)
        try:
            report = copy_store(source, target)
        except TargetNotEmpty as exc:
            print(_error(i18n.bilingual("console.migrate.not_empty", counts=exc)), file=sys.stderr)
            return 1
        except CopyMismatch as exc:
            print(_error(i18n.bilingual("console.migrate.mismatch", differences=exc)), file=sys.stderr)
            return 1
        except (OSError, ValueError, RuntimeError) as exc:
            print(_error(i18n.bilingual("console.migrate.failed", reason=exc)), file=sys.stderr)
            return 1
        print(f"{i18n.bilingual('console.migrate.records')}: "
              + ", ".join(f"{kind} {n}" for kind, n in report.target.counts.items()))  # fmt: skip
        for layer, (versions, checksum) in report.target.layer_checksums().items():
            print("  " + i18n.bilingual("console.migrate.layer", layer=layer, versions=versions, checksum=checksum))
        print(i18n.bilingual("console.migrate.done"))
        return 0
    finally:
        source.close()
        target.close()


def _create_user(args) -> int:
    from layers.accounts import TOKEN_PREFIX, check_new_user, hash_password, new_secret, secret_hash
    from layers.store import UserExists

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    record = {"name": args.name, "role": args.role, "grid_codes": args.grid}
    problems = check_new_user(
        record | ({"password": password} if password is not None else {}), partial=password is None
    )
    if problems:
        for problem in problems:
            print(_error(f"{problem['field']}: {problem['reason']}"), file=sys.stderr)
        return 2
    store = _store(args)
    try:
        user = store.create_user(
            args.name,
            args.role,
            hash_password(password) if password else None,
            display_name=args.display_name,
            grid_codes=args.grid,
            actor="command-line",
        )
    except UserExists:
        print(_error(i18n.text("console.user.exists", "en", name=args.name)), file=sys.stderr)
        return 1
    secret = new_secret(TOKEN_PREFIX)
    store.add_token(user["id"], "command-line", secret_hash(secret))
    print(
        f"{i18n.bilingual('console.user.created')} {user['name']} ({user['role']})"
        + ("" if password else f"; {i18n.bilingual('console.user.no_password')}")
    )
    print(f"{i18n.bilingual('console.user.token')}:")
    print(secret)
    return 0


def _backup(args) -> int:
    try:
        store = _maintained(args)
        head = store.chain_head()["head"]  # the history as sealed when the copy began
        summary = store.backup(args.file)
    except (OSError, RuntimeError, NotImplementedError) as exc:
        print(_error(str(exc)), file=sys.stderr)
        return 1
    print(f"{i18n.bilingual('console.backup.written')}: {summary['file']} ({summary['bytes']} bytes, "
          f"{summary['versions']} versions)")
    print(f"{i18n.bilingual('console.verify.head_at_backup')}: {head}")
    return 0


def _verify(args) -> int:
    """Recompute the history's hash chains; print the head, or the first row that breaks each chain."""
    store = _open_store(_args_config(args))  # read only: no catalogue sync, nothing sealed on the way
    try:
        report = store.verify_chain()
    finally:
        store.close()
    if report["ok"]:
        rows = ", ".join(f"{table} {count}" for table, count in report["rows"].items())
        print(f"{i18n.bilingual('console.verify.ok')} ({rows})")
        print(f"{i18n.bilingual('console.verify.head')}: {report['head']}")
        return 0
    for problem in report["problems"]:
        print(_error(i18n.text("console.verify.broken", "en", table=problem["table"], id=problem["id"],
                               reason=problem["reason"])), file=sys.stderr)  # fmt: skip
    return 1


def _restore(args) -> int:
    try:
        check_backup(store_url(_args_config(args)), args.file)  # before touching (or creating) the target store
    except (OSError, ValueError, NotImplementedError) as exc:
        print(_error(str(exc)), file=sys.stderr)
        return 1
    with DataDirLock(args.data) as held:
        if not held:
            print(_error(i18n.text("console.restore.server_running", "en")), file=sys.stderr)
            return 1
        try:
            summary = _maintained(args).restore(args.file)
        except StoreInUse:
            print(_error(i18n.bilingual("console.restore.store_in_use")), file=sys.stderr)
            return 1
    print(f"{i18n.bilingual('console.restore.done')} {summary['file']}: {summary['versions']} versions")
    return 0


def _import(args) -> int:
    from layers.imports.cli import run_import

    try:
        options = json.loads(args.options)
    except ValueError as exc:
        print(_error(f"--options: {exc}"), file=sys.stderr)
        return 2
    given = {"layer": args.layer, "crs": args.crs, "sheet": args.sheet, "source_layer": args.source_layer}
    options = {**options, **{k: v for k, v in given.items() if v is not None}}
    instance = Path(args.data) / "config.json"
    config = json.loads(instance.read_text(encoding="utf-8")) if instance.is_file() else {}
    tz = ZoneInfo(config.get("TIMEZONE", DEFAULTS["TIMEZONE"]))
    status, lines = run_import(_store(args), tz, args.file, options, commit=args.commit,
                               refused=args.refused)  # fmt: skip
    print("\n".join(lines), file=sys.stdout if status == 0 else sys.stderr)
    return status


def _announce_accounts(store: Store, data: str, demo_users: list | None) -> None:
    if demo_users:
        lines = [f"    {name:<10} {role:<13} {password}" for name, role, password in demo_users]
        print(
            "\n".join(
                [
                    "!" * 72,
                    *(f"!! {line}" for line in i18n.pair("console.demo.public_passwords")),
                    *lines,
                    "!" * 72,
                ]
            ),
            flush=True,
        )
    elif not store.users():
        print(
            f"{i18n.bilingual('console.users.none')}:\n"
            f"    python server.py create-user admin --role admin --data {data} --password-stdin",
            flush=True,
        )


def _warm_caches(app: Flask) -> None:
    """Read every clustered point layer once, so the map's first payload does not wait for it (the leaders'
    figures need no warming: they read the instants they show from the store's indexes)."""
    store = app.extensions["store"]
    for layer in store.layers():
        if layer["geometry_types"] == ["Point"] and layer.get("style", {}).get("cluster"):
            store.points(layer["id"], value_property=layer["style"].get("by"))


# Slow clients (a partial header, a trickled body) hold a connection, not a thread, until channel_timeout;
# waitress's default of 100 connections let 110 of them stop /api/health. poll() has no 1024-descriptor
# ceiling, unlike select(). Exposed deployments still belong behind a reverse proxy (docs/security.md).
WAITRESS_LIMITS = {"connection_limit": 1000, "channel_timeout": 30, "cleanup_interval": 5, "backlog": 2048,
                   "asyncore_use_poll": True, "max_request_header_size": 65_536}  # fmt: skip


def _serve(args) -> int:
    from waitress import serve

    lock = DataDirLock(args.data)
    if not lock.acquire():
        print(_error(i18n.text("console.serve.busy", "en", data=args.data)), file=sys.stderr)
        return 1
    app = create_app({"DATA_DIR": args.data} | ({"STORE_URL": args.store} if args.store else {}))
    store = app.extensions["store"]
    if not args.no_demo and all(layer["feature_count"] == 0 for layer in store.layers()):
        from layers.demo import seed_demo

        print(i18n.bilingual("console.demo.seeding"), flush=True)
        summary = seed_demo(store)
        counts = ", ".join(f"{layer} {count}" for layer, count in summary["layers"].items())
        print(f"{i18n.bilingual('console.demo.seeded')}: {summary['name']}: {counts}", flush=True)
    demo_users = None
    if store.get_meta("demo"):
        from layers.demo.users import seed_demo_users

        demo_users = seed_demo_users(store)
        if not store.inspection_rounds():
            from layers.demo.inspections import seed_demo_inspections

            seed_demo_inspections(store)
    _announce_accounts(store, args.data, demo_users)
    threading.Thread(target=_warm_caches, args=(app,), daemon=True).start()
    url = f"http://{args.host}:{args.port}/"
    # Links in documents name this address (unless PUBLIC_URL or a trusted proxy says otherwise), never the
    # Host header a client sent; a wildcard address becomes the machine's name.
    listen = socket.gethostname() if args.host in ("0.0.0.0", "::", "") else args.host
    app.config["LISTEN_URL"] = f"http://{f'[{listen}]' if ':' in listen else listen}:{args.port}/"
    print("\n".join(i18n.pair("console.serve.running", url=url)), flush=True)
    with store.serving() if isinstance(store, Maintenance) else contextlib.nullcontext():  # restore waits for us
        serve(app, host=args.host, port=args.port, threads=args.threads, ident="chuangwei", **WAITRESS_LIMITS)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    commands = {"create-user": _create_user, "backup": _backup, "restore": _restore, "import": _import,
                "migrate-schema": _migrate_schema, "qgis-views": _qgis_views, "migrate": _migrate,
                "demo-city": _demo_city, "verify": _verify}  # fmt: skip
    try:
        return commands.get(args.command, _serve)(args)
    except StoreUrlError as exc:
        print(_error(str(exc)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
