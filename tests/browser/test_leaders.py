"""The leaders' pages in a real Chromium against the real demo server, as the demo's leader: before and after
(/compare) side by side, behind a swipe divider and played week by week, and the dashboard (/dashboard) with
its charts, maps, tables and downloads; every number on screen is checked against the API at the same
instant, and the filters against the URL. Screenshots go to tests/artifacts/ (compare-side-by-side.png,
compare-swipe.png, compare-phone.png, dashboard.png, dashboard-heat.png)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pytest
from PIL import Image

from .browser_support import READY_TIMEOUT_MS, fake_tiles, wait_until

CJK = re.compile(r"[\u4e00-\u9fff]")
OPEN_RED = (0xD3, 0x2F, 0x2F)  # caseColors.js: open cases


def today(server) -> date:
    return datetime.now(ZoneInfo(server.config["timezone"])).date()


def months_before(day: date, months: int) -> date:
    """``day`` minus ``months``, kept within the target month (as leadersUrl.js addMonths)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month + 1, min(day.day, last))


def open_page(page_wrapper, url: str) -> dict:
    """Open a leaders' page, wait until it has drawn, and return #compare-maps' data attributes (or {})."""
    page = page_wrapper.page
    page.goto(url)
    page.wait_for_selector("body[data-ready]", state="attached", timeout=READY_TIMEOUT_MS)
    assert page.get_attribute("body", "data-ready") == "1", page_wrapper.errors
    return maps_data(page)


def maps_data(page) -> dict:
    return page.evaluate("({...(document.getElementById('compare-maps') || {dataset: {}}).dataset})")


def api_counts(server, at: str, **filters) -> dict:
    """Cases at ``at`` by state group, from the dashboard endpoint (as the admin)."""
    dash = server.api("/dashboard?" + urlencode({"at": at, **filters}))
    return {"cases": dash["total"], **{g: dash["by_group"].get(g, 0) for g in ("open", "fixed", "closed")}}


def page_counts(data: dict, prefix: str) -> dict:
    return {key: int(data[f"{prefix}{key.title()}"]) for key in ("cases", "open", "fixed", "closed")}


def red_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels of an open case's red within ``box`` of ``image``."""
    region = np.asarray(image.convert("RGB").crop(box), dtype=int)
    return int((np.abs(region - np.array(OPEN_RED)).max(axis=2) <= 12).sum())


# -- before and after ---------------------------------------------------------------------------------------


def test_side_by_side_shows_the_cases_of_each_date(demo_server, desktop, artifacts):
    data = open_page(desktop, demo_server.url + "/compare")
    page = desktop.page
    end = today(demo_server)
    start = months_before(end, 6)
    assert page.input_value("#filter-from") == start.isoformat() and page.input_value("#filter-to") == end.isoformat()
    assert (
        data["view"] == "side" and page.locator("#map-before").is_visible() and page.locator("#map-after").is_visible()
    )
    # Each map shows exactly the cases the API has at its instant, by state group.
    assert data["beforeAt"].startswith(start.isoformat())
    assert page_counts(data, "before") == api_counts(demo_server, data["beforeAt"])
    assert page_counts(data, "after") == api_counts(demo_server, data["afterAt"])
    assert int(data["beforeCases"]) != int(data["afterCases"])
    # The rings and the cards are compare's numbers.
    compare = demo_server.api("/compare?" + urlencode({"from": data["beforeAt"], "to": data["afterAt"]}))
    summary = compare["summary"]
    rings = {
        "new": "changeNew",
        "fixed": "changeFixed",
        "still_open": "changeStillOpen",
        "recurring": "changeRecurring",
    }
    for key, attribute in rings.items():
        assert int(data[attribute]) == summary[key], key
        card = page.locator(f'#summary [data-figure="{key}"] .lv-card-value').inner_text()
        assert int(card.replace(",", "")) == summary[key]
    assert page.locator('[data-figure="open_before"]').inner_text() == str(summary["open_before"])
    assert page.locator('[data-figure="open_after"]').inner_text() == str(summary["open_after"])
    # Per grid cell, as the API counts them.
    grid_rows = page.locator("#by-grid-table tbody tr[data-row]")
    assert grid_rows.count() == len(compare["by_grid"])
    for row in compare["by_grid"]:
        cells = page.locator(f'#by-grid-table tr[data-row="{row["grid_code"]}"]')
        assert cells.locator('[data-col="new"]').inner_text() == str(row["new"])
        assert cells.locator('[data-col="fixed"]').inner_text() == str(row["fixed"])
    # Sorting by a column puts its largest first, then its smallest.
    page.locator('#by-category-table button[data-col="fixed"]').click()
    values = [int(t) for t in page.locator('#by-category-table td[data-col="fixed"]').all_inner_texts()]
    assert values == sorted(values, reverse=True)
    page.locator('#by-category-table button[data-col="fixed"]').click()
    values = [int(t) for t in page.locator('#by-category-table td[data-col="fixed"]').all_inner_texts()]
    assert values == sorted(values)
    # Coverage then and now: the API's ratios.
    page.wait_for_selector("#coverage[data-ready]", timeout=60_000)
    coverage = demo_server.api("/compare?" + urlencode({"from": data["beforeAt"], "to": data["afterAt"],
                                                         "coverage": "true"}))["coverage"]  # fmt: skip
    for side in ("before", "after"):
        shown = page.get_attribute(f'#coverage tr[data-row="toilets"] td[data-col="{side}"]', "data-value")
        assert float(shown) == pytest.approx(coverage[side]["toilets"]["coverage_ratio"])
    assert "公厕覆盖率" in page.locator("#coverage").inner_text()
    # Both maps look at the same place: moving one moves the other.
    page.locator("#map-before .leaflet-control-zoom-in").click()
    wait_until(
        page, "document.getElementById('map-after').dataset.zoom === document.getElementById('map-before').dataset.zoom"
    )
    desktop.assert_no_errors()
    page.locator("#map-before .leaflet-control-zoom-out").click()
    page.wait_for_timeout(600)
    page.screenshot(path=str(artifacts / "compare-side-by-side.png"))


def test_the_leaders_maps_take_the_tile_presets_and_stay_offline_by_default(demo_server, desktop):
    """No tiles unless chosen; AMap (GCJ-02) turns both synchronised maps to its CRS with the cases still
    drawn; the choice carries to the dashboard's map (the same remembered preset as the main map)."""
    page = desktop.page
    tiles = fake_tiles(page)
    data = open_page(desktop, demo_server.url + "/compare")
    assert page.input_value("#basemap-select") == "none" and tiles == []
    assert page.locator(".leaflet-tile").count() == 0
    before_cases, after_cases = data["beforeCases"], data["afterCases"]

    page.select_option("#basemap-select", "amap")
    for side in ("before", "after"):
        wait_until(page, f"document.getElementById('map-{side}').dataset.crs === 'gcj02'")
        wait_until(page, f"document.querySelectorAll('#map-{side} .leaflet-tile-loaded').length > 0")
    assert tiles and all("autonavi.com" in url for url in tiles)
    assert maps_data(page)["beforeCases"] == before_cases and maps_data(page)["afterCases"] == after_cases
    # Another view builds new maps: they take the chosen tiles too.
    page.locator('.lv-view[data-view="swipe"]').click()
    wait_until(page, "document.getElementById('compare-maps').dataset.view === 'swipe'"
                     " && document.getElementById('compare-maps').dataset.drawn === '1'")
    wait_until(page, "document.querySelectorAll('#compare-maps .leaflet-tile-loaded').length > 0")
    assert page.locator("#compare-maps .map.has-tiles").count() == 1

    open_page(desktop, demo_server.url + "/dashboard")
    assert page.input_value("#basemap-select") == "amap"
    wait_until(page, "document.getElementById('dash-map').dataset.crs === 'gcj02'")
    page.select_option("#basemap-select", "none")
    wait_until(page, "document.getElementById('dash-map').dataset.crs === 'wgs84'")
    assert page.locator("#dash-map .leaflet-tile").count() == 0
    desktop.assert_no_errors()


def _count_at(server, layer: str, at: str) -> int:
    return server.api(f"/layers/{layer}/features?" + urlencode({"at": at, "limit": 1}))["numberMatched"]


def test_each_map_shows_the_facilities_of_its_date(demo_server, desktop, artifacts):
    """Collection points and toilets as they stood at each map's date (a toilet put up meanwhile shows on the
    later map only); the legend hides a facility layer on every map and says so in the URL."""
    page = desktop.page
    asked: dict[str, set] = {}  # layer -> the at= of its feature requests

    def note(request) -> None:
        url = urlsplit(request.url)
        if url.path.startswith("/api/layers/") and url.path.endswith("/features"):
            asked.setdefault(url.path.split("/")[3], set()).update(parse_qs(url.query).get("at", []))

    page.on("request", note)
    data = open_page(desktop, demo_server.url + "/compare")
    drawn = {side: dict(item.split(":") for item in data[f"{side}Facilities"].split(","))
             for side in ("before", "after")}
    for side in ("before", "after"):
        at = data[f"{side}At"]
        assert {k: int(v) for k, v in drawn[side].items()} == {
            layer: _count_at(demo_server, layer, at) for layer in ("collection_points", "toilets")}
    for layer in ("collection_points", "toilets"):  # each read as it stood at each map's instant
        assert {data["beforeAt"], data["afterAt"]} <= asked[layer]
    legend = page.locator("#legend")
    assert "公共设施" in legend.inner_text() and legend.locator("#show-toilets").is_checked()
    assert legend.locator("#show-bins").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "compare-facilities.png"))
    legend.locator("#show-toilets").uncheck()
    assert "toilets" in parse_qs(urlsplit(page.url).query)["hide"][0].split(",")
    # Play view: each week's facilities.
    page.locator('.lv-view[data-view="play"]').click()
    wait_until(page, "document.getElementById('compare-maps').dataset.playFacilities !== undefined")
    play = maps_data(page)
    counts = dict(item.split(":") for item in play["playFacilities"].split(","))
    assert int(counts["toilets"]) == _count_at(demo_server, "toilets", play["playAt"])
    desktop.assert_no_errors()


def test_saved_analyses_show_on_the_maps_of_their_dates(demo_server, desktop):
    end = today(demo_server)
    analysed = (end - timedelta(days=60)).isoformat()
    saved = demo_server.send("/analysis/coverage", {"facilities": "toilets", "targets": "buildings", "radius_m": 300,
                                                    "at": analysed, "save": True})["saved_layer"]  # fmt: skip
    earlier = (end - timedelta(days=90)).isoformat()
    data = open_page(desktop, demo_server.url + "/compare?" + urlencode({"from": earlier}))
    assert saved not in data["beforeAnalyses"].split(",")  # analysed after the first date
    assert saved in data["afterAnalyses"].split(",")
    label = desktop.page.locator('.lv-map-label[data-side="after"] .lv-map-note').inner_text()
    title = next(layer for layer in demo_server.api("/layers")["layers"] if layer["id"] == saved)["title"]["zh-CN"]
    assert title in label
    data = open_page(desktop, demo_server.url + "/compare?" + urlencode({"from": analysed}))
    assert saved in data["beforeAnalyses"].split(",")
    desktop.assert_no_errors()


def test_swipe_divider_shows_both_dates(demo_server, desktop, artifacts):
    data = open_page(desktop, demo_server.url + "/compare?view=swipe")
    page = desktop.page
    assert page.locator("#map-swipe").is_visible() and page.locator("#map-before").count() == 0
    assert page_counts(data, "before") == api_counts(demo_server, data["beforeAt"])
    assert page_counts(data, "after") == api_counts(demo_server, data["afterAt"])
    assert "之前" in page.locator('.lv-map-label[data-side="before"]').inner_text()
    assert "之后" in page.locator('.lv-map-label[data-side="after"]').inner_text()
    box = page.locator("#map-swipe").bounding_box()
    handle = page.locator(".lv-swipe-handle").bounding_box()
    assert abs(handle["x"] + handle["width"] / 2 - (box["x"] + box["width"] / 2)) < 3
    # Drag the divider to 35 % of the width.
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    target = box["x"] + box["width"] * 0.35
    page.mouse.move(target, handle["y"] + handle["height"] / 2, steps=8)
    page.mouse.up()
    ratio = float(page.get_attribute("#map-swipe", "data-swipe-ratio"))
    assert ratio == pytest.approx(0.35, abs=0.01)
    # Each date's pane is clipped at the divider, and each side shows its own date's open cases.
    left = page.evaluate("getComputedStyle(document.querySelector('.leaflet-lv-before-pane')).clipPath")
    right = page.evaluate("getComputedStyle(document.querySelector('.leaflet-lv-after-pane')).clipPath")
    assert left.startswith("polygon(") and right.startswith("polygon(")
    page.wait_for_timeout(300)
    shot = Image.open(io.BytesIO(page.locator("#map-swipe").screenshot()))
    cut = int(shot.width * ratio)
    assert red_pixels(shot, (0, 0, cut - 25, shot.height)) > 20
    assert red_pixels(shot, (cut + 25, 0, shot.width, shot.height)) > 20
    # Keys move it too.
    page.locator(".lv-swipe-handle").focus()
    page.keyboard.press("ArrowRight")
    assert float(page.get_attribute("#map-swipe", "data-swipe-ratio")) == pytest.approx(ratio + 0.05, abs=0.01)
    desktop.assert_no_errors()
    page.screenshot(path=str(artifacts / "compare-swipe.png"))


def test_time_slider_plays_the_weeks_as_the_api_counts_them(demo_server, desktop):
    end = today(demo_server)
    start = (end - timedelta(days=70)).isoformat()
    open_page(desktop, demo_server.url + "/compare?" + urlencode({"from": start, "view": "play", "week": 0}))
    page = desktop.page
    weeks = demo_server.api("/compare?" + urlencode({"from": start, "to": (end + timedelta(days=1)).isoformat(),
                                                      "weeks": "true"}))["weeks"]  # fmt: skip
    assert len(weeks) == 12  # the first date, ten weeks after it and now
    assert page.locator(".lv-bar").count() == len(weeks)

    def shown() -> tuple[int, dict]:
        data = maps_data(page)
        counter = page.locator('[data-part="count"]')
        assert int(counter.get_attribute("data-open")) == int(data["playOpen"])
        assert counter.inner_text() == f"未处理 {data['playOpen']} 件"
        return int(data["playWeek"]), data

    index, data = shown()
    assert index == 0 and data["playAt"] == weeks[0]["at"]
    assert page_counts(data, "play") == api_counts(demo_server, weeks[0]["at"])
    page.locator('[data-part="forward"]').click()
    wait_until(page, "document.getElementById('compare-maps').dataset.playWeek === '1'")
    index, data = shown()
    assert page_counts(data, "play") == api_counts(demo_server, weeks[1]["at"])
    assert parse_qs(urlsplit(page.url).query)["week"] == ["1"]
    # Play: the weeks follow one another; each one drawn is the API's.
    page.locator('[data-part="play"]').click()
    wait_until(page, "Number(document.getElementById('compare-maps').dataset.playWeek) >= 4", timeout=20_000)
    page.locator('[data-part="play"]').click()  # pause
    index, data = shown()
    assert page_counts(data, "play") == api_counts(demo_server, weeks[index]["at"])
    assert len({w["open"] for w in weeks}) > 1  # the counter really moves
    opens = []
    for i in range(len(weeks)):
        page.locator(f'.lv-bar[data-index="{i}"]').click()
        wait_until(page, f"document.getElementById('compare-maps').dataset.playWeek === '{i}'")
        opens.append(shown()[1]["playOpen"])
    assert [int(v) for v in opens] == [w["open"] for w in weeks]
    # Played weeks are not fetched twice.
    points = [url for url in desktop.requests if "/blackspots/points" in url]
    assert len(points) == len(set(points))
    desktop.assert_no_errors()


def test_filters_round_trip_through_the_url(demo_server, desktop):
    end = today(demo_server)
    cell = demo_server.api("/dashboard")["grid_ranking"][0]["grid_code"]
    query = {"from": (end - timedelta(days=120)).isoformat(), "to": (end - timedelta(days=30)).isoformat(),
             "grid": cell, "category": "0102", "view": "swipe", "hide": "closed"}  # fmt: skip
    data = open_page(desktop, demo_server.url + "/compare?" + urlencode(query))
    page = desktop.page
    assert page.input_value("#filter-from") == query["from"] and page.input_value("#filter-to") == query["to"]
    assert page.input_value("#filter-grid") == cell and page.input_value("#filter-category") == "0102"
    assert page.get_attribute('.lv-view[data-view="swipe"]', "aria-pressed") == "true"
    assert not page.locator("#show-closed").is_checked()
    api = api_counts(demo_server, data["afterAt"], grid=cell, category="0102")
    shown = page_counts(data, "after")
    assert shown == {**api, "cases": api["cases"] - api["closed"], "closed": 0}  # closed ones hidden
    report = urlsplit(page.get_attribute("#report-link", "href"))
    assert report.path == "/report"
    assert parse_qs(report.query) == {
        "from": [query["from"]],
        "to": [query["to"]],
        "grid": [cell],
        "category": ["0102"],
    }
    # Change a filter: the URL follows, and a reload restores everything.
    page.select_option("#filter-category", "0201")
    page.wait_for_selector("body[data-ready='1']")
    assert parse_qs(urlsplit(page.url).query)["category"] == ["0201"]
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=READY_TIMEOUT_MS)
    assert page.input_value("#filter-category") == "0201" and page.input_value("#filter-grid") == cell
    data = maps_data(page)
    api = api_counts(demo_server, data["beforeAt"], grid=cell, category="0201")
    assert int(data["beforeOpen"]) == api["open"] and int(data["beforeClosed"]) == 0
    desktop.assert_no_errors()


def test_compare_on_a_phone(demo_server, phone, artifacts):
    data = open_page(phone, demo_server.url + "/compare")
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    before = page.locator("#map-before").bounding_box()
    after = page.locator("#map-after").bounding_box()
    assert after["y"] >= before["y"] + before["height"] - 1  # stacked, not squeezed side by side
    assert before["width"] > 300 and before["height"] > 200
    assert page_counts(data, "after") == api_counts(demo_server, data["afterAt"])
    page.locator('.lv-view[data-view="play"]').tap()
    wait_until(page, "document.getElementById('compare-maps').dataset.playWeek !== undefined")
    assert page.locator('[data-part="play"]').is_visible()
    phone.assert_no_errors()
    page.locator('.lv-view[data-view="side"]').tap()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "compare-phone.png"))


def test_menu_and_pages_link_to_each_other(demo_server, desktop):
    desktop.open(demo_server.url + "/")
    page = desktop.page
    page.locator("#user-menu-button").click()
    assert page.locator("#user-menu-compare").inner_text() == "对比"
    assert page.locator("#user-menu-dashboard").get_attribute("href") == "/dashboard"
    assert page.locator("#user-menu-report").get_attribute("href") == "/report"
    assert page.locator("#user-menu-import").count() == 0  # leaders read; importing is a planner's
    page.locator("#user-menu-compare").click()
    page.wait_for_url(demo_server.url + "/compare")
    page.wait_for_selector("body[data-ready='1']", timeout=READY_TIMEOUT_MS)
    page.locator("#link-dashboard").click()
    page.wait_for_url(demo_server.url + "/dashboard")
    page.wait_for_selector("body[data-ready='1']", timeout=READY_TIMEOUT_MS)
    page.locator("#user-menu-button").click()
    assert page.locator("#user-menu-dashboard").count() == 0 and page.locator("#user-menu-compare").count() == 1
    desktop.assert_no_errors()


# -- the dashboard -------------------------------------------------------------------------------------------


def canvas_ink(page, selector: str) -> int:
    """Non-transparent pixels drawn on the canvases inside ``selector``."""
    return page.evaluate("""(selector) => {
        let ink = 0;
        for (const canvas of document.querySelectorAll(selector + ' canvas')) {
            if (!canvas.width || !canvas.height) continue;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 16) if (data[i]) ink += 1;
        }
        return ink;
    }""", selector)  # fmt: skip


def column(page, table: str, col: str) -> list[str]:
    return page.locator(f'#table-{table} tbody td[data-col="{col}"]').all_inner_texts()


def test_dashboard_charts_tables_and_maps_match_the_api(demo_server, desktop, artifacts):
    open_page(desktop, demo_server.url + "/dashboard")
    page = desktop.page
    dash = demo_server.api("/dashboard")

    def figure(key: str) -> int:
        return int(page.locator(f'#figures [data-figure="{key}"] .lv-card-value').inner_text().replace(",", ""))

    assert figure("total") == dash["total"] and figure("open") == dash["by_group"]["open"]
    assert figure("overdue") == dash["overdue"]["count"]
    # Charts: drawn, not blank.
    for chart in ("status", "category", "grid", "month"):
        page.wait_for_selector(f"#chart-{chart}[data-chart-ready]", state="attached")
        assert canvas_ink(page, f"#chart-{chart}") > 500, chart
    wait_until(page, "document.getElementById('chart-coverage').dataset.points === '6'", timeout=120_000)
    page.wait_for_selector("#chart-coverage[data-chart-ready]", state="attached")
    assert canvas_ink(page, "#chart-coverage") > 500
    # Tables: the API's numbers, row by row.
    ranking = dash["grid_ranking"]
    assert [int(v) for v in column(page, "grid_ranking", "rank")] == [r["rank"] for r in ranking]
    assert [int(v) for v in column(page, "grid_ranking", "overdue")] == [r["overdue"] for r in ranking]
    assert "第一网格（西围片）" in column(page, "grid_ranking", "grid")  # the community's name left out
    units = {r["responsible_unit"]: r for r in dash["by_unit"]}
    for row in page.locator("#table-time_to_fix tbody tr[data-row]").all():
        unit = units[row.get_attribute("data-row")]
        assert int(row.locator('[data-col="overdue"]').inner_text()) == unit["overdue"]
    assert page.locator("#table-overdue tbody tr[data-row]").count() == dash["overdue"]["count"]
    assert {int(r.get_attribute("data-row")) for r in page.locator("#table-overdue tbody tr[data-row]").all()} == set(
        dash["overdue"]["ids"]
    )
    months = {m["month"]: m for m in dash["by_month"]}
    for row in page.locator("#table-by_month tbody tr[data-row]").all():
        assert (
            int(row.locator('[data-col="reported"]').inner_text()) == months[row.get_attribute("data-row")]["reported"]
        )
    # Maps: heat (the default), hexagons and grid cells, each holding every open case.
    open_count = len(dash["open_points"])
    assert page.get_attribute("#dash-map", "data-mode") == "heat"
    assert int(page.get_attribute("#dash-map canvas.lv-heat", "data-drawn")) == open_count
    assert canvas_ink(page, "#dash-map .leaflet-lv-dash-pane") > 200
    desktop.assert_no_errors()
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
    page.locator("section:has(#dash-map)").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.locator("section:has(#dash-map)").screenshot(path=str(artifacts / "dashboard-heat.png"))
    page.locator('[data-map-mode="hex"]').click()
    assert int(page.get_attribute("#dash-map", "data-hex-points")) == open_count
    assert int(page.get_attribute("#dash-map", "data-hexagons")) > 3
    assert parse_qs(urlsplit(page.url).query)["map"] == ["hex"]
    page.locator('[data-map-mode="grid"]').click()
    labels = page.locator(".lv-grid-count").all()
    by_grid = {r["grid_code"]: r["open"] for r in dash["by_grid"]}
    assert {label.get_attribute("data-grid"): int(label.inner_text()) for label in labels} == {
        code: by_grid.get(code, 0) for code in (label.get_attribute("data-grid") for label in labels)
    }
    assert sum(int(label.inner_text()) for label in labels) == dash["by_group"]["open"]
    desktop.assert_no_errors()


def test_dashboard_downloads_csv_and_excel(demo_server, desktop, tmp_path):
    open_page(desktop, demo_server.url + "/dashboard")
    page = desktop.page
    dash = demo_server.api("/dashboard")
    with page.expect_download() as info:
        page.locator("#export-by_grid-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("看板-按网格-") and download.suggested_filename.endswith(".csv")
    raw = tmp_path / "grid.csv"
    download.save_as(raw)
    data = raw.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0][:2] == ["网格编码", "网格名称"]
    assert {r[0]: int(r[4]) for r in rows[1:]} == {g["grid_code"]: g["open"] for g in dash["by_grid"]}
    assert all(CJK.search(r[1]) for r in rows[1:])
    with page.expect_download() as info:
        page.locator("#export-by_category-xlsx").click()
    path = tmp_path / "categories.xlsx"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(path).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ["类别代码", "类别"]
    assert [[r[0], r[1], r[2]] for r in values[1:]] == [[c["category"], c["name"]["zh-CN"], c["cases"]]
                                                         for c in dash["by_category"]]  # fmt: skip
    desktop.assert_no_errors()


def test_dashboard_filters_round_trip_through_the_url(demo_server, desktop):
    end = today(demo_server)
    cell = demo_server.api("/dashboard")["grid_ranking"][0]["grid_code"]
    at = (end - timedelta(days=45)).isoformat()
    open_page(desktop, demo_server.url + "/dashboard?" + urlencode({"at": at, "grid": cell, "map": "grid"}))
    page = desktop.page
    dash = demo_server.api("/dashboard?" + urlencode({"at": (end - timedelta(days=44)).isoformat(), "grid": cell}))
    assert int(page.locator('#figures [data-figure="total"] .lv-card-value').inner_text()) == dash["total"]
    assert page.get_attribute("#dash-map", "data-mode") == "grid"
    assert page.input_value("#filter-at") == at and page.input_value("#filter-grid") == cell
    href = page.get_attribute("#export-by_grid-csv", "href")
    assert parse_qs(urlsplit(href).query)["grid"] == [cell] and "at" in parse_qs(urlsplit(href).query)
    page.select_option("#filter-grid", "")
    page.wait_for_selector("body[data-ready='1']")
    assert "grid" not in parse_qs(urlsplit(page.url).query)
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=READY_TIMEOUT_MS)
    assert page.input_value("#filter-at") == at and page.input_value("#filter-grid") == ""
    assert page.get_attribute("#link-compare", "href") == "/compare"
    desktop.assert_no_errors()


def test_english_labels_and_a_field_worker_is_refused(demo_server, desktop, new_page):
    open_page(desktop, demo_server.url + "/dashboard")
    page = desktop.page
    page.locator("#language-toggle").click()
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("#export-by_grid-xlsx").inner_text() == "Excel"
    assert "lang=en" in page.get_attribute("#export-by_grid-xlsx", "href")
    page.locator("#language-toggle").click()
    desktop.assert_no_errors()
    from .browser_support import DEMO_ACCOUNTS, logged_in_state

    worker = new_page("desktop", logged_in_state(desktop.page.context.browser, demo_server.url, "wangge1",
                                                 DEMO_ACCOUNTS["wangge1"][0]))  # fmt: skip
    worker.page.goto(demo_server.url + "/compare")
    worker.page.wait_for_selector("body[data-ready]", state="attached")
    assert worker.page.get_attribute("body", "data-ready") == "forbidden"
    assert "没有查看" in worker.page.locator("#notice").inner_text()


def test_clicking_a_case_dot_shows_the_case_as_it_was(demo_server, desktop):
    from .test_map import isolated_blackspot

    spot = isolated_blackspot(demo_server)
    lng, lat = spot["geometry"]["coordinates"]
    open_page(desktop, demo_server.url + f"/compare#19/{lat:.7f}/{lng:.7f}")
    page = desktop.page
    box = page.locator("#map-after").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(f'.lv-case-popup[data-case-id="{spot["id"]}"]')
    popup.wait_for(timeout=15_000)
    text = popup.inner_text()
    assert f"#{spot['id']}" in text and "状态" in text
    assert popup.locator("a").get_attribute("href") == f"/field#case/{spot['id']}"
    desktop.assert_no_errors()
