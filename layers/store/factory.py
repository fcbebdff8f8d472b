"""Opening a store from one setting, ``STORE_URL``: the URL's scheme chooses the backend.

``sqlite:///<path>`` opens the SQLite backend on a data directory (its database is
``<path>/chuangwei.sqlite3``) or on a database file (a path ending in ``.sqlite3``, ``.sqlite`` or ``.db``, or an
existing file); three slashes then a relative path, four for an absolute one (``sqlite:////srv/data``).
Unset, the setting means ``sqlite:///<DATA_DIR>/chuangwei.sqlite3``, the file every earlier version used.

A backend registers with one line in :data:`BACKENDS`: its scheme and ``"module:Class"``, a class with a
``from_url(url: StoreUrl, **options)`` class method. The module is imported only when a URL asks for it,
so a backend's driver need not be installed where nobody uses it.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from layers.store.errors import StoreUrlError
from layers.store.features import Store
from layers.store.maintenance import Maintenance

SETTING = "STORE_URL"
DEFAULT_FILE = "chuangwei.sqlite3"

BACKENDS: dict[str, str] = {
    "sqlite": "layers.store.sqlite:SQLiteStore",
    "postgresql": "layers.store.postgis:PostGISStore",
}
# Schemes people will try before their backend exists: a plain answer instead of "unknown scheme".
PLANNED: dict[str, str] = {
    "postgis": "the PostgreSQL/PostGIS backend's URLs start with postgresql://",
}


@dataclass(frozen=True)
class StoreUrl:
    """A parsed ``STORE_URL``: ``text`` as given, ``scheme`` (lower case), ``netloc`` (user, password, host
    and port; empty for SQLite), ``path`` (for SQLite the file system path, relative or absolute) and
    ``query`` (the text after ``?``, empty when none)."""

    text: str
    scheme: str
    netloc: str
    path: str
    query: str


def _refuse(url: str, reason: str) -> StoreUrlError:
    return StoreUrlError(f"{SETTING}={url!r}: {reason}")


def parse_store_url(url: str) -> StoreUrl:
    """Split ``url`` and check what every scheme needs; StoreUrlError naming the setting otherwise.

    >>> parse_store_url("sqlite:///data/chuangwei.sqlite3").path
    'data/chuangwei.sqlite3'
    >>> parse_store_url("sqlite:////srv/map").path
    '/srv/map'
    """
    if not isinstance(url, str) or not url.strip():
        raise _refuse(str(url), "give a store URL such as sqlite:///data")
    text = url.strip()
    if "://" not in text:
        raise _refuse(text, "not a URL; write <scheme>://…, e.g. sqlite:///data or sqlite:////srv/map")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise _refuse(text, f"not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    known = sorted(BACKENDS)
    if scheme in PLANNED and scheme not in BACKENDS:
        raise _refuse(text, f"{PLANNED[scheme]}; use one of: {', '.join(s + '://' for s in known)}")
    if scheme not in BACKENDS:
        raise _refuse(text, f"unknown scheme {scheme!r}; use one of: {', '.join(s + '://' for s in known)}")
    path = parts.path
    if scheme == "sqlite":
        if parts.netloc:
            raise _refuse(text, "a sqlite URL names no host: sqlite:///relative/path or sqlite:////absolute/path")
        if parts.query or parts.fragment:
            raise _refuse(text, "a sqlite URL takes no ?options or #fragment")
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise _refuse(text, "no path after sqlite:///")
    return StoreUrl(text, scheme, parts.netloc, path, parts.query)


def default_store_url(data_dir: str | os.PathLike) -> str:
    """The URL of today's database in ``data_dir``, what an unset ``STORE_URL`` means.

    >>> default_store_url("data")
    'sqlite:///data/chuangwei.sqlite3'
    """
    return f"sqlite:///{(Path(data_dir) / DEFAULT_FILE).as_posix()}"


def store_url(config: dict) -> str:
    """The store URL a configuration asks for: ``STORE_URL`` when set, else the default in ``DATA_DIR``."""
    return config.get(SETTING) or default_store_url(config["DATA_DIR"])


def backend_class(url: str) -> type[Store]:
    """The class of the backend that ``url``'s scheme names (imported now)."""
    parsed = parse_store_url(url)
    module_name, _, class_name = BACKENDS[parsed.scheme].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def open_store(url: str, **options) -> Store:
    """Open the store ``url`` names (creating an empty one where the backend can), passing ``options``.

    An option named ``<scheme>_<name>`` (``sqlite_synchronous="NORMAL"``) goes, as ``<name>``, only to the
    backend of that scheme, so one configuration can carry every backend's options; the others (``clock``)
    go to any backend. A backend refuses options it does not know (TypeError).
    """
    parsed = parse_store_url(url)
    schemes = set(BACKENDS) | set(PLANNED)
    chosen = {}
    for name, value in options.items():
        prefix, _, rest = name.partition("_")
        if prefix in schemes and rest:
            if prefix == parsed.scheme:
                chosen[rest] = value
        else:
            chosen[name] = value
    return backend_class(url).from_url(parsed, **chosen)


def migrate_schema(url: str) -> list[str]:
    """Create or upgrade the schema of the store ``url`` names and return the migrations applied (by name);
    a backend without a ``migrate`` class method upgrades when opened, so it is opened and closed."""
    parsed = parse_store_url(url)
    cls = backend_class(url)
    if hasattr(cls, "migrate"):
        return cls.migrate(parsed)
    cls.from_url(parsed).close()
    return []


def check_backup(url: str, source: str | os.PathLike) -> dict:
    """Check a backup for the backend that ``url`` names without opening (or creating) the store, as
    :meth:`Maintenance.check_backup` does; NotImplementedError when that backend has no maintenance port."""
    cls = backend_class(url)
    if not issubclass(cls, Maintenance):
        raise NotImplementedError(f"the {parse_store_url(url).scheme} store cannot check backups")
    return cls.check_backup(source)
