"""Shared fixtures: a real app on a real SQLite database in a temporary directory, and its client."""

from __future__ import annotations

import pytest

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


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]
