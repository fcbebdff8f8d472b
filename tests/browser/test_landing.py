"""Each role lands where it works (issue 17.21): logging in without ``?next=`` opens the role's home from
``layers/accounts/roles.json`` — the leader's dashboard, the field worker's /field, the planner's map with
its panels — while an asked-for ``?next=`` still wins. Desktop 1440 × 900; screenshots
tests/artifacts/landing-*.png."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .browser_support import DEMO_ACCOUNTS, login_through_page

WIDE = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.mark.parametrize(("name", "home", "ready"), [
    ("leader", "/dashboard", "body[data-ready]"),
    ("wangge1", "/field", "body[data-ready='1']"),
    ("planner", "/", "#layers-thematic li"),
])
def test_each_role_lands_where_it_works(demo_server, browser, artifacts, name, home, ready):
    context = browser.new_context(**WIDE)
    try:
        page = context.new_page()
        login_through_page(page, demo_server.url, name, DEMO_ACCOUNTS[name][0])
        assert urlsplit(page.url).path == home
        page.wait_for_selector(ready, state="attached", timeout=90_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"landing-{name}.png"))
        # A page asked for by ?next= (a link followed before logging in) still wins over the home.
        context.clear_cookies()
        login_through_page(page, demo_server.url, name, DEMO_ACCOUNTS[name][0], next_path="/compare")
        assert urlsplit(page.url).path == "/compare"
    finally:
        context.close()
