"""The account page (/account) in a real Chromium: one's signed-in devices, logging one out, and "log out
everywhere" which ends the sessions made elsewhere too; and the password dialog's "keep my API tokens"."""

from __future__ import annotations

import re

from .browser_support import http, http_session, login_through_page


def test_signed_in_devices_one_logged_out_then_everywhere(demo_server, anonymous, artifacts):
    demo_server.send("/users", {"name": "duozhong", "role": "leader", "password": "many-devices-2026",
                                "display_name": "多设备测试"})  # fmt: skip
    phone, _ = http_session(demo_server.url, "duozhong", "many-devices-2026")
    laptop, _ = http_session(demo_server.url, "duozhong", "many-devices-2026")
    page = anonymous.page
    login_through_page(page, demo_server.url, "duozhong", "many-devices-2026", next_path="/account")
    page.wait_for_url(demo_server.url + "/account")
    anonymous.wait_ready()
    items = page.locator("#sessions-list .token-item")
    assert items.count() == 3
    current = page.locator('#sessions-list .token-item[data-current="1"]')
    assert current.count() == 1 and "本设备" in current.inner_text()
    page.screenshot(path=str(artifacts / "account_sessions_zh.png"))

    # one other device logged out from here
    page.locator('#sessions-list .token-item[data-current="0"] button[data-end]').first.click()
    page.wait_for_selector("#sessions-message[data-kind=success]")
    assert items.count() == 2
    alive = [http(f"{demo_server.url}/api/session", headers=h)[1]["user"] for h in (phone, laptop)]
    assert sum(user is not None for user in alive) == 1

    # log out everywhere: a second click confirms; this browser goes to the login page
    button = page.locator("#sessions-logout-all")
    button.click()
    assert button.inner_text() == "确认退出所有设备？"
    button.click()
    page.wait_for_url(re.compile(r"/login\?.*reason=logged_out"))
    for headers in (phone, laptop):
        assert http(f"{demo_server.url}/api/session", headers=headers)[1]["user"] is None
    page.goto(demo_server.url + "/account")
    page.wait_for_url(re.compile(r"/login"))
    anonymous.assert_no_errors()


def test_the_user_menu_leads_to_the_account_page_in_english(demo_server, anonymous):
    demo_server.send("/users", {"name": "yingwen", "role": "planner", "password": "english-page-2026"})
    page = anonymous.page
    login_through_page(page, demo_server.url, "yingwen", "english-page-2026")
    anonymous.wait_ready()
    page.locator("#language-toggle").click()
    page.locator("#user-menu-button").click()
    assert page.locator("#user-menu-account").inner_text() == "My account"
    page.locator("#user-menu-account").click()
    page.wait_for_url(demo_server.url + "/account")
    anonymous.wait_ready()
    assert page.locator("#sessions-heading").inner_text() == "Signed-in devices"
    assert page.locator('#sessions-list .token-item[data-current="1"]').inner_text().count("This device") == 1
    page.locator("#user-menu-button").click()
    assert page.locator("#user-menu-account").count() == 0  # not offered on its own page
    page.locator("#user-menu-password").click()
    assert "Keep my API tokens" in page.locator("label[for=password-keep-tokens]").inner_text()
    assert not page.is_checked("#password-keep-tokens")  # revoked unless kept
    anonymous.assert_no_errors()
