"""The standalone result map: only the vendored Leaflet (beside the page or inlined), no URL in the page, and in
a real headless Chromium no request beyond the page's own files, no console error, every feature drawn and
properties shown as text.  Chromium must be Debian's /usr/bin/chromium: when it is missing these tests FAIL."""

from __future__ import annotations

import base64
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from geo.coverage import coverage, service_areas
from geo.webmap import LEAFLET_DIR, write_map

ROOT = Path(__file__).resolve().parents[2]
SOHO = ROOT / "tests" / "data" / "snow_soho_1854"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
MARKUP = "<b>粗体</b><img src=x onerror=alert(1)>"  # must reach the page as text, never as markup
URL = re.compile(r"https?://", re.IGNORECASE)
# src/href of real tags (in the page's data and panel '<' is escaped, so "<img src=x" there is text)
TAG_REFERENCE = re.compile(r"""<[a-z]+\s[^<>]*?\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Chromium is missing: these tests need Debian's chromium at /usr/bin/chromium "
                "(`apt-get install chromium`); Playwright cannot download browsers here.", pytrace=False)  # fmt: skip


class Chromium:
    """A headless Chromium owned by one worker thread: Playwright's sync API refuses a thread that already
    runs another Playwright (tests/browser keeps one open for the whole session), and its objects must stay
    in the thread that made them, so every use runs there."""

    def __init__(self, executable: str) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._playwright, self._browser = self._thread.submit(self._start, executable).result()

    @staticmethod
    def _start(executable: str):
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        return playwright, playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)

    def run(self, check, *args):
        """``check(browser, *args)`` in the browser's thread; its assertions fail the test."""
        return self._thread.submit(check, self._browser, *args).result()

    def close(self) -> None:
        self._thread.submit(lambda: (self._browser.close(), self._playwright.stop())).result()
        self._thread.shutdown()


@pytest.fixture(scope="module")
def chromium():
    browser = Chromium(chromium_path())
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def layers():
    """Soho's pumps and deaths by walking 100 m, with a Chinese property, markup to escape and numbered sites."""
    streets, pumps = gpd.read_file(SOHO / "Soho_Network.shp"), gpd.read_file(SOHO / "SohoWater.shp")
    people = gpd.read_file(SOHO / "SohoPeople.shp").iloc[:60].copy()
    people["地址"] = [f"宽街 {k} 号" for k in range(len(people))]
    people["备注"] = MARKUP
    result, summary = coverage(pumps, people, 100, metric="network", network=streets, id_column=None,
                               weight_column="Count")  # fmt: skip
    sites = gpd.GeoDataFrame({"rank": [1, 2], "说明": ["新增公厕", "新增垃圾桶"]},
                             geometry=[Point(-15500, 6712900), Point(-15300, 6712800)], crs=3857)  # fmt: skip
    drawn = [(("街道", "streets"), streets, "lines"),
             (("服务范围", "service areas"), service_areas(pumps, 100), "service_areas"),
             (("覆盖结果", "coverage"), result, "coverage"),
             (("水泵", "pumps"), pumps, "facilities"),
             (("建议点位", "proposed sites"), sites, "proposals")]  # fmt: skip
    summary = {**summary, "note": MARKUP, "source": {"zh-CN": "示例数据", "en": "sample data"}}
    paths = len(streets) + len(pumps) + len(pumps) + len(people)  # lines, circles, pump markers, targets
    return drawn, summary, paths


def open_page(browser, page_path: Path) -> tuple:
    """Open the page from disk; every request, console message and page error is recorded."""
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    return page, requests, errors


def check_drawn(page, expected_paths: int) -> None:
    assert page.locator("path.leaflet-interactive").count() == expected_paths
    assert page.locator(".webmap-number").all_inner_texts() == ["1", "2"]
    panel = page.locator(".webmap-panel").inner_text()
    assert "覆盖率 coverage" in panel and "已覆盖 / covered" in panel
    assert MARKUP in panel and page.locator(".webmap-panel img, .webmap-panel b").count() == 0
    assert "示例数据 / sample data" in panel
    target = page.locator("path.leaflet-interactive[stroke='#d6604d']").first  # an uncovered address
    target.hover()
    # (the pointer may cross a service area on its way: wait for this feature's own tooltip)
    page.locator(".leaflet-tooltip", has_text="覆盖结果 / coverage · 未覆盖 / not covered").wait_for(timeout=5000)
    target.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert re.search(r"地址\s+宽街 \d+ 号", popup.inner_text())
    assert MARKUP in popup.inner_text() and popup.locator("img, b").count() == 0


def test_files_variant_loads_only_its_own_copy_of_leaflet(chromium, layers, tmp_path):
    drawn, summary, paths = layers
    page_path = write_map(tmp_path / "苏荷 soho.html", drawn, summary=summary, attribution="libpysal (BSD-3)")
    folder = tmp_path / "苏荷 soho_files"
    for name in ("leaflet.js", "leaflet.css", "LICENSE", "images/layers.png", "images/marker-icon.png"):
        assert (folder / name).read_bytes() == (LEAFLET_DIR / name).read_bytes(), name
    html = page_path.read_text(encoding="utf-8")
    assert URL.search(html) is None  # no CDN, no tiles, no link of any kind
    refs = TAG_REFERENCE.findall(html)
    assert sorted(refs) == ["%E8%8B%8F%E8%8D%B7%20soho_files/leaflet.css", "%E8%8B%8F%E8%8D%B7%20soho_files/leaflet.js"]

    def look(browser):
        page, requests, errors = open_page(browser, page_path)
        check_drawn(page, paths)
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        page.close()
        return requests, errors, attribution

    requests, errors, attribution = chromium.run(look)
    assert errors == [] and "libpysal (BSD-3)" in attribution
    own = {page_path.as_uri(), (folder / "leaflet.js").as_uri(), (folder / "leaflet.css").as_uri()}
    assert set(requests) <= own | {(folder / "images" / n).as_uri() for n in os.listdir(folder / "images")}
    assert own <= set(requests)


def inlined_css() -> str:
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    for name in sorted(os.listdir(LEAFLET_DIR / "images")):
        uri = "data:image/png;base64," + base64.b64encode((LEAFLET_DIR / "images" / name).read_bytes()).decode()
        css = css.replace(f"url(images/{name})", f"url({uri})")
    return css


def test_inline_variant_is_one_self_contained_file(chromium, layers, tmp_path):
    drawn, summary, paths = layers
    page_path = write_map(tmp_path / "soho.html", drawn, summary=summary, inline=True)
    assert os.listdir(tmp_path) == ["soho.html"]
    html = page_path.read_text(encoding="utf-8")
    js = re.search(r'<script data-webmap="leaflet.js">(.*?)</script>', html, re.S).group(1)
    css = re.search(r'<style data-webmap="leaflet.css">(.*?)</style>', html, re.S).group(1)
    assert js == (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")  # Leaflet verbatim ...
    assert css == inlined_css() and "url(images/" not in css  # ... its CSS with the images as data: URIs
    # Leaflet's own code names leafletjs.com (its credit) and the SVG namespace; nothing else does
    rest = html.replace(js, "").replace(css, "")
    assert URL.search(rest) is None
    assert TAG_REFERENCE.findall(rest) == [] and "url(" not in rest

    def look(browser):
        page, requests, errors = open_page(browser, page_path)
        check_drawn(page, paths)
        page.close()
        return requests, errors

    requests, errors = chromium.run(look)
    assert errors == []
    assert [r for r in requests if not r.startswith("data:")] == [page_path.as_uri()]


def test_inline_markers_need_no_image_file(chromium, tmp_path):
    """Leaflet's default marker icon comes from a data: URI in a single-file page, and loads."""
    bins = gpd.GeoDataFrame({"名称": ["东门垃圾桶"]}, geometry=[Point(113.3, 23.1)], crs=4326)
    page_path = write_map(tmp_path / "bins.html", [("垃圾桶", bins, None)], inline=True)

    def look(browser):
        page, requests, errors = open_page(browser, page_path)
        size = page.evaluate("""() => new Promise((resolve) => {
            const image = new Image();
            image.onload = () => resolve([image.src.slice(0, 22), image.naturalWidth]);
            image.src = new L.Icon.Default()._getIconUrl("icon");
        })""")
        page.close()
        return size, requests, errors

    size, requests, errors = chromium.run(look)
    assert size == ["data:image/png;base64,", 25] and errors == []
    assert [r for r in requests if not r.startswith("data:")] == [page_path.as_uri()]


def test_empty_layers_and_generic_styles(chromium, tmp_path):
    line = gpd.GeoDataFrame({"路名": ["幸福路"], "class": ["alley"]}, crs=32649,
                            geometry=[LineString([(740000, 2560000), (740300, 2560000)])])  # fmt: skip
    style = {"by": "class", "classes": {"alley": {"color": "#123456", "label": ("巷道", "alley")}}, "weight": 4,
             "tooltip": "路名"}  # fmt: skip
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    line["note"] = "/*webmap:leaflet.js*/"  # the inlining placeholder, as data
    page_path = write_map(tmp_path / "m.htm", [("道路 <i>x</i>", line, style), ("无", empty, "points")],
                          title="测试 <test>", inline=True)  # fmt: skip

    def look(browser):
        page, _, errors = open_page(browser, page_path)
        control = page.locator(".leaflet-control-layers-overlays")
        assert "道路 <i>x</i>" in control.inner_text() and control.locator("i").count() == 0
        assert page.locator("path.leaflet-interactive[stroke='#123456']").count() == 1
        assert "巷道 / alley (1)" in page.locator(".webmap-panel").inner_text()
        title = page.title()
        page.close()
        return title, errors

    assert chromium.run(look) == ("测试 <test>", [])


def test_refuses_what_it_cannot_draw_safely(tmp_path):
    points = gpd.GeoDataFrame(geometry=[Point(113.3, 23.1)], crs=4326)
    with pytest.raises(ValueError, match="has no CRS"):
        write_map(tmp_path / "a.html", [("x", gpd.GeoDataFrame(geometry=[Point(0, 0)]), None)])
    with pytest.raises(ValueError, match="CSS colour"):
        write_map(tmp_path / "a.html", [("x", points, {"color": "red;background:url(https://cdn.example/x.png)"})])
    with pytest.raises(ValueError, match="no style preset 'heat'"):
        write_map(tmp_path / "a.html", [("x", points, "heat")])
    with pytest.raises(ValueError, match="unknown keys"):
        write_map(tmp_path / "a.html", [("x", points, {"colour": "red"})])
    with pytest.raises(ValueError, match=r"\.html"):
        write_map(tmp_path / "a.png", [("x", points, None)])
    with pytest.raises(TypeError, match="triple"):
        write_map(tmp_path / "a.html", [points])
    assert not list(tmp_path.iterdir())
    # folium's own defaults, used by anything else in the process, are left alone
    assert any("cdn" in url for _, url in folium.Map.default_js)
