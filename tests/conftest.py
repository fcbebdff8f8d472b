"""Shared fixtures: a real app on a real SQLite database in a temporary directory, and its client."""

from __future__ import annotations

import pytest

from layers.accounts import TOKEN_PREFIX, hash_password, new_secret, secret_hash
from server import create_app

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
def app(tmp_path, clock):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["store"].close()


def make_user(app, name: str, role: str, password: str | None = None, grid_codes=()) -> str:
    """Create a user straight in the store and return a new API token for it."""
    store = app.extensions["store"]
    user = store.create_user(name, role, hash_password(password, n=2**10) if password else None, grid_codes=grid_codes)
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
