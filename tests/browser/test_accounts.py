"""Logging in and out, the user menu, changing one's password and the admin page, in a real Chromium
against the real server with the demo accounts. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

from .browser_support import DEMO_ACCOUNTS, http, login_through_page, wait_until

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CELL = "440106003012"  # division + street + community of the demo's grid cells; a cell adds 3 digits


def record_unsafe_api_requests(page) -> list[tuple[str, str, str | None]]:
    """(method, url, X-CSRF-Token) of every state-changing API request the page makes from now on."""
    seen: list[tuple[str, str, str | None]] = []
    page.on("request", lambda request: request.method in UNSAFE and "/api/" in request.url and seen.append(
        (request.method, request.url, request.headers.get("x-csrf-token"))))
    return seen


def assert_only_refusals(page_wrapper, *statuses: int) -> None:
    """No errors but Chromium's console line for an expected refusal (it logs every 4xx answer to fetch)."""
    expected = [f"status of {status} " for status in statuses]
    others = [error for error in page_wrapper.errors
              if not (error.startswith("console.error: Failed to load resource")
                      and any(text in error for text in expected))]
    assert others == [], "\n".join(others)


def wait_for_page(page) -> str:
    page.wait_for_selector("body[data-ready]", state="attached")
    return page.get_attribute("body", "data-ready")


# -- the login page -----------------------------------------------------------------------------------

def test_anonymous_visitors_go_to_the_login_page_and_come_back(demo_server, anonymous, artifacts):
    page = anonymous.page
    view = "#18/23.1300000/113.3300000"
    page.goto(demo_server.url + "/" + view)
    page.wait_for_url(re.compile(r"/login\?"))
    assert wait_for_page(page) == "1"
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/" + view]
    # The map asked who is logged in and went: no map data requested, no pile of 401s.
    api_calls = [url for url in anonymous.requests if "/api/" in url]
    assert api_calls and all(url.endswith("/api/session") for url in api_calls), api_calls

    assert page.evaluate("document.title") == "登录 · 创卫地图"
    assert page.locator(".card-title").inner_text() == "登录"
    assert page.locator("label[for=login-name]").inner_text() == "用户名"
    assert page.locator("label[for=login-password]").inner_text() == "密码"
    assert "README" in page.locator(".login-hint").inner_text()
    html = page.content()
    for password, _, _ in DEMO_ACCOUNTS.values():
        assert password not in html  # the hint points to the README; the page never prints passwords
    page.screenshot(path=str(artifacts / "login_zh.png"))

    page.locator("#language-toggle").click()
    assert page.evaluate("document.title") == "Log in · Hygiene Blackspot Map"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator(".card-title").inner_text() == "Log in"
    assert page.locator("label[for=login-password]").inner_text() == "Password"
    assert page.locator(".login-hint").inner_text() == "Demo accounts: see the README."
    page.screenshot(path=str(artifacts / "login_en.png"))
    page.locator("#language-toggle").click()
    assert page.locator("#login-submit").inner_text() == "登录"

    # The admin page sends anonymous visitors to the login page too.
    page.goto(demo_server.url + "/admin")
    page.wait_for_url(re.compile(r"/login\?"))
    assert parse_qs(urlsplit(page.url).query)["next"] == ["/admin"]

    # Logging in returns to the very view that was asked for.
    page.goto(demo_server.url + "/" + view)
    page.wait_for_url(re.compile(r"/login\?"))
    wait_for_page(page)
    page.fill("#login-name", "leader")
    page.fill("#login-password", DEMO_ACCOUNTS["leader"][0])
    page.click("#login-submit")
    page.wait_for_url(demo_server.url + "/" + view)
    anonymous.wait_ready()
    assert anonymous.map_state()["zoom"] == "18"
    assert DEMO_ACCOUNTS["leader"][2] in page.locator("#user-menu-button").inner_text()
    anonymous.assert_no_errors()


def test_wrong_password_and_lockout_show_the_servers_messages(demo_server, anonymous):
    page = anonymous.page
    page.goto(demo_server.url + "/login")
    wait_for_page(page)
    page.fill("#login-name", "wangge2")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    message = page.locator("#login-message")
    message.wait_for()
    assert message.inner_text() == "用户名或密码错误。"
    assert message.get_attribute("data-code") == "invalid_credentials"
    assert page.input_value("#login-password") == ""  # cleared for the next try
    assert urlsplit(page.url).path == "/login"
    page.locator("#language-toggle").click()
    assert message.inner_text() == "Wrong user name or password."
    page.locator("#language-toggle").click()
    assert message.inner_text() == "用户名或密码错误。"

    # Five failures hold a name at this address for 30 s: the next try is refused whatever the password.
    name = "nobody-locked"
    for _ in range(5):
        status, body, _ = http(f"{demo_server.url}/api/login", "POST", {"name": name, "password": "wrong-wrong"})
        assert status == 401, body
    page.fill("#login-name", name)
    page.fill("#login-password", "wrong-again")
    page.click("#login-submit")
    page.wait_for_selector("#login-message[data-code=account_locked]")
    text = message.inner_text()
    assert "该账号多次登录失败，已临时锁定" in text and "1 分钟" in text
    assert urlsplit(page.url).path == "/login"
    assert_only_refusals(anonymous, 401, 429)


def test_login_never_sends_anyone_to_another_site(demo_server, new_page, leader_state):
    # Logged in already, the login page offers a "continue" link to ?next=: the one place it is used.
    signed_in = new_page("desktop", leader_state)
    page = signed_in.page
    hostile = ["https://evil.example/", "//evil.example/x", "/\\evil.example/", "/\\/evil.example/",
               "javascript:alert(1)", "/login?next=https://evil.example/", " /admin", "%2F%2Fevil.example"]
    for raw in hostile:
        page.goto(f"{demo_server.url}/login?next={quote(raw, safe='')}")
        wait_for_page(page)
        assert page.locator("#login-skip").get_attribute("href") == "/", raw
    for raw in ["/admin", "/#18/23.1300000/113.3300000"]:
        page.goto(f"{demo_server.url}/login?next={quote(raw, safe='')}")
        wait_for_page(page)
        assert page.locator("#login-skip").get_attribute("href") == raw
    assert "街道办" in page.locator("#login-note").inner_text()  # "logged in as ..."

    # A real login with a hostile next= lands on this site's map.
    fresh = new_page("desktop")
    fresh.page.route(re.compile(r"^[a-z]+://[^/]*evil\.example"), lambda route: route.abort())
    login_through_page(fresh.page, demo_server.url, "leader", DEMO_ACCOUNTS["leader"][0], next_path="//evil.example/x")
    assert fresh.page.url == demo_server.url + "/"
    assert not [url for url in fresh.requests if urlsplit(url).hostname == "evil.example"]


# -- the user menu ------------------------------------------------------------------------------------

def test_field_worker_sees_their_name_and_no_admin_link(demo_server, anonymous, artifacts):
    password, _, display_name = DEMO_ACCOUNTS["wangge1"]
    page = anonymous.page
    login_through_page(page, demo_server.url, "wangge1", password, next_path="/")  # the map, not its home /field
    assert page.url == demo_server.url + "/"
    anonymous.wait_ready()
    button = page.locator("#user-menu-button")
    assert button.locator(".user-name").inner_text() == display_name
    assert button.locator(".user-role").inner_text() == "网格员"
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    menu = page.locator("#user-menu-list")
    assert menu.is_visible()
    assert page.locator("#user-menu-admin").count() == 0
    assert page.locator("#user-menu-password").inner_text() == "修改密码"
    assert page.locator("#user-menu-logout").inner_text() == "退出登录"
    assert "wangge1 · 网格员" in menu.inner_text()
    page.screenshot(path=str(artifacts / "user_menu_zh.png"))
    page.keyboard.press("Escape")
    assert not menu.is_visible()

    page.locator("#language-toggle").click()
    assert button.locator(".user-role").inner_text() == "Field worker"
    button.click()
    assert page.locator("#user-menu-logout").inner_text() == "Log out"
    page.locator("#map").click(position={"x": 5, "y": 5})  # a click elsewhere closes the menu
    assert not menu.is_visible()

    # The admin page says plainly that this account may not manage users.
    page.goto(demo_server.url + "/admin")
    assert wait_for_page(page) == "denied"
    assert page.locator("#admin-denied").is_visible()
    assert page.locator("#admin-denied .card-title").inner_text() == "No permission"
    assert not page.locator("#admin-content").is_visible()
    assert not [url for url in anonymous.requests if url.endswith("/api/users")]
    anonymous.assert_no_errors()


def test_the_admin_sees_the_admin_link(demo_server, admin_desktop):
    page = admin_desktop.page
    admin_desktop.open(demo_server.url + "/")
    page.locator("#user-menu-button").click()
    link = page.locator("#user-menu-admin")
    assert link.inner_text() == "用户管理"
    link.click()
    page.wait_for_url(demo_server.url + "/admin")
    assert wait_for_page(page) == "1"
    admin_desktop.assert_no_errors()


def test_logout_returns_to_the_login_page(demo_server, anonymous):
    page = anonymous.page
    login_through_page(page, demo_server.url, "planner", DEMO_ACCOUNTS["planner"][0])
    anonymous.wait_ready()
    unsafe = record_unsafe_api_requests(page)
    page.locator("#user-menu-button").click()
    page.locator("#user-menu-logout").click()
    page.wait_for_url(re.compile(r"/login\?reason=logged_out$"))
    wait_for_page(page)
    assert page.locator("#login-note").inner_text() == "您已退出登录。"
    assert [(method, url) for method, url, _ in unsafe] == [("POST", demo_server.url + "/api/logout")]
    assert unsafe[0][2], "the logout request carries X-CSRF-Token"
    # The session is gone: the map sends the browser back to the login page.
    page.goto(demo_server.url + "/")
    page.wait_for_url(re.compile(r"/login"))
    anonymous.assert_no_errors()


def test_change_password_then_log_in_again(demo_server, anonymous):
    demo_server.send("/users", {"name": "gaimi", "role": "leader", "password": "old-pass-2026",
                                "display_name": "改密测试"})
    page = anonymous.page
    login_through_page(page, demo_server.url, "gaimi", "old-pass-2026", next_path="/")  # the map's user menu
    anonymous.wait_ready()
    page.locator("#user-menu-button").click()
    page.locator("#user-menu-password").click()
    dialog = page.locator("#password-dialog")
    assert dialog.is_visible()
    message = dialog.locator(".form-message")

    page.fill("#password-current", "not-my-password")
    page.fill("#password-new", "new-pass-2026")
    page.fill("#password-repeat", "new-pass-2026")
    page.click("#password-submit")
    message.wait_for()
    page.wait_for_selector("#password-dialog .form-message[data-code=invalid_credentials]")
    assert message.inner_text() == "当前密码错误。"  # shown in the dialog, not a trip to the login page
    assert page.url == demo_server.url + "/"

    page.fill("#password-current", "old-pass-2026")
    page.fill("#password-repeat", "new-pass-2027")
    page.click("#password-submit")
    assert message.inner_text() == "两次输入的新密码不一致。"

    page.fill("#password-repeat", "new-pass-2026")
    page.click("#password-submit")
    page.wait_for_url(re.compile(r"/login\?.*reason=password_changed"))
    wait_for_page(page)
    assert page.locator("#login-note").inner_text() == "密码已修改，请用新密码登录。"
    page.fill("#login-name", "gaimi")
    page.fill("#login-password", "new-pass-2026")
    page.click("#login-submit")
    page.wait_for_url(demo_server.url + "/dashboard")  # no ?next= after a password change: the leader's home
    page.wait_for_selector("#user-menu-button .user-name")
    assert page.locator("#user-menu-button .user-name").inner_text() == "改密测试"
    assert_only_refusals(anonymous, 401, 422)  # 422: the wrong current password


# -- the admin page -----------------------------------------------------------------------------------

def user_record(server, name: str) -> dict:
    return next(user for user in server.api("/users")["users"] if user["name"] == name)


def test_admin_adds_a_user_edits_them_and_manages_a_token(demo_server, admin_desktop, new_page, artifacts):
    admin = admin_desktop
    page = admin.page
    unsafe = record_unsafe_api_requests(page)
    page.goto(demo_server.url + "/admin")
    assert wait_for_page(page) == "1"
    listed = page.eval_on_selector_all("#users-body tr", "rows => rows.map(r => r.dataset.user)")
    assert set(DEMO_ACCOUNTS) <= set(listed)
    worker_row = page.locator('#users-body tr[data-user="wangge1"]')
    assert worker_row.locator(".cell-role").inner_text() == "网格员"
    assert worker_row.locator(".cell-grid").inner_text() == "001、002、003、004"
    assert page.locator("#new-user-role option").count() == 4
    assert page.locator("#new-user-grid .grid-checkbox").count() == 8
    assert page.locator("#audit-body tr").count() > 0
    page.screenshot(path=str(artifacts / "admin_desktop_zh.png"), full_page=True)

    # Add a field worker responsible for cells 005 and 006.
    page.fill("#new-user-name", "wangge9")
    page.fill("#new-user-display-name", "网格员 赵六（测试）")
    page.select_option("#new-user-role", "field_worker")
    page.fill("#new-user-password", "first-pass-2026")
    page.check(f"#new-user-grid-{CELL}005")
    page.check(f"#new-user-grid-{CELL}006")
    page.click("#new-user-submit")
    row = page.locator('#users-body tr[data-user="wangge9"]')
    row.wait_for()
    assert page.locator("#new-user-message").inner_text() == "已创建用户 wangge9。"
    assert row.locator(".cell-role").inner_text() == "网格员"
    assert row.locator(".cell-grid").inner_text() == "005、006"
    record = user_record(demo_server, "wangge9")
    assert record["role"] == "field_worker" and record["display_name"] == "网格员 赵六（测试）"
    assert record["grid_codes"] == [f"{CELL}005", f"{CELL}006"]

    # Change the role and add a cell.
    row.locator("button[data-edit]").click()
    dialog = page.locator("#user-editor")
    assert dialog.is_visible()
    assert page.locator("#editor-title").inner_text() == "编辑用户 wangge9"
    assert page.is_checked(f"#editor-grid-{CELL}005") and not page.is_checked(f"#editor-grid-{CELL}007")
    page.select_option("#editor-role", "planner")
    page.check(f"#editor-grid-{CELL}007")
    page.click("#editor-save")
    page.wait_for_selector("#editor-message[data-kind=success]")
    page.wait_for_selector('#users-body tr[data-user="wangge9"] .cell-role >> text=规划人员')
    record = user_record(demo_server, "wangge9")
    assert record["role"] == "planner"
    assert record["grid_codes"] == [f"{CELL}005", f"{CELL}006", f"{CELL}007"]

    # Reset the password.
    page.fill("#reset-password", "second-pass-2026")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-message[data-kind=success]")
    assert page.locator("#reset-message").inner_text() == "已重置 wangge9 的密码。"

    # A token: its secret is shown once, works as a Bearer token, and stops working once revoked.
    assert page.locator("#token-list").inner_text() == "还没有令牌。"
    page.fill("#token-label", "导入脚本")
    page.click("#token-create")
    page.wait_for_selector("#token-message[data-kind=error]")  # minting asks for the admin's own password
    assert page.locator("#token-message").inner_text() == "请输入您自己的密码以创建令牌。"
    page.fill("#token-password", DEMO_ACCOUNTS["admin"][0])
    page.click("#token-create")
    page.wait_for_selector("#token-secret", state="visible")
    secret = page.input_value("#token-secret-value")
    assert secret.startswith("cw_") and len(secret) > 30
    assert "只显示这一次" in page.locator(".secret-warning").inner_text()
    page.click("#token-copy")
    page.wait_for_selector("#token-copy-status[data-copied]")
    assert page.locator("#token-copy-status").inner_text() in ("已复制到剪贴板。", "无法自动复制，请手动选中并复制。")
    item = page.locator("#token-list .token-item", has_text="导入脚本")
    item.wait_for()
    page.screenshot(path=str(artifacts / "admin_token_secret_zh.png"))
    bearer = {"Authorization": f"Bearer {secret}"}
    status, body, _ = http(f"{demo_server.url}/api/layers", headers=bearer)
    assert status == 200 and body["layers"], (status, body)
    assert row.locator(".cell-tokens").inner_text() == "1 个有效"

    revoke = item.locator("button[data-revoke]")
    revoke.click()
    assert revoke.inner_text() == "确认吊销？"  # a second click confirms
    revoke.click()
    page.wait_for_selector("#token-list .token-item.is-revoked")
    status, body, _ = http(f"{demo_server.url}/api/layers", headers=bearer)
    assert status == 401 and body["error"]["code"] == "invalid_token", (status, body)
    assert page.locator("#token-secret-value").input_value() == secret  # still shown until dismissed
    page.click("#editor-close")
    assert not dialog.is_visible()
    wait_until(page, "document.getElementById('token-secret-value').value === ''")  # gone for good
    assert page.locator("#token-secret").is_hidden()

    # The last administrator cannot be disabled.
    page.locator('#users-body tr[data-user="admin"] button[data-edit]').click()
    page.check("#editor-disabled")
    page.click("#editor-save")
    page.wait_for_selector("#editor-message[data-kind=error]")
    assert page.locator("#editor-message").inner_text() == "不能移除最后一名管理员。"
    page.click("#editor-close")

    # Every change is in the audit log, shown in Beijing time.
    actions = page.eval_on_selector_all("#audit-body tr", "rows => rows.map(r => r.dataset.action)")
    assert {"user.create", "user.update", "token.create", "token.revoke"} <= set(actions)
    newest = page.locator("#audit-body tr").first
    assert re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}:\d{2}", newest.locator(".cell-time").inner_text())
    assert page.locator('#audit-body tr[data-action="token.revoke"] .cell-action').first.inner_text() == "吊销令牌"

    # Every state-changing request carried the session's CSRF token.
    csrf = page.context.request.get(demo_server.url + "/api/session").json()["csrf_token"]
    assert {method for method, _, _ in unsafe} == {"POST", "PATCH", "DELETE"}
    assert all(token == csrf for _, _, token in unsafe), unsafe
    assert_only_refusals(admin, 409)

    # The new user logs in with the reset password and has the new role.
    them = new_page("desktop")
    login_through_page(them.page, demo_server.url, "wangge9", "second-pass-2026")
    them.wait_ready()
    assert them.page.locator("#user-menu-button .user-role").inner_text() == "规划人员"
    them.assert_no_errors()


def test_admin_page_on_a_phone(demo_server, admin_phone, artifacts):
    page = admin_phone.page
    page.goto(demo_server.url + "/admin")
    assert wait_for_page(page) == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    assert not page.locator(".users-table thead").is_visible()  # rows are cards, cells carry their labels
    edit = page.locator('#users-body tr[data-user="wangge1"] button[data-edit]')
    box = edit.bounding_box()
    assert box["height"] >= 36 and box["width"] >= 44
    assert page.locator("#user-menu-button").bounding_box()["height"] >= 40
    page.screenshot(path=str(artifacts / "admin_phone_zh.png"), full_page=True)

    edit.tap()
    dialog = page.locator("#user-editor")
    assert dialog.is_visible()
    assert dialog.bounding_box()["width"] == 375
    page.screenshot(path=str(artifacts / "admin_phone_editor_zh.png"))
    page.locator("#editor-close").tap()
    assert not dialog.is_visible()
    admin_phone.assert_no_errors()
