"""The map in a real Chromium against the real server: loading, layers, popups, escaping, languages,
phones, 200,000 points and the GCJ-02 basemap CRS. Screenshots go to tests/artifacts/. The pages are
logged in (see conftest.py): reading the API needs a login."""

from __future__ import annotations

import math
import os
import re

from .browser_support import BIG_COUNT, READY_TIMEOUT_MS, ROOT, fake_tiles, wait_until

CJK = re.compile(r"[\u4e00-\u9fff]")
XSS = '<img src=x onerror="document.body.dataset.pwned=\'1\'">'
M_PER_DEG = 111_320.0


def distance_m(a, b) -> float:
    dx = (a[0] - b[0]) * M_PER_DEG * math.cos(math.radians((a[1] + b[1]) / 2))
    dy = (a[1] - b[1]) * M_PER_DEG
    return math.hypot(dx, dy)


def all_features(server, layer_id: str) -> list[dict]:
    return server.api(f"/layers/{layer_id}/features?limit=10000")["features"]


def isolated_blackspot(server, min_gap_m: float = 4.0) -> dict:
    """A blackspot with a Chinese description and no other blackspot within ``min_gap_m``."""
    spots = all_features(server, "blackspots")
    coords = [tuple(f["geometry"]["coordinates"]) for f in spots]
    for feature, here in zip(spots, coords):
        if not CJK.search(feature["properties"].get("description") or ""):
            continue
        if all(other is here or distance_m(here, other) >= min_gap_m for other in coords):
            return feature
    raise AssertionError("no isolated blackspot with a Chinese description in the demo data")


def view_hash(lng: float, lat: float, zoom: int = 20) -> str:
    return f"#{zoom}/{lat:.7f}/{lng:.7f}"


def click_map_centre(page) -> None:
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def tap_map_centre(page) -> None:
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def label(localized: dict, lang: str) -> str:
    return localized[lang]


# -- loading ------------------------------------------------------------------------------------------

def test_loads_with_no_request_to_any_other_host(demo_server, desktop, artifacts):
    desktop.page.goto(demo_server.url + "/static/i18n/en.json")  # a page with no script, for comparison
    plain_globals = set(desktop.page.evaluate("Object.getOwnPropertyNames(window)"))
    desktop.requests.clear()
    desktop.open(demo_server.url + "/")
    own = demo_server.url + "/"
    foreign = [url for url in desktop.requests
               if not (url.startswith(own) or url.startswith("data:") or url.startswith("blob:"))]
    assert foreign == []
    assert any("/api/layers" in url for url in desktop.requests)
    # The view fits the project's extent.
    west, south, east, north = map(float, desktop.map_state()["bounds"].split(","))
    ext = demo_server.config["extent"]
    assert west <= ext[0] and south <= ext[1] and east >= ext[2] and north >= ext[3]
    assert desktop.page.evaluate("document.title") == "创卫地图"
    # Nothing of ours on window (the UMD supercluster global is the one vendored exception).
    assert desktop.page.evaluate("typeof window.L") == "undefined"
    added = set(desktop.page.evaluate("Object.getOwnPropertyNames(window)")) - plain_globals
    assert added <= {"Supercluster", "_leaflet_events"}, added  # the UMD global and Leaflet's window listeners
    desktop.assert_no_errors()
    desktop.page.screenshot(path=str(artifacts / "desktop_demo_zh.png"))
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":  # refresh the README's picture on purpose only
        desktop.page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))


def test_every_layer_is_listed_with_its_count(demo_server, desktop):
    desktop.open(demo_server.url + "/")
    layers = demo_server.api("/layers")["layers"]
    assert desktop.page.locator(".layer-row").count() == len(layers)
    for layer in layers:
        row = desktop.row(layer["id"])
        assert row.locator(".layer-title").inner_text() == layer["title"]["zh-CN"]
        assert row.locator(".layer-count").inner_text() == f"{layer['feature_count']:,}"
        assert row.get_attribute("data-status") == "ready", layer["id"]
        assert row.locator(".layer-checkbox").is_checked()
        if layer["feature_count"]:
            assert int(row.get_attribute("data-rendered-count")) > 0, layer["id"]
        if layer["geometry_types"] == ["Point"]:
            assert int(row.get_attribute("data-loaded-count")) == layer["feature_count"]
    # Base layers are grouped apart, below the thematic ones.
    base_ids = [layer["id"] for layer in layers if layer.get("style", {}).get("base")]
    listed = desktop.page.eval_on_selector_all("#layers-base .layer-row", "rows => rows.map(r => r.dataset.layerId)")
    assert listed == base_ids
    # Unticking a layer hides it; ticking shows it again.
    row = desktop.row("streetlights")
    row.locator(".layer-checkbox").uncheck()
    assert row.get_attribute("data-status") == "hidden"
    row.locator(".layer-checkbox").check()
    wait_until(desktop.page,
               "document.querySelector('.layer-row[data-layer-id=streetlights]').dataset.status === 'ready'")
    desktop.assert_no_errors()


def test_legend_uses_enum_labels(demo_server, desktop):
    desktop.open(demo_server.url + "/")
    layers = {layer["id"]: layer for layer in demo_server.layers}
    legend = desktop.row("blackspots").locator(".legend").inner_text()
    labels = layers["blackspots"]["properties"]["status"]["enum_labels"]
    for value in ("reported", "dispatched", "fixed", "closed"):
        assert labels[value]["zh-CN"] in legend
    roads = desktop.row("roads").locator(".legend").inner_text()
    assert layers["roads"]["properties"]["class"]["enum_labels"]["arterial"]["zh-CN"] in roads
    desktop.assert_no_errors()


# -- popups -------------------------------------------------------------------------------------------

def test_clicking_a_point_opens_its_popup(demo_server, desktop, artifacts):
    spot = isolated_blackspot(demo_server)
    lng, lat = spot["geometry"]["coordinates"]
    desktop.open(demo_server.url + "/" + view_hash(lng, lat))
    assert int(desktop.row("blackspots").get_attribute("data-points-count")) > 0
    click_map_centre(desktop.page)
    popup = desktop.page.locator(f'.feature-popup[data-feature-id="{spot["id"]}"]')
    popup.wait_for(timeout=15_000)
    text = popup.inner_text()
    layer = next(layer for layer in demo_server.layers if layer["id"] == "blackspots")
    props = spot["properties"]
    assert props["description"] in text
    assert layer["properties"]["status"]["enum_labels"][props["status"]]["zh-CN"] in text
    assert layer["properties"]["category"]["enum_labels"][props["category"]]["zh-CN"] in text
    assert layer["properties"]["status"]["title"]["zh-CN"] in text
    assert CJK.search(text)
    link = popup.locator(".popup-case-link a")
    assert link.inner_text() == "在外业工作台中办理" and link.get_attribute("href") == f"/field#case/{spot['id']}"
    desktop.assert_no_errors()
    desktop.page.wait_for_timeout(400)  # let the popup's fade-in finish
    desktop.page.screenshot(path=str(artifacts / "desktop_point_popup_zh.png"))


def test_clicking_a_road_opens_its_popup(demo_server, desktop):
    road = next(f for f in all_features(demo_server, "roads") if f["properties"].get("name"))
    coords = road["geometry"]["coordinates"]
    line = coords[0] if road["geometry"]["type"] == "MultiLineString" else coords
    (x0, y0), (x1, y1) = line[0], line[1]
    desktop.open(demo_server.url + "/" + view_hash((x0 + x1) / 2, (y0 + y1) / 2, 20))
    # Hide the point layers so the click can only land on the road (or the grid beneath).
    for layer in demo_server.layers:
        if "Point" in layer["geometry_types"]:
            desktop.row(layer["id"]).locator(".layer-checkbox").uncheck()
    click_map_centre(desktop.page)
    popup = desktop.page.locator(f'.feature-popup[data-feature-id="{road["id"]}"]')
    popup.wait_for(timeout=10_000)
    assert road["properties"]["name"] in popup.inner_text()
    desktop.assert_no_errors()


def test_property_html_is_shown_as_text(demo_server, desktop, artifacts):
    spots = all_features(demo_server, "blackspots")
    x0, y0, x1, y1 = demo_server.config["extent"]
    coords = [tuple(f["geometry"]["coordinates"]) for f in spots]
    place = None
    for i in range(1, 40):
        for j in range(1, 40):
            candidate = (x0 + (x1 - x0) * i / 40, y0 + (y1 - y0) * j / 40)
            if all(distance_m(candidate, other) > 6 for other in coords):
                place = candidate
                break
        if place:
            break
    assert place, "no free spot for the test feature"
    created = demo_server.send("/layers/blackspots/features", {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(place[0], 7), round(place[1], 7)]},
        "properties": {"category": "0199", "status": "reported",
                       "description": XSS, "address": "<b>幸福路</b> 1 号"},
    })
    desktop.open(demo_server.url + "/" + view_hash(*place))
    click_map_centre(desktop.page)
    popup = desktop.page.locator(f'.feature-popup[data-feature-id="{created["id"]}"]')
    popup.wait_for(timeout=15_000)
    assert popup.locator(".popup-title").inner_text() == XSS  # description is the layer's label property
    assert popup.locator("td", has_text="幸福路").inner_text() == "<b>幸福路</b> 1 号"
    assert popup.locator("img").count() == 0
    assert popup.locator("b").count() == 0
    desktop.page.wait_for_timeout(300)
    assert desktop.page.evaluate("document.body.dataset.pwned") is None
    assert not any(url.endswith("/x") for url in desktop.requests)
    desktop.assert_no_errors()
    desktop.page.wait_for_timeout(400)
    desktop.page.screenshot(path=str(artifacts / "desktop_popup_html_as_text.png"))


# -- languages ----------------------------------------------------------------------------------------

def test_language_switch_relabels_and_is_remembered(demo_server, desktop, artifacts):
    layers = {layer["id"]: layer for layer in demo_server.layers}
    spot = isolated_blackspot(demo_server)
    lng, lat = spot["geometry"]["coordinates"]
    page = desktop.page
    desktop.open(demo_server.url + "/" + view_hash(lng, lat))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator("#panel-toggle").inner_text().strip() == "图层"
    click_map_centre(page)
    popup = page.locator(".feature-popup[data-feature-id]")
    popup.wait_for()
    assert layers["blackspots"]["properties"]["status"]["title"]["zh-CN"] in popup.inner_text()

    page.locator("#language-toggle").click()
    assert page.evaluate("document.title") == "Hygiene Blackspot Map"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#panel-toggle").inner_text().strip() == "Layers"
    assert page.locator("#language-toggle").inner_text().strip() == "中文"
    assert page.locator(".app-title").inner_text() == "Hygiene Blackspot Map"
    for layer_id, layer in layers.items():
        assert desktop.row(layer_id).locator(".layer-title").inner_text() == layer["title"]["en"]
    legend = desktop.row("blackspots").locator(".legend").inner_text()
    assert layers["blackspots"]["properties"]["status"]["enum_labels"]["closed"]["en"] in legend
    assert page.locator("#thematic-heading").inner_text() == "Thematic layers"
    options = page.eval_on_selector_all("#basemap-select option", "os => os.map(o => o.textContent)")
    assert any("No tiles" in text for text in options)
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    popup_text = popup.inner_text()
    assert layers["blackspots"]["properties"]["status"]["title"]["en"] in popup_text
    assert layers["blackspots"]["properties"]["status"]["enum_labels"][spot["properties"]["status"]]["en"] in popup_text
    assert spot["properties"]["description"] in popup_text  # user text is never translated
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "desktop_english_popup.png"))

    page.reload()
    desktop.wait_ready()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("document.title") == "Hygiene Blackspot Map"
    assert desktop.row("blackspots").locator(".layer-title").inner_text() == layers["blackspots"]["title"]["en"]

    page.locator("#language-toggle").click()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert desktop.row("blackspots").locator(".layer-title").inner_text() == layers["blackspots"]["title"]["zh-CN"]
    desktop.assert_no_errors()


# -- phones -------------------------------------------------------------------------------------------

def test_phone_viewport(demo_server, phone, artifacts):
    page = phone.page
    phone.open(demo_server.url + "/")
    panel = page.locator("#panel")
    toggle = page.locator("#panel-toggle")
    assert not panel.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    box = toggle.bounding_box()
    assert box["height"] >= 40 and box["width"] >= 44
    map_box = page.locator("#map").bounding_box()
    assert map_box["width"] == 375 and map_box["height"] > 550
    page.screenshot(path=str(artifacts / "phone_map_zh.png"))

    toggle.tap()
    wait_until(page, "getComputedStyle(document.getElementById('panel')).transform === 'none'")
    assert panel.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    row_box = phone.row("blackspots").locator(".layer-toggle").bounding_box()
    assert row_box["height"] >= 44
    page.screenshot(path=str(artifacts / "phone_panel_open_zh.png"))
    page.locator("#panel-close").tap()
    wait_until(page, "!document.body.classList.contains('panel-open')")
    page.wait_for_timeout(400)
    assert not panel.is_visible()

    spot = isolated_blackspot(demo_server)
    lng, lat = spot["geometry"]["coordinates"]
    page.goto(demo_server.url + "/" + view_hash(lng, lat))
    page.reload()  # a hash-only goto does not reload the page
    phone.wait_ready()
    tap_map_centre(page)
    popup = page.locator(f'.feature-popup[data-feature-id="{spot["id"]}"]')
    popup.wait_for(timeout=15_000)
    assert spot["properties"]["description"] in popup.inner_text()
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "phone_popup_zh.png"))
    phone.assert_no_errors()


# -- 200,000 points -----------------------------------------------------------------------------------

def test_200k_points_render_as_clusters(big_server, big_desktop, artifacts):
    desktop = big_desktop
    page = desktop.page
    desktop.open(big_server.url + "/")
    row = desktop.row("many_points")
    assert row.locator(".layer-count").inner_text() == f"{BIG_COUNT:,}"
    assert row.get_attribute("data-status") == "ready"
    assert int(row.get_attribute("data-loaded-count")) == BIG_COUNT
    counts = page.eval_on_selector_all('.cluster-badge[data-layer-id="many_points"]',
                                       "bs => bs.map(b => Number(b.dataset.count))")
    assert len(counts) > 0
    assert 0 < sum(counts) <= BIG_COUNT
    assert int(row.get_attribute("data-clusters-count")) == len(counts)
    timing = row.get_attribute("data-timing")
    ready_ms = page.evaluate("document.body.dataset.readyMs")
    print(f"\n200k points: first render {ready_ms} ms after navigation start ({timing})")
    desktop.assert_no_errors()
    page.screenshot(path=str(artifacts / "desktop_200k_clusters.png"))

    biggest = max(range(len(counts)), key=counts.__getitem__)
    zoom_before = float(desktop.map_state()["zoom"])
    page.locator('.cluster-badge[data-layer-id="many_points"]').nth(biggest).click()
    wait_until(page, f"Number(document.getElementById('map').dataset.zoom) > {zoom_before}")
    desktop.wait_layers_settled()
    page.wait_for_timeout(300)
    assert int(row.get_attribute("data-rendered-count")) > 0
    # Keep zooming in: points appear once the clusters split.
    for _ in range(8):
        if int(row.get_attribute("data-points-count") or 0) > 0:
            break
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(450)
    assert int(row.get_attribute("data-points-count")) > 0
    desktop.assert_no_errors()
    page.screenshot(path=str(artifacts / "desktop_200k_zoomed.png"))

    # Then a point: one of the evenly spread ones (every 4th) with no other point within 3 m.
    west, south, east, north = map(float, desktop.map_state()["bounds"].split(","))
    found = big_server.api(f"/layers/many_points/features?bbox={west},{south},{east},{north}&limit=10000")
    coords = [tuple(f["geometry"]["coordinates"]) for f in found["features"]]
    target = next(f for f, here in zip(found["features"], coords)
                  if (int(f["properties"]["name"][2:]) - 1) % 4 == 0
                  and all(other is here or distance_m(here, other) > 3 for other in coords))
    lng, lat = target["geometry"]["coordinates"]
    page.evaluate("hash => { location.hash = hash; }", view_hash(lng, lat, 20))
    wait_until(page, "Number(document.getElementById('map').dataset.zoom) === 20")
    desktop.wait_layers_settled()
    page.wait_for_timeout(300)
    click_map_centre(page)
    popup = page.locator(f'.feature-popup[data-feature-id="{target["id"]}"]')
    popup.wait_for(timeout=15_000)
    assert target["properties"]["name"] in popup.inner_text()
    desktop.assert_no_errors()
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "desktop_200k_point_popup.png"))


# -- GCJ-02 basemap -----------------------------------------------------------------------------------

def test_gcj02_basemap_switches_the_crs(demo_server, desktop):
    presets = {preset["id"]: preset for preset in demo_server.config["basemaps"]}
    assert presets["amap"]["crs"] == "gcj02"
    page = desktop.page
    tiles = fake_tiles(page)
    desktop.open(demo_server.url + "/")
    assert tiles == []  # no tiles by default
    assert desktop.map_state()["crs"] == "wgs84"
    rendered = int(desktop.row("blackspots").get_attribute("data-rendered-count"))

    page.select_option("#basemap-select", "amap")
    wait_until(page, "document.getElementById('map').dataset.crs === 'gcj02'")
    wait_until(page, "document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    assert tiles and all("autonavi.com" in url for url in tiles)
    desktop.wait_layers_settled()
    assert int(desktop.row("blackspots").get_attribute("data-rendered-count")) == rendered

    # The CRS projects WGS 84 through wgs84ToGcj02 (checked against chinacoords.js in the page).
    shift = page.evaluate("""async ([lng, lat]) => {
        const L = await import('/static/vendor/leaflet-1.9.4/leaflet-src.esm.js');
        const { GCJ02 } = await import('/static/js/common/gcjCrs.js');
        const { wgs84ToGcj02 } = await import('/static/js/common/chinacoords.js');
        const [glng, glat] = wgs84ToGcj02(lng, lat);
        const ours = GCJ02.latLngToPoint(L.latLng(lat, lng), 18);
        const plain = L.CRS.EPSG3857.latLngToPoint(L.latLng(glat, glng), 18);
        const back = GCJ02.pointToLatLng(ours, 18);
        return { dx: ours.x - plain.x, dy: ours.y - plain.y, dlat: back.lat - lat, dlng: back.lng - lng };
    }""", [(demo_server.config["extent"][0] + demo_server.config["extent"][2]) / 2,
           (demo_server.config["extent"][1] + demo_server.config["extent"][3]) / 2])
    assert abs(shift["dx"]) < 1e-6 and abs(shift["dy"]) < 1e-6
    assert abs(shift["dlat"]) < 1e-8 and abs(shift["dlng"]) < 1e-8

    page.select_option("#basemap-select", "none")
    wait_until(page, "document.getElementById('map').dataset.crs === 'wgs84'")
    assert page.locator(".leaflet-tile").count() == 0
    desktop.assert_no_errors()


# -- Content-Security-Policy --------------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def test_works_under_a_strict_content_security_policy(demo_server, desktop):
    """No inline script, style attribute or handler anywhere: the map works with no 'unsafe-inline'."""
    page = desktop.page

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route(f"{demo_server.url}/", with_csp)
    spot = isolated_blackspot(demo_server)
    lng, lat = spot["geometry"]["coordinates"]
    desktop.open(demo_server.url + "/" + view_hash(lng, lat))
    click_map_centre(page)
    page.locator(f'.feature-popup[data-feature-id="{spot["id"]}"]').wait_for(timeout=15_000)
    page.locator("#language-toggle").click()
    page.locator(".leaflet-control-zoom-out").click()
    page.wait_for_timeout(500)
    desktop.wait_layers_settled()
    # The legend's swatches got their colours (set through the CSSOM, which CSP allows).
    colour = page.eval_on_selector('.layer-row[data-layer-id="blackspots"] .layer-toggle .swatch',
                                   "el => getComputedStyle(el).backgroundColor")
    assert colour not in ("", "rgba(0, 0, 0, 0)")
    desktop.assert_no_errors()


def test_the_attribution_says_leaflet_without_a_flag(demo_server, desktop):
    """Leaflet 1.9's default prefix carries a national flag; our maps say plain "Leaflet", as folium's do."""
    page = desktop.page
    for path in ("/", "/compare"):
        page.goto(demo_server.url + path)
        page.wait_for_selector("body[data-ready]", state="attached", timeout=READY_TIMEOUT_MS)
        page.wait_for_selector(".leaflet-control-attribution", state="attached")
        assert page.locator(".leaflet-attribution-flag").count() == 0, path
        texts = page.eval_on_selector_all(".leaflet-control-attribution", "els => els.map(e => e.textContent)")
        assert texts and all(text.startswith("Leaflet") for text in texts), (path, texts)
    desktop.assert_no_errors()
