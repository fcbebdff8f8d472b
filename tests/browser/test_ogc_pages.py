"""The /ogc HTML pages in the product's look (issue 17.22): its stylesheet, app bar and icon, and each
collection, page of items and feature on a small map drawn with the vendored Leaflet, no tiles (offline).
Desktop 1440 × 900; screenshots tests/artifacts/ogc-*.png."""

from __future__ import annotations

WIDE = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def test_a_collection_page_is_styled_and_shows_its_features_on_a_map(demo_server, browser, admin_state, artifacts):
    context = browser.new_context(**WIDE, storage_state=admin_state)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(demo_server.url) else None)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{demo_server.url}/ogc/collections/toilets?f=html")
        page.wait_for_selector("#ogc-map[data-drawn]", state="attached", timeout=60_000)
        count = demo_server.api("/layers/toilets")["feature_count"]
        assert page.get_attribute("#ogc-map", "data-drawn") == str(count)
        assert page.locator("#ogc-map .leaflet-interactive").count() == count
        assert page.locator("header.app-bar").is_visible()
        assert (
            page.evaluate("getComputedStyle(document.querySelector('header.app-bar')).backgroundColor")
            != "rgba(0, 0, 0, 0)"
        )
        assert page.get_attribute('link[rel="icon"]', "href") == "/static/css/icon.svg"
        page.screenshot(path=str(artifacts / "ogc-collection.png"))
        page.goto(f"{demo_server.url}/ogc/collections/roads/items?f=html&limit=20")
        page.wait_for_selector("#ogc-map[data-drawn]", state="attached", timeout=60_000)
        assert page.get_attribute("#ogc-map", "data-drawn") == "20"
        page.screenshot(path=str(artifacts / "ogc-items.png"))
        assert outside == [] and errors == []
    finally:
        context.close()
