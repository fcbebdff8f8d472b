"""Fixtures for the browser tests: the real server in a subprocess and a real Chromium (Playwright).

Two servers run for the whole session: ``demo_server`` (``python server.py --data DIR --port P``, which
seeds the fictional demo community into its empty data dir) and ``big_server`` (``--no-demo`` on a data
dir holding one clustered point layer of 200,000 points). Chromium must be Debian's /usr/bin/chromium
(Playwright's own browser downloads are not available here); when it is missing the tests FAIL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser_support import ARTIFACTS, BIG_COUNT, CHROMIUM_ARGS, MapPage, Server, ServerProcess, chromium_path

# WeChat's in-app browser on Android (field workers open the map from a WeChat link).
WECHAT_ANDROID_UA = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47")


def _start(data_dir: Path, log: Path, extra: list[str]):
    server = ServerProcess(data_dir, log, extra)
    server.wait_healthy()
    return server


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The real server with the demo community (seeded by server.py itself into an empty data dir)."""
    data_dir = tmp_path_factory.mktemp("demo-data")
    process = _start(data_dir, tmp_path_factory.getbasetemp() / "demo-server.log", [])
    try:
        server = Server(process.url)
        server.layers = server.api("/layers")["layers"]
        server.config = server.api("/config")
        yield server
    finally:
        process.stop()


@pytest.fixture(scope="session")
def big_server(tmp_path_factory):
    """The real server (--no-demo) on one clustered point layer of 200,000 points."""
    from .seed_data import seed_many_points

    data_dir = tmp_path_factory.mktemp("big-data")
    layer = seed_many_points(data_dir, count=BIG_COUNT, chunk=50_000)
    assert layer["feature_count"] == BIG_COUNT
    process = _start(data_dir, tmp_path_factory.getbasetemp() / "big-server.log", ["--no-demo"])
    try:
        server = Server(process.url)
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


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = MapPage(context.new_page())
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  user_agent=WECHAT_ANDROID_UA)
    page = MapPage(context.new_page())
    yield page
    context.close()
