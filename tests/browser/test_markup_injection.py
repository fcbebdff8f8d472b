"""HTML injection: markup typed into every user-editable name, title and description (a grid cell's name,
a case's description and address, a bin's name, a layer's title and description, a user's display name, a
transition's note) is shown as text on every page (map, field, compare, dashboard, report, admin, import,
account, OGC API HTML): no element of it is ever created, tooltips and popups included."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.postgis_support import data_dir_on_test_store

from .browser_support import (
    DEMO_ACCOUNTS,
    READY_TIMEOUT_MS,
    Server,
    ServerProcess,
    api_token,
    logged_in_state,
)

# Short enough for every field (a display name holds 60 characters); each tag is marked so that any
# element made from it can be found.
MARK = '<b data-pwned="1">粗</b><img src=x data-pwned="1">'
PAGES = ["/", "/field", "/compare", "/dashboard", "/dashboard?map=grid", "/dashboard?map=hex", "/report", "/admin",
         "/import", "/account"]
OGC_PAGES = ["/ogc/collections?f=html", "/ogc/collections/hostile_layer?f=html",
             "/ogc/collections/blackspots/items?f=html&limit=500", "/ogc/collections/grid/items?f=html"]  # fmt: skip


def _send(server: Server, method: str, path: str, body: dict, headers: dict | None = None) -> dict:
    request = urllib.request.Request(f"{server.url}/api{path}", data=json.dumps(body, ensure_ascii=False).encode(),
                                     method=method, headers={"Content-Type": "application/json",
                                                             "Authorization": f"Bearer {server.token}",
                                                             **(headers or {})})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _rename(server: Server, layer: str, prop: str, limit: int = 1) -> None:
    for feature in server.api(f"/layers/{layer}/features?limit={limit}")["features"]:
        _send(server, "PATCH", f"/layers/{layer}/features/{feature['id']}", {"properties": {prop: MARK}},
              {"If-Match": f'"{feature["id"]}.{feature["version"]}"'})  # fmt: skip


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A demo server whose every user-editable text holds markup."""
    data_dir = tmp_path_factory.mktemp("hostile-data")
    with data_dir_on_test_store(data_dir):
        process = ServerProcess(data_dir, tmp_path_factory.getbasetemp() / "hostile-server.log", [])
        process.wait_healthy()
        try:
            server = Server(process.url)
            server.token = api_token(server.url, "admin", DEMO_ACCOUNTS["admin"][0])
            _rename(server, "grid", "name", limit=1000)  # every cell, so that any pointed-at cell has one
            _rename(server, "grid", "responsible_unit")
            _rename(server, "bins", "name")
            cell = server.api("/layers/grid/features?limit=1")["features"][0]
            lon, lat = _centre(cell["geometry"])
            case = _send(server, "POST", "/cases", {"category": "0102", "lon": lon, "lat": lat,
                                                    "description": MARK, "address": MARK})  # fmt: skip
            _send(server, "POST", f"/cases/{case['id']}/notes", {"note": MARK})
            _send(server, "POST", "/layers", {"id": "hostile_layer", "title": {"zh-CN": MARK, "en": MARK},
                                              "description": {"zh-CN": MARK, "en": MARK},
                                              "geometry_types": ["Point"]})  # fmt: skip
            _send(server, "POST", "/layers/hostile_layer/features", {"type": "Feature", "properties": {},
                  "geometry": {"type": "Point", "coordinates": [lon, lat]}})  # fmt: skip
            _send(server, "PATCH", "/users/admin", {"display_name": MARK})
            yield server
        finally:
            process.stop()


def _centre(geometry: dict) -> tuple[float, float]:
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _hover_everything(page, tooltips: list) -> None:
    """Open what opens on pointing: tooltips of grid cells and hexagons, popups of points, over each map
    (the texts of the tooltips seen go into ``tooltips``)."""
    for container in page.locator(".leaflet-container").all():
        if not container.is_visible():
            continue
        container.scroll_into_view_if_needed()
        box = container.bounding_box()
        for fx, fy in ((0.5, 0.5), (0.3, 0.4), (0.7, 0.6), (0.45, 0.55), (0.6, 0.35)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(150)
            tooltips.extend(page.locator(".leaflet-tooltip").all_inner_texts())
            assert _pwned(page) == 0, "an element was made from user text in a tooltip"
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(300)


def _pwned(page) -> int:
    return page.locator("[data-pwned]").count()


def test_markup_in_every_user_text_creates_no_element_on_any_page(hostile_server, new_page, browser, artifacts):
    state = logged_in_state(browser, hostile_server.url, "admin", DEMO_ACCOUNTS["admin"][0])
    shown_as_text, tooltips = 0, []
    for path in PAGES:
        device = "phone" if path == "/field" else "desktop"
        visit = new_page(device, state)
        page = visit.page
        page.goto(hostile_server.url + path)
        page.wait_for_selector("body[data-ready]", state="attached", timeout=READY_TIMEOUT_MS)
        page.wait_for_timeout(500)
        _hover_everything(page, tooltips)
        assert _pwned(page) == 0, f"an element was made from user text on {path}"
        shown_as_text += page.content().count("&lt;b data-pwned")
        if path in ("/dashboard?map=grid", "/admin"):
            name = path.strip("/").replace("?map=", "_")
            page.screenshot(path=str(artifacts / f"markup_as_text_{name}.png"))
    assert shown_as_text > 0  # the markup did reach the pages, as text
    assert any('<b data-pwned="1">' in text for text in tooltips)  # and a grid cell's tooltip, as text
    api = new_page("desktop", state)
    for path in OGC_PAGES:
        api.page.goto(hostile_server.url + path)
        assert _pwned(api.page) == 0, f"an element was made from user text on {path}"
        assert "&lt;b data-pwned" in api.page.content(), path
