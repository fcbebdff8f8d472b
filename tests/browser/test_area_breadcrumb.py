"""The area breadcrumb (市 › 区 › 街道 › 社区 › 网格) on every page, in a real Chromium against the demo server:
names not codes, each level a link that rescopes the page, the next level down as a menu, an account
holding an area starting there, and the phone layout (375×667) keeping one line. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import urllib.request
import uuid

from .browser_support import http

COMMUNITY = "440106003012"  # the demo's grid cells are 440106 003 012 0NN
PAGES = ("/", "/field", "/compare", "/dashboard", "/report", "/admin", "/import")
NAMES = f"code,name\n440106,天河区\n440106003,沙河街道\n{COMMUNITY},新港社区\n".encode()


def _import_names(server) -> None:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"areas.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + NAMES + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.url + "/api/areas/import", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def _crumbs(page) -> list[str]:
    page.wait_for_selector("#area-breadcrumb[data-ready]", state="attached", timeout=60_000)
    return [t.strip() for t in page.locator("#area-breadcrumb .area-crumb").all_inner_texts()]


def test_every_page_shows_the_breadcrumb_with_names_and_rescopes_by_level(demo_server, admin_desktop, artifacts):
    _import_names(demo_server)
    page = admin_desktop.page
    for path in PAGES:
        page.goto(f"{demo_server.url}{path}?area={COMMUNITY}")
        assert _crumbs(page) == ["全市", "天河区", "沙河街道", "新港社区"], path
        assert page.locator("#area-breadcrumb").is_visible(), path
    page.goto(f"{demo_server.url}/?area={COMMUNITY}")
    _crumbs(page)
    options = page.locator("#area-breadcrumb select.area-down option").all_inner_texts()
    assert options[0] == "下级…" and len(options) > 2 and all(o.strip() for o in options)
    page.wait_for_timeout(1500)  # the outline and the view fitted to it
    page.screenshot(path=str(artifacts / "area_breadcrumb_map_desktop.png"))
    page.locator("#area-breadcrumb a.area-crumb", has_text="沙河街道").click()
    page.wait_for_url(lambda url: "area=440106003" in url and f"area={COMMUNITY}" not in url)
    assert page.url.split("area=")[1].startswith("440106003") and _crumbs(page)[-1] == "沙河街道"
    page.locator("#area-breadcrumb select.area-down").select_option(COMMUNITY)
    page.wait_for_url(lambda url: f"area={COMMUNITY}" in url)
    page.locator("#area-breadcrumb a.area-crumb", has_text="全市").click()
    page.wait_for_url(lambda url: "area=" not in url)
    assert _crumbs(page) == ["全市"]
    status, body, _ = http(f"{demo_server.url}/api/areas/{COMMUNITY}", headers={
        "Authorization": f"Bearer {demo_server.token}"})
    assert status == 200 and body["path"][0]["name"] == "天河区"


def test_the_phone_layout_keeps_the_breadcrumb_on_one_line(demo_server, admin_phone, artifacts):
    _import_names(demo_server)
    page = admin_phone.page
    for path in ("/field", "/"):
        page.goto(f"{demo_server.url}{path}?area={COMMUNITY}001")
        crumbs = _crumbs(page)
        assert crumbs[:3] == ["全市", "天河区", "沙河街道"] and len(crumbs) == 5, crumbs
        box = page.locator("#area-breadcrumb").bounding_box()
        assert box["height"] <= 40 and box["width"] <= 375
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.wait_for_timeout(1000)
        name = "field" if path == "/field" else "map"
        page.screenshot(path=str(artifacts / f"area_breadcrumb_{name}_phone.png"))


def test_an_account_holding_an_area_starts_its_breadcrumb_there(demo_server, new_page, browser):
    from .browser_support import logged_in_state

    status, _, _ = http(f"{demo_server.url}/api/users", "POST", {
        "name": "jiedao_leader", "role": "leader", "password": "Jiedao-leader-2026", "area": "440106003"},
        headers={"Authorization": f"Bearer {demo_server.token}"})
    assert status in (201, 409)
    state = logged_in_state(browser, demo_server.url, "jiedao_leader", "Jiedao-leader-2026")
    page = new_page("desktop", state).page
    page.goto(f"{demo_server.url}/dashboard")
    assert _crumbs(page) == ["沙河街道"]
    page.goto(f"{demo_server.url}/dashboard?area=440106")
    page.wait_for_selector("#area-breadcrumb .area-error", timeout=30_000)


def test_the_admin_gives_an_account_an_area(demo_server, admin_desktop, artifacts):
    _import_names(demo_server)
    http(f"{demo_server.url}/api/users", "POST", {"name": "shequ_leader", "role": "leader",
         "password": "Shequ-leader-2026"}, headers={"Authorization": f"Bearer {demo_server.token}"})  # fmt: skip
    page = admin_desktop.page
    page.goto(f"{demo_server.url}/admin")
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60_000)
    options = page.locator("#new-user-area option").all_inner_texts()
    assert options[0] == "全市" and any("新港社区" in o for o in options)
    page.locator("#users-body tr", has_text="shequ_leader").locator("button").first.click()
    page.locator("#editor-area").select_option(COMMUNITY)
    page.locator("#editor-save").click()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "admin_area_editor.png"))
    status, body, _ = http(f"{demo_server.url}/api/users", headers={"Authorization": f"Bearer {demo_server.token}"})
    assert next(u for u in body["users"] if u["name"] == "shequ_leader")["area"] == COMMUNITY
