"""Fixtures for the browser tests: the real server in a subprocess and a real Chromium (Playwright).

Two servers run for the whole session: ``demo_server`` (``python server.py --data DIR --port P``, which
seeds the fictional demo community and its demo accounts into its empty data dir) and ``big_server``
(``--no-demo`` on a data dir holding one clustered point layer of 200,000 points, with an administrator
made by ``server.py create-user`` first). Reading the API needs a login, so each server carries an admin's
API token for the tests' own HTTP requests, and the pages log in through the real login page: once per
session for the shared states (``leader_state``, ``admin_state``), and again wherever a test is about
logging in. Chromium must be Debian's /usr/bin/chromium (Playwright's own browser downloads are not
available here); when it is missing the tests FAIL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgis_support import data_dir_on_test_store

from .browser_support import (
    ARTIFACTS,
    BIG_ADMIN,
    BIG_COUNT,
    CHROMIUM_ARGS,
    DEMO_ACCOUNTS,
    MapPage,
    Server,
    ServerProcess,
    api_token,
    chromium_path,
    create_admin_cli,
    logged_in_state,
    login_through_page,
)

# WeChat's in-app browser on Android (field workers open the map from a WeChat link).
WECHAT_ANDROID_UA = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47")
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "user_agent": WECHAT_ANDROID_UA}


def _start(data_dir: Path, log: Path, extra: list[str]):
    server = ServerProcess(data_dir, log, extra)
    server.wait_healthy()
    return server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The real server with the demo community (seeded by server.py itself into an empty data dir)."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    with data_dir_on_test_store(data_dir):
        yield from _demo_server(data_dir, tmp_path_factory)


def _demo_server(data_dir: Path, tmp_path_factory):
    process = _start(data_dir, tmp_path_factory.getbasetemp() / "demo-server.log", [])
    try:
        server = Server(process.url)
        server.token = api_token(server.url, "admin", DEMO_ACCOUNTS["admin"][0])
        server.layers = server.api("/layers")["layers"]
        server.config = server.api("/config")
        yield server
    finally:
        process.stop()


@pytest.fixture(scope="session")
def big_server(tmp_path_factory):
    """The real server (--no-demo, so no demo accounts) on one clustered point layer of 200,000 points."""
    data_dir = tmp_path_factory.mktemp("big-data")
    with data_dir_on_test_store(data_dir):
        yield from _big_server(data_dir, tmp_path_factory)


def _big_server(data_dir: Path, tmp_path_factory):
    from .seed_data import seed_many_points

    layer = seed_many_points(data_dir, count=BIG_COUNT, chunk=50_000)
    assert layer["feature_count"] == BIG_COUNT
    token = create_admin_cli(data_dir, *BIG_ADMIN)
    process = _start(data_dir, tmp_path_factory.getbasetemp() / "big-server.log", ["--no-demo"])
    try:
        server = Server(process.url, token=token)
        server.layers = server.api("/layers")["layers"]
        server.config = server.api("/config")
        yield server
    finally:
        process.stop()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def leader_state(browser, demo_server) -> dict:
    """A session of the demo's read-only 'leader', logged in once through the login page."""
    return logged_in_state(browser, demo_server.url, "leader", DEMO_ACCOUNTS["leader"][0])


@pytest.fixture(scope="session")
def admin_state(browser, demo_server) -> dict:
    """A session of the demo's 'admin', logged in once through the login page."""
    return logged_in_state(browser, demo_server.url, "admin", DEMO_ACCOUNTS["admin"][0])


@pytest.fixture
def new_page(browser):
    """Make pages in fresh contexts: new_page("desktop"|"phone", state=None|storage state)."""
    contexts = []

    def make(device: str = "desktop", state: dict | None = None) -> MapPage:
        context = browser.new_context(**(DESKTOP if device == "desktop" else PHONE), storage_state=state)
        contexts.append(context)
        return MapPage(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def desktop(new_page, leader_state):
    """A desktop browser logged in to the demo server (as the read-only 'leader')."""
    return new_page("desktop", leader_state)


@pytest.fixture
def phone(new_page, leader_state):
    """A phone (WeChat's in-app browser) logged in to the demo server (as the read-only 'leader')."""
    return new_page("phone", leader_state)


@pytest.fixture
def anonymous(new_page):
    """A desktop browser that has not logged in."""
    return new_page("desktop")


@pytest.fixture
def admin_desktop(new_page, admin_state):
    return new_page("desktop", admin_state)


@pytest.fixture
def admin_phone(new_page, admin_state):
    return new_page("phone", admin_state)


@pytest.fixture
def big_desktop(new_page, big_server):
    """A desktop browser logged in to the 200,000-point server (its cookie would clash with the demo's:
    cookies do not tell ports apart, so this is a context of its own)."""
    page = new_page("desktop")
    login_through_page(page.page, big_server.url, *BIG_ADMIN, next_path="/static/css/icon.svg")
    return page
