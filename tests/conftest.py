"""Shared fixtures: a fresh store of the backend under test, a real app on it, and its clients.

The backend is chosen by one environment variable, ``TEST_STORE_URL``: unset, every test gets a new SQLite
store in its ``tmp_path``; set to another backend's URL (``postgresql://…``), every test gets a fresh, empty
store of that backend from the hook registered for its scheme in :data:`FRESH_STORE_URLS`, and the whole
suite (the store's contract and the HTTP API alike) runs on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from layers.accounts import TOKEN_PREFIX, hash_password, new_secret, secret_hash
from layers.store import default_store_url, parse_store_url
from server import create_app
from tests.postgis_support import drop_emptied, fresh_postgis_url, is_postgis

TEST_STORE_URL = os.environ.get("TEST_STORE_URL", "")


@contextmanager
def fresh_sqlite_url(tmp_path: Path, base_url: str) -> Iterator[str]:
    """A new SQLite store in the test's own directory (``base_url``'s path is not used): today's default
    file in ``tmp_path/data``, which the directory's removal cleans up."""
    yield default_store_url(tmp_path / "data")


# scheme -> a context manager giving the URL of a fresh, empty store of that backend for one test and
# removing it afterwards (a new database or schema on the server ``base_url`` names). A backend adds its own.
FRESH_STORE_URLS: dict[str, Callable[[Path, str], AbstractContextManager[str]]] = {
    "sqlite": fresh_sqlite_url,
    "postgresql": fresh_postgis_url,
}


def pytest_sessionfinish(session) -> None:
    if is_postgis(TEST_STORE_URL):
        drop_emptied(TEST_STORE_URL)  # the schemas kept for reuse by the next test


def _fresh_store(folder: Path) -> AbstractContextManager[str]:
    scheme = parse_store_url(TEST_STORE_URL).scheme if TEST_STORE_URL else "sqlite"
    if scheme not in FRESH_STORE_URLS:
        raise pytest.UsageError(f"TEST_STORE_URL={TEST_STORE_URL!r}: no fresh-store hook for {scheme!r} in conftest")
    return FRESH_STORE_URLS[scheme](folder, TEST_STORE_URL)


@pytest.fixture
def backend(tmp_path) -> Iterator[str]:
    """The URL of a fresh, empty store of the backend under test (``TEST_STORE_URL``, SQLite by default)."""
    with _fresh_store(tmp_path) as url:
        yield url


@pytest.fixture
def second_backend(tmp_path) -> Iterator[str]:
    """Another fresh, empty store of the same backend, apart from ``backend``'s (to restore a backup into)."""
    with _fresh_store(tmp_path / "second") as url:
        yield url


START_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


class Clock:
    """A settable clock in microseconds, advancing one millisecond per reading so versions are ordered."""

    def __init__(self, start_us: int = START_US) -> None:
        self.now_us = start_us

    def __call__(self) -> int:
        self.now_us += 1000
        return self.now_us

    def set(self, us: int) -> None:
        self.now_us = us


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path, clock, backend):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "STORE_URL": backend, "CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["store"].close()


def make_user(app, name: str, role: str, password: str | None = None, grid_codes=(), area: str | None = None) -> str:
    """Create a user straight in the store and return a new API token for it."""
    store = app.extensions["store"]
    hashed = hash_password(password, n=2**10) if password else None
    user = store.create_user(name, role, hashed, grid_codes=grid_codes, area=area)
    secret = new_secret(TOKEN_PREFIX)
    store.add_token(user["id"], "test", secret_hash(secret))
    return secret


def token_client(app, token: str | None):
    client = app.test_client()
    if token:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def client(app):
    """A client of an administrator's API token: most API tests are about the API, not permissions."""
    return token_client(app, make_user(app, "tester", "admin"))


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]
