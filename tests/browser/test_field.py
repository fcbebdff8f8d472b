"""The field view (/field) on a phone, in a real Chromium against the real demo server, as the demo's field
worker wangge1: the worklist nearest first and its filters, a case's details (navigation links, before and
after photos side by side), planning a round, reporting with a photo and the duplicate question, working
offline through the service worker and the outbox (changes sent exactly once, even when sent twice) and
a conflict with another user's change. Screenshots go to tests/artifacts/field-*.png.

Each test changes only demo cases no other test uses (see field_support.cases_for) and deletes the cases
it reports, so the demo's case counts stay as other tests expect."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84

from .browser_support import DEMO_ACCOUNTS, http, logged_in_state, login_through_page, wait_until
from .conftest import PHONE
from .field_support import (
    RESTORE_OUTBOX,
    STASH_OUTBOX,
    WORKER,
    WORKER_CELLS,
    FieldPage,
    Person,
    admin_delete_case,
    cases_for,
    distance_m,
    jpeg,
)

CM_IN_DEG = 1e-7 * 1.2  # 1 cm is about 0.9e-7 degree of latitude; a little slack for float rounding


@pytest.fixture(scope="session")
def worker_state(browser, demo_server) -> dict:
    """A session of the demo's field worker wangge1, logged in once through the login page."""
    return logged_in_state(browser, demo_server.url, WORKER, DEMO_ACCOUNTS[WORKER][0])


@pytest.fixture(scope="session")
def worker(demo_server) -> Person:
    return Person(demo_server.url, WORKER)


@pytest.fixture
def field_phone(browser, demo_server, worker_state):
    """Make /field pages on a phone (WeChat's browser, 375 × 667) standing at (lon, lat), logged in as
    wangge1, with the location permission granted."""
    contexts = []

    def make(lon: float, lat: float) -> FieldPage:
        context = browser.new_context(**PHONE, storage_state=worker_state,
                                      geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
        contexts.append(context)
        return FieldPage(context, context.new_page(), demo_server.url)

    yield make
    for context in contexts:
        context.close()


def format_distance_zh(metres: float) -> str:
    return f"{round(metres)} 米" if metres < 1000 else f"{metres / 1000:.1f}".rstrip("0").rstrip(".") + " 公里"


# -- the worklist --------------------------------------------------------------------------------------

def test_worklist_lists_my_open_cases_nearest_first(demo_server, worker, field_phone, artifacts):
    mine = worker.worklist()
    assert mine and all(case["grid_code"] in WORKER_CELLS for case in mine)
    open_cases = {case["id"]: case for case in mine if case["state_group"] == "open"}
    everyone = [f["properties"] for f in demo_server.api("/cases?status=open,fixed&limit=5000")["features"]]
    others = {case["id"] for case in everyone if case["grid_code"] not in WORKER_CELLS and case["assignee"] != WORKER}
    assert others, "the demo should have open cases outside wangge1's cells"
    # Stand a little off the middle case of the list.
    middle = sorted(open_cases.values(), key=lambda c: (c["lon"], c["lat"]))[len(open_cases) // 2]
    here = (middle["lon"] + 0.0004, middle["lat"] - 0.0003)
    field = field_phone(*here)
    page = field.page
    field.open()
    assert page.evaluate("document.title") == "外业工作台 · 创卫地图"
    assert page.viewport_size == {"width": 375, "height": 667}
    page.locator('#group-filter [data-group="open"]').tap()
    rows = field.rows()
    assert {row["id"] for row in rows} == set(open_cases)
    assert not {row["id"] for row in rows} & others
    # Nearest first from the phone's position, as the server orders them from the same point.
    expected = sorted(open_cases, key=lambda cid: (distance_m(here, (open_cases[cid]["lon"], open_cases[cid]["lat"])),
                                                   cid))
    assert [row["id"] for row in rows] == expected
    distances = [row["distance"] for row in rows]
    assert distances == sorted(distances)
    for row in rows[:5]:
        case = open_cases[row["id"]]
        assert abs(row["distance"] - distance_m(here, (case["lon"], case["lat"]))) < 1.0
    near = worker.worklist(f"mine=true&status=open&limit=500&near={here[0]},{here[1]}")
    assert [case["id"] for case in near][:5] == [row["id"] for row in rows][:5]
    assert page.locator("#list-status").inner_text().endswith("由近到远")
    # Each row: the category's icon and name, the status, the address and the distance; the badges.
    first = rows[0]
    case = open_cases[first["id"]]
    assert first["icon"] == f"/static/icons/{case['icon']}.svg" and first["iconLoaded"]
    assert case["category_name"]["zh-CN"] in first["text"]
    assert case["status_label"]["zh-CN"] in first["text"]
    assert format_distance_zh(distance_m(here, (case["lon"], case["lat"]))) in first["text"]
    assert all(row["iconLoaded"] for row in rows)
    overdue = {cid for cid, c in open_cases.items() if c["overdue"]}
    recurring = {cid: c["recurrence"] for cid, c in open_cases.items() if c["recurrence"]}
    for row in rows:
        # The deadline as a countdown on cases on the clock: 超期 n 天/小时 once overdue, else 剩余 …
        assert (re.search(r"超期 \d+ (天|小时|分钟)", row["text"]) is not None) == (row["id"] in overdue)
        on_clock = open_cases[row["id"]]["status"] in ("dispatched", "in_progress", "reopened")
        counting = re.search(r"剩余 \d+ (天|小时|分钟)", row["text"]) is not None
        assert counting == (on_clock and row["id"] not in overdue)
        assert (f"回潮 ×{recurring[row['id']]}" in row["text"]) if row["id"] in recurring else "回潮" not in row["text"]
    # The map shows the listed cases over the project's own base layers (no tile server).
    map_data = field.map_data()
    assert int(map_data["cases"]) == len(rows)
    assert int(map_data["baseFeatures"]) > 100
    assert map_data["here"] == f"{here[0]:.6f},{here[1]:.6f}"
    assert page.get_attribute("#case-list", "data-stored") == "false"  # fresh from the server
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "field-worklist.png"))

    # The legend: the rings' meanings and every active category with its icon.
    page.locator("#legend-toggle").tap()
    legend = page.locator("#field-legend")
    assert legend.is_visible() and "已超期" in legend.inner_text()
    categories = [c for c in worker.get("/categories")["categories"] if c["active"]]
    shown = page.eval_on_selector_all("#field-legend [data-category]", """items => items.map(i => [i.dataset.category,
        i.querySelector('img').getAttribute('src'), i.innerText.trim()])""")
    assert sorted(shown) == sorted([c["code"], f"/static/icons/{c['icon']}.svg", c["name"]["zh-CN"]]
                                   for c in categories)
    wait_until(page, "[...document.querySelectorAll('#field-legend img')].every(i => i.complete && i.naturalWidth)")
    legend.locator("[data-close]").tap()
    assert not legend.is_visible()

    # Filter by category: the commonest category of the open cases.
    counts: dict[str, int] = {}
    for c in open_cases.values():
        counts[c["category"]] = counts.get(c["category"], 0) + 1
    code = max(counts, key=counts.get)
    page.select_option("#category-filter", code)
    rows = field.rows()
    assert len(rows) == counts[code] and all(row["category"] == code for row in rows)
    assert int(field.map_data()["cases"]) == counts[code]
    page.locator('#group-filter [data-group="fixed"]').tap()
    assert {row["id"] for row in field.rows()} == {c["id"] for c in mine if c["state_group"] == "fixed"
                                                   and c["category"] == code}
    page.select_option("#category-filter", "")
    page.locator('#group-filter [data-group="all"]').tap()
    assert {row["id"] for row in field.rows()} == {c["id"] for c in mine}

    # English, through the same switch as the map.
    page.locator("#language-toggle").tap()
    assert page.locator("#map-toggle").inner_text() == "Hide map ▲"
    assert page.locator('#group-filter [data-group="open"]').inner_text() == "Open"
    page.locator("#language-toggle").tap()
    field.assert_no_errors()


def test_the_main_maps_user_menu_links_to_the_field_view(demo_server, field_phone):
    field = field_phone(113.33, 23.13)
    page = field.page
    page.goto(demo_server.url + "/")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.locator("#user-menu-button").tap()
    link = page.locator("#user-menu-field")
    assert link.inner_text() == "外业工作台" and link.get_attribute("href") == "/field"
    link.tap()
    page.wait_for_url(demo_server.url + "/field")
    field.wait_ready()
    page.locator("#user-menu-button").tap()
    assert page.locator("#user-menu-field").count() == 0
    assert page.locator("#user-menu-map").get_attribute("href") == "/"
    field.assert_no_errors()


# -- a case ----------------------------------------------------------------------------------------------

def test_case_detail_navigation_links_and_photos_side_by_side(demo_server, worker, field_phone, artifacts):
    [case] = cases_for(worker, "in_progress", 1)
    before = worker.photo(case["id"], "before", jpeg((150, 110, 70), seed=11))
    after = worker.photo(case["id"], "after", jpeg((90, 160, 200), seed=12))
    field = field_phone(case["lon"] + 0.0002, case["lat"])
    page = field.page
    field.open(f"#case/{case['id']}")
    page.wait_for_selector(f'#view-detail[data-case-id="{case["id"]}"][data-loaded="1"]', state="attached")
    detail = page.locator("#view-detail")
    assert case["description"] in detail.inner_text()
    assert case["address"] in detail.inner_text()
    cells = {f["properties"]["code"]: f["properties"]["name"]
             for f in worker.get("/layers/grid/features?limit=1000")["features"]}  # fmt: skip
    assert cells[case["grid_code"]] in detail.inner_text()  # the cell by name, not its code
    assert detail.locator('[data-part="status"]').inner_text() == case["status_label"]["zh-CN"]

    # Navigation: real links; AMap gets GCJ-02 (a few hundred metres off), Baidu BD-09; geo: gets WGS 84.
    detail.locator(".fv-nav-summary").tap()
    links = page.eval_on_selector_all(".fv-nav-link",
                                      "as => as.map(a => [a.tagName, a.dataset.app, a.getAttribute('href')])")
    assert [app for _, app, _ in links] == ["amap", "baidu", "geo", "apple", "osm"]
    assert all(tag == "A" for tag, _, _ in links)
    hrefs = {app: href for _, app, href in links}
    assert hrefs == {app: case["navigation"][app] for app in hrefs}
    lon, lat = case["lon"], case["lat"]
    amap = parse_qs(urlsplit(hrefs["amap"]).query)
    g_lon, g_lat = (float(v) for v in amap["to"][0].split(",")[:2])
    assert amap["coordinate"] == ["gaode"]
    assert distance_m((g_lon, g_lat), (lon, lat)) > 100  # not the WGS 84 point
    back = gcj02_to_wgs84(g_lon, g_lat)
    assert abs(back[0] - lon) < CM_IN_DEG and abs(back[1] - lat) < CM_IN_DEG
    baidu = parse_qs(urlsplit(hrefs["baidu"]).query)
    b_lat, b_lon = (float(v) for v in re.match(r"latlng:([-\d.]+),([-\d.]+)", baidu["destination"][0]).groups())
    back = bd09_to_wgs84(b_lon, b_lat)
    assert abs(back[0] - lon) < 1e-6 and abs(back[1] - lat) < 1e-6
    geo = re.match(r"geo:([-\d.]+),([-\d.]+)\?q=([-\d.]+),([-\d.]+)\((.*)\)$", unquote(hrefs["geo"]))
    assert geo, hrefs["geo"]
    assert (float(geo[1]), float(geo[2])) == (round(lat, 7), round(lon, 7))
    assert (float(geo[3]), float(geo[4])) == (round(lat, 7), round(lon, 7))
    assert f"daddr={lat:.7f},{lon:.7f}" in hrefs["apple"]

    # Before and after photos side by side, each a link to the full picture.
    before_col = detail.locator('.fv-photo-col[data-kind="before"]')
    after_col = detail.locator('.fv-photo-col[data-kind="after"]')
    assert before_col.get_attribute("data-count") == "1" and after_col.get_attribute("data-count") == "1"
    before_img = before_col.locator(f'[data-photo-id="{before["id"]}"] img')
    after_img = after_col.locator(f'[data-photo-id="{after["id"]}"] img')
    before_img.scroll_into_view_if_needed()
    wait_until(page, "[...document.querySelectorAll('.fv-photo-col img')].every(i => i.complete && i.naturalWidth)")
    b_box, a_box = before_img.bounding_box(), after_img.bounding_box()
    assert abs(b_box["y"] - a_box["y"]) < 1 and a_box["x"] > b_box["x"] + b_box["width"]
    assert b_box["width"] > 120
    assert before_col.locator("a").get_attribute("href") == before["url"]
    # The buttons are the transitions the server allows this user, labelled as the server labels them.
    server = worker.case(case["id"])
    buttons = page.eval_on_selector_all("#view-detail [data-to]", "bs => bs.map(b => [b.dataset.to, b.innerText])")
    assert buttons == [[t["to"], t["label"]["zh-CN"]] for t in server["allowed_transitions"]]
    assert detail.locator('input[type=file][data-kind="before"]').get_attribute("capture") == "environment"
    assert detail.locator('input[type=file][data-kind="after"]').get_attribute("accept") == "image/*"
    # For the screenshot: the map folded away, the navigation menu closed, the photos in view.
    detail.locator(".fv-nav-summary").tap()
    page.locator("#map-toggle").tap()
    page.evaluate("document.querySelector('#view-detail .fv-photos').scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "field-detail.png"))
    page.locator("#map-toggle").tap()
    field.assert_no_errors()


# -- a round ---------------------------------------------------------------------------------------------

def test_planned_round_draws_route_and_numbered_stops(demo_server, worker, field_phone, artifacts):
    mine = worker.worklist()
    cells: dict[str, int] = {}
    for case in mine:
        if case["state_group"] == "open":
            cells[case["grid_code"]] = cells.get(case["grid_code"], 0) + 1
    cell = max(cells, key=cells.get)
    start_case = next(c for c in mine if c["grid_code"] == cell)
    here = (start_case["lon"] - 0.0005, start_case["lat"] + 0.0002)
    field = field_phone(*here)
    page = field.page
    field.open("#round")
    page.select_option('#view-round [data-part="grid"]', cell)
    page.locator('#view-round [data-part="submit"]').tap()
    page.wait_for_selector("#view-round[data-stops]", state="attached", timeout=30_000)
    status, expected = worker.post("/rounds", {"grid": cell, "start": {"lon": here[0], "lat": here[1]}})
    assert status == 200, expected
    n = len(expected["cases"])
    assert n == cells[cell]
    assert page.get_attribute("#view-round", "data-stops") == str(n)
    assert page.get_attribute("#view-round", "data-method") == expected["method"] == "network"
    ordered = page.eval_on_selector_all('#view-round [data-part="stops"] [data-case-id]',
                                        "rows => rows.map(r => Number(r.dataset.caseId))")
    assert ordered == [c["id"] for c in expected["cases"]]
    map_data = field.map_data()
    assert map_data["stops"] == str(n) and int(map_data["routePoints"]) > n
    numbers = page.eval_on_selector_all("#field-map .fv-stop", "ss => ss.map(s => s.textContent)")
    assert sorted(numbers, key=int) == [str(i) for i in range(1, n + 1)]
    length = page.locator('#view-round [data-part="length"]').inner_text()
    assert length == f"全程约 {format_distance_zh(expected['length_m'])}，沿道路"
    # The case icons make way for the numbered stops while planning.
    assert page.locator("#field-map .fv-marker").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "field-round.png"))

    # Or every open case of the list.
    page.locator('#view-round [data-part="source-list"]').check()
    page.locator('#view-round [data-part="submit"]').tap()
    all_open = [c["id"] for c in mine if c["state_group"] == "open"]
    wait_until(page, f"document.getElementById('view-round').dataset.stops === '{len(all_open)}'")
    listed = page.eval_on_selector_all('#view-round [data-part="stops"] [data-case-id]',
                                       "rows => rows.map(r => Number(r.dataset.caseId))")
    assert sorted(listed) == sorted(all_open)
    page.locator('#view-round [data-part="stops"] [data-case-id]').first.tap()
    page.wait_for_selector(f'#view-detail[data-case-id="{listed[0]}"]', state="attached")
    assert page.locator("#field-map .fv-stop").count() == len(all_open)  # the route stays during the round
    field.assert_no_errors()


# -- reporting -------------------------------------------------------------------------------------------

def _free_spot_near(page, target_lonlat, max_m: float):
    """Screen coordinates of a spot on the map within ``max_m`` of ``target_lonlat`` with no marker on it."""
    return page.evaluate("""([lon, lat, maxM]) => {
        const map = document.getElementById('field-map');
        const [w, s, e, n] = map.dataset.bounds.split(',').map(Number);
        const box = map.getBoundingClientRect();
        const merc = (la) => Math.log(Math.tan(Math.PI / 4 + la * Math.PI / 360));
        const toScreen = (lo, la) => [box.left + (lo - w) / (e - w) * box.width,
                                      box.top + (merc(n) - merc(la)) / (merc(n) - merc(s)) * box.height];
        const mPerPx = (e - w) * 111320 * Math.cos(lat * Math.PI / 180) / box.width;
        const [cx, cy] = toScreen(lon, lat);
        for (let r = 26; r * mPerPx < maxM; r += 4) {
            for (let a = 0; a < 360; a += 30) {
                const x = cx + r * Math.cos(a * Math.PI / 180), y = cy + r * Math.sin(a * Math.PI / 180);
                const hit = document.elementFromPoint(x, y);
                const clear = [-14, 0, 14].every(dx => [-14, 0, 14].every(dy => {
                    const other = document.elementFromPoint(x + dx, y + dy);
                    return other && !other.closest('.leaflet-marker-icon, .leaflet-control, .fv-map-tools');
                }));
                if (hit && map.contains(hit) && clear) { return [x, y]; }
            }
        }
        return null;
    }""", [target_lonlat[0], target_lonlat[1], max_m])


def test_report_by_tapping_the_map_with_a_photo_asks_about_duplicates(demo_server, worker, field_phone, artifacts):
    [target] = cases_for(worker, "dispatched", 1, skip=5, category_radius_min=30)
    radius = {c["code"]: c["duplicate_radius_m"] for c in worker.get("/categories")["categories"]}[target["category"]]
    field = field_phone(target["lon"], target["lat"])
    page = field.page
    created = []
    try:
        field.open("#report")
        # Stand at the case and zoom right in, so that a tap lands a few metres from it.
        page.locator("#locate").tap()
        for _ in range(2):
            page.locator(".leaflet-control-zoom-in").tap()
            page.wait_for_timeout(350)
        page.locator('#view-report [data-part="use-gps"]').tap()  # the phone's own position first
        assert page.get_attribute("#view-report", "data-place") == "gps"
        assert field.map_data()["pin"] == f"{target['lon']:.7f},{target['lat']:.7f}"
        spot = _free_spot_near(page, (target["lon"], target["lat"]), radius * 0.6)
        assert spot, "no free spot near the case to tap"
        page.touchscreen.tap(*spot)  # then a tap on the map moves the pin
        pin = field.map_data()["pin"]
        pin_lonlat = tuple(float(v) for v in pin.split(","))
        assert distance_m(pin_lonlat, (target["lon"], target["lat"])) < radius
        assert page.get_attribute("#view-report", "data-place") == "map"
        page.set_input_files('#view-report [data-part="photo"]',
                             files=[{"name": "blackspot.jpg", "mimeType": "image/jpeg", "buffer": jpeg(seed=21)}])
        page.wait_for_selector('#view-report .fv-photo:not([data-photo-id=""])', state="attached", timeout=30_000)
        photo_id = int(page.get_attribute("#view-report .fv-photo", "data-photo-id"))
        page.select_option('#view-report [data-part="category"]', target["category"])
        page.fill('#view-report [data-part="description"]', "巷口新发现的堆积物（测试上报）")
        page.locator('#view-report button[type="submit"]').tap()
        question = page.locator('#view-report [data-part="duplicates"]')
        question.wait_for(timeout=30_000)
        assert "是否与以下问题相同？" in question.inner_text()
        offered = page.eval_on_selector_all('#view-report [data-part="candidates"] [data-case-id]',
                                            "rows => rows.map(r => Number(r.dataset.caseId))")
        assert target["id"] in offered
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "field-report.png"))

        page.locator('#view-report [data-part="not-duplicate"]').tap()
        page.wait_for_selector("body[data-view=detail]", state="attached", timeout=30_000)
        new_id = int(page.get_attribute("#view-detail", "data-case-id"))
        created.append(new_id)
        case = worker.case(new_id)
        assert case["status"] == "reported" and case["category"] == target["category"]
        assert (case["lon"], case["lat"]) == pin_lonlat
        assert [p["id"] for p in case["photos"]["before"]] == [photo_id]
        assert case["description"] == "巷口新发现的堆积物（测试上报）"
        field.wait_badge(0)

        # A second report, placed by its photo's own GPS position, sent as a duplicate of the case.
        field.go("#report")
        page.wait_for_selector("body[data-view=report]", state="attached")
        shot_at = (round(target["lon"] + 0.00005, 7), round(target["lat"], 7))
        page.set_input_files('#view-report [data-part="photo"]', files=[
            {"name": "gps.jpg", "mimeType": "image/jpeg", "buffer": jpeg((200, 90, 60), lonlat=shot_at, seed=22)}])
        offer = page.locator('#view-report [data-part="use-photo-place"]')
        offer.wait_for(timeout=30_000)
        offer.tap()
        assert page.get_attribute("#view-report", "data-place") == "photo"
        photo_place = tuple(float(v) for v in field.map_data()["pin"].split(","))
        assert distance_m(photo_place, shot_at) < 0.5
        page.select_option('#view-report [data-part="category"]', target["category"])
        page.locator('#view-report button[type="submit"]').tap()
        page.locator(f'#view-report [data-duplicate-of="{target["id"]}"]').tap()
        page.wait_for_selector("body[data-view=detail]", state="attached", timeout=30_000)
        dup_id = int(page.get_attribute("#view-detail", "data-case-id"))
        created.append(dup_id)
        duplicate = worker.case(dup_id)
        assert duplicate["status"] == "duplicate" and duplicate["duplicate_of"] == target["id"]
        assert dup_id in worker.case(target["id"])["duplicates"]
        field.assert_no_errors()
    finally:
        for case_id in created:
            admin_delete_case(demo_server, case_id)


def _big_rotated_photo(lon: float, lat: float) -> bytes:
    """A 12-megapixel-class JPEG as a phone writes it: stored landscape (left half red, right half blue) with
    EXIF orientation 6 (shown turned a quarter clockwise: red on top), GPS and the time taken."""
    import io

    import numpy as np
    from PIL import Image

    from .field_support import _dms

    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 60, size=(2250, 3000, 3), dtype=np.uint8)  # noise: a realistic file size
    pixels[:, :1500] += np.array([190, 0, 0], dtype=np.uint8)
    pixels[:, 1500:] += np.array([0, 0, 190], dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {0: b"\x02\x02\x00\x00", 1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)}
    exif.get_ifd(0x8769)[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S", time.localtime(time.time() - 60))
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def test_a_big_photo_is_made_smaller_on_the_phone_and_keeps_its_position_time_and_orientation(
        demo_server, worker, field_phone):
    import hashlib
    import io

    from PIL import Image

    [case] = cases_for(worker, "dispatched", 1, skip=4)
    field = field_phone(case["lon"], case["lat"])
    page = field.page
    field.open()
    field.open_case(case["id"])
    before = worker.case(case["id"])["photos"]["after"]
    original = _big_rotated_photo(case["lon"], case["lat"])
    sent = []  # the Content-Length of each photo upload (Playwright does not expose a streamed form's body)
    page.on("request", lambda request: sent.append(int(request.all_headers().get("content-length", -1)))
            if request.method == "POST" and request.url.endswith("/photos") else None)
    page.set_input_files('#view-detail input[data-kind="after"]',
                        files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": original}])
    page.wait_for_selector(f'#view-detail .fv-photo-col[data-kind="after"][data-count="{len(before) + 1}"]',
                           state="attached", timeout=60_000)
    field.wait_badge(0)
    photos = worker.case(case["id"])["photos"]["after"]
    assert len(photos) == len(before) + 1
    photo = photos[-1]
    assert len(sent) == 1 and 0 < sent[0] < len(original) / 3, (sent, len(original))
    assert photo["sha256"] != hashlib.sha256(original).hexdigest()  # what arrived is not the original file
    assert (photo["width"], photo["height"]) == (1536, 2048)  # upright portrait, long side 2048
    assert abs(photo["lon"] - case["lon"]) < 1e-5 and abs(photo["lat"] - case["lat"]) < 1e-5  # EXIF GPS kept
    assert photo["taken_at"] is not None and photo["warnings"] == []
    image_bytes = _raw(demo_server.url + photo["url"], worker.headers)
    with Image.open(io.BytesIO(image_bytes)) as stored:
        top, bottom = stored.getpixel((768, 200)), stored.getpixel((768, 1848))
    assert top[0] > 150 and top[2] < 100, top  # red on top: turned once, not twice or never
    assert bottom[2] > 150 and bottom[0] < 100, bottom
    field.assert_no_errors()


def _raw(url: str, headers: dict) -> bytes:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.read()


# -- offline -----------------------------------------------------------------------------------------------

def _history(person: Person, case_id: int) -> dict:
    case = person.case(case_id)
    return {"version": case["version"], "status": case["status"], "transitions": case["transitions"],
            "notes": case["notes"], "after": len(case["photos"]["after"]), "before": len(case["photos"]["before"])}


def test_offline_changes_are_queued_and_sent_exactly_once(demo_server, worker, field_phone, artifacts):
    a, b = cases_for(worker, "dispatched", 2)
    a0, b0 = _history(worker, a["id"]), _history(worker, b["id"])
    field = field_phone(a["lon"], a["lat"])
    page = field.page
    field.open()
    field.wait_offline_ready()
    online_count = int(page.get_attribute("#case-list", "data-count"))
    for case in (a, b):  # seen once online: their details are stored for offline use
        field.open_case(case["id"])
    field.go("")
    field.settle_worker()

    field.context.set_offline(True)
    field.reload()
    assert page.locator("#field-line").is_visible()
    assert "离线" in page.locator("#field-line").inner_text()
    assert int(page.get_attribute("#case-list", "data-count")) == online_count
    assert page.get_attribute("#case-list", "data-stored") == "true"  # answered by the service worker
    assert int(field.map_data()["baseFeatures"]) > 100  # the base map came from the cache too

    # A: dispatched → in progress, with a note.
    field.open_case(a["id"])
    detail = page.locator("#view-detail")
    assert detail.locator(".fv-stale").is_visible()
    page.fill("#detail-note", "已到现场，开始清理（离线）")
    detail.locator('[data-to="in_progress"]').tap()
    wait_until(page, "document.querySelector('#view-detail [data-part=status]').textContent === '处理中'")
    assert "待同步" in detail.locator(".fv-detail-badges").inner_text()
    field.wait_badge(1)
    # A second change of A, made on the version on screen: once the first is in, it builds on its result.
    page.fill("#detail-note", "巷尾还有一袋，一并清理")
    detail.locator('[data-part="note-send"]').tap()
    field.wait_badge(2)
    # B: an "after" photo and a note.
    field.open_case(b["id"])
    after_photo = {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg((60, 180, 90), seed=31)}
    page.set_input_files('#view-detail input[data-kind="after"]', files=[after_photo])
    page.wait_for_selector('#view-detail .fv-photo-col[data-kind="after"][data-pending="1"]', state="attached")
    page.fill("#detail-note", "已清运，附处理后照片（离线）")
    detail.locator('[data-part="note-send"]').tap()
    field.wait_badge(4)
    assert page.locator("#sync-badge").inner_text() == "待同步 4"
    field.go("")
    page.locator('#group-filter [data-group="all"]').tap()
    row_a = page.locator(f'#case-list [data-case-id="{a["id"]}"]')
    assert "处理中" in row_a.inner_text() and "待同步" in row_a.inner_text()
    field.open_case(b["id"])
    page.locator('#view-detail .fv-photo-col[data-kind="after"]').scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "field-offline.png"))
    queued = page.evaluate(STASH_OUTBOX)  # a copy of the outbox, to send it all again later
    assert [item["kind"] for item in queued] == ["transition", "note", "case_photo", "note"]
    assert len({item["key"] for item in queued}) == 4
    assert _history(worker, a["id"]) == a0 and _history(worker, b["id"]) == b0  # nothing has left the phone

    replayed = []
    page.on("response", lambda response: response.request.method == "POST" and replayed.append(
        response.headers.get("idempotent-replayed")))
    field.context.set_offline(False)
    field.wait_badge(0)
    a1, b1 = _history(worker, a["id"]), _history(worker, b["id"])
    assert a1["status"] == "in_progress" and a1["version"] == a0["version"] + 2
    assert a1["transitions"][-1]["from"] == "dispatched" and a1["transitions"][-1]["by"] == WORKER
    assert a1["transitions"][-1]["note"] == "已到现场，开始清理（离线）"
    assert [n["note"] for n in a1["notes"]][len(a0["notes"]):] == ["巷尾还有一袋，一并清理"]
    assert b1["after"] == b0["after"] + 1 and b1["version"] == b0["version"] + 1 and b1["status"] == "dispatched"
    assert [n["note"] for n in b1["notes"]][len(b0["notes"]):] == ["已清运，附处理后照片（离线）"]
    assert replayed == [None, None, None, None]
    page.wait_for_selector(f'#view-detail .fv-photo-col[data-kind="after"][data-count="{b1["after"]}"]',
                           state="attached")

    # The same four requests again (as if their answers had been lost): the server answers from its
    # memory of each key and changes nothing.
    assert page.evaluate(RESTORE_OUTBOX) == 4
    replayed.clear()
    field.reload()
    deadline = time.monotonic() + 30
    while len(replayed) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    field.wait_badge(0)
    assert replayed == ["true", "true", "true", "true"]
    assert _history(worker, a["id"]) == a1 and _history(worker, b["id"]) == b1
    field.assert_only_refusals(offline_writes=True)


def test_a_phone_that_reads_offline_still_sends_while_the_server_answers(demo_server, worker, field_phone):
    """On a LAN or 政务内网 with no route to the internet, Chromium's navigator.onLine is false although the
    server answers (here it is made to say so). The outbox sends at once all the same, and the field view
    does not call itself offline. (tests/browser/test_field_without_internet.py runs this whole module on
    such a network for real.)"""
    [case] = cases_for(worker, "in_progress", 1, skip=1)
    field = field_phone(case["lon"], case["lat"])
    page = field.page
    field.context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => false });")
    before = _history(worker, case["id"])
    field.open()
    assert page.evaluate("navigator.onLine") is False
    field.open_case(case["id"])
    note = "内网里写的备注，应当马上发出"
    page.fill("#detail-note", note)
    page.locator('#view-detail [data-part="note-send"]').tap()
    deadline = time.monotonic() + 20  # a generous wait for the send, never a measurement
    while (after := _history(worker, case["id"]))["version"] == before["version"] and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert [n["note"] for n in after["notes"]][len(before["notes"]):] == [note], "the note was not sent"
    assert after["version"] == before["version"] + 1
    field.wait_badge(0)
    assert page.get_attribute("#field-line", "data-offline") == "false"
    assert "离线" not in page.locator("#field-line").inner_text()
    field.assert_no_errors()


def test_offline_change_meeting_another_users_change_is_a_conflict(demo_server, worker, field_phone, artifacts):
    [case] = cases_for(worker, "dispatched", 1, skip=2)
    field = field_phone(case["lon"], case["lat"])
    page = field.page
    field.open()
    field.wait_offline_ready()
    field.open_case(case["id"])
    field.settle_worker()
    field.context.set_offline(True)
    page.fill("#detail-note", "我来处理（离线排队）")
    page.locator('#view-detail [data-to="in_progress"]').tap()
    field.wait_badge(1)

    # Meanwhile another worker of the same community writes a note on the same case.
    other = Person(demo_server.url, "admin")
    status, body = other.post(f"/cases/{case['id']}/notes", {"note": "已联系责任单位，明早处理"},
                              headers={"If-Match": case["etag"], "Idempotency-Key": "conflict-test-note-1"})
    assert status == 201, body
    theirs = worker.case(case["id"])

    field.context.set_offline(False)
    conflict = page.locator(f'.fv-conflict[data-case-id="{case["id"]}"]')
    conflict.wait_for(timeout=30_000)
    assert conflict.get_attribute("data-status") == "412"
    text = conflict.inner_text()
    assert "冲突：该问题已被他人更新" in text
    assert "已派遣" in text and "admin" in text and "已联系责任单位，明早处理" in text
    assert field.badge_count() == 1
    assert "有冲突" in page.locator("#view-detail .fv-detail-badges").inner_text()
    page.wait_for_timeout(300)
    conflict.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "field-conflict.png"))
    # The server kept the other user's change, and only it.
    now = worker.case(case["id"])
    assert now["version"] == theirs["version"] and now["status"] == "dispatched"
    assert now["notes"][-1]["note"] == "已联系责任单位，明早处理" and now["notes"][-1]["by"] == "admin"

    # Re-apply on the current version: a new request (new key, new ETag), accepted.
    conflict.locator('[data-action="reapply"]').tap()
    field.wait_badge(0)
    assert page.locator(".fv-conflict").count() == 0
    final = worker.case(case["id"])
    assert final["status"] == "in_progress" and final["version"] == theirs["version"] + 1
    assert final["transitions"][-1]["note"] == "我来处理（离线排队）"
    assert final["notes"][-1]["note"] == "已联系责任单位，明早处理"

    # Once more, and this time the queued note is given up: the server keeps only the other change.
    page.wait_for_selector(f'#view-detail[data-case-id="{case["id"]}"][data-status="in_progress"]', state="attached")
    field.context.set_offline(True)
    page.fill("#detail-note", "这条备注会被放弃")
    page.locator('#view-detail [data-part="note-send"]').tap()
    field.wait_badge(1)
    status, body = other.post(f"/cases/{case['id']}/notes", {"note": "管理员再次补充"},
                              headers={"If-Match": final["etag"]})
    assert status == 201, body
    field.context.set_offline(False)
    conflict.wait_for(timeout=30_000)
    conflict.locator('[data-action="discard"]').tap()
    field.wait_badge(0)
    assert page.locator(".fv-conflict").count() == 0
    kept = worker.case(case["id"])
    assert kept["version"] == final["version"] + 1
    assert [n["note"] for n in kept["notes"]][-1] == "管理员再次补充"
    assert "这条备注会被放弃" not in str(kept)
    field.assert_only_refusals(412, offline_writes=True)


def test_logging_out_with_unsent_changes_asks_first_and_they_go_out_at_the_next_login(
        demo_server, worker, browser, artifacts):
    """The outbox's changes belong to the user and stay on the phone across a logout; the user menu says
    so before logging out, and after the next login of the same user they reach the server exactly once."""
    [case] = cases_for(worker, "dispatched", 1, skip=3)
    # A session of its own: logging out must not end the session the other tests share. No service worker:
    # the outbox is what is tested, and the page's own routes must see its requests.
    context = browser.new_context(**PHONE, geolocation={"longitude": case["lon"], "latitude": case["lat"]},
                                  permissions=["geolocation"], service_workers="block")
    try:
        page = context.new_page()
        login_through_page(page, demo_server.url, WORKER, DEMO_ACCOUNTS[WORKER][0], next_path="/field")
        field = FieldPage(context, page, demo_server.url)
        field.open()
        field.open_case(case["id"])
        before = _history(worker, case["id"])
        # The server cannot be reached for this note (the phone thinks it is online).
        page.route("**/api/cases/*/notes", lambda route: route.abort("internetdisconnected"))
        note = "退出前未发出的备注"
        page.fill("#detail-note", note)
        page.locator('#view-detail [data-part="note-send"]').tap()
        field.wait_badge(1)

        page.locator("#user-menu-button").tap()
        page.locator("#user-menu-logout").tap()
        guard = page.locator("#logout-guard")
        guard.wait_for(timeout=30_000)  # after one more try to send
        assert guard.get_attribute("data-queued") == "1" and guard.get_attribute("data-set-aside") == "0"
        text = guard.inner_text()
        assert "还有 1 条修改没有发送" in text and "1 条修改还在等待网络" in text
        assert "下次在这里登录" in text
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / "field-logout-guard.png"))
        page.locator("#logout-guard-stay").tap()
        guard.wait_for(state="detached")
        assert "/field" in page.url and field.badge_count() == 1
        assert page.evaluate("fetch('/api/session').then(r => r.json()).then(b => b.user && b.user.name)") == WORKER

        page.locator("#user-menu-button").tap()
        page.locator("#user-menu-logout").tap()
        guard.wait_for(timeout=30_000)
        page.locator("#logout-guard-leave").tap()
        page.wait_for_url(re.compile(r"/login\?reason=logged_out$"))
        page.unroute("**/api/cases/*/notes")
        assert _history(worker, case["id"]) == before  # nothing reached the server

        login_through_page(page, demo_server.url, WORKER, DEMO_ACCOUNTS[WORKER][0], next_path="/field")
        field.wait_ready()
        field.wait_badge(0)
        after = _history(worker, case["id"])
        assert [n["note"] for n in after["notes"]][len(before["notes"]):] == [note]
        assert after["version"] == before["version"] + 1

        # Nothing left to send: the logout goes straight through.
        page.locator("#user-menu-button").tap()
        page.locator("#user-menu-logout").tap()
        page.wait_for_url(re.compile(r"/login\?reason=logged_out$"))
        assert page.locator("#logout-guard").count() == 0
    finally:
        context.close()


def test_field_view_needs_a_login(demo_server, browser):
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(demo_server.url + "/field#round")
        page.wait_for_url(re.compile(r"/login\?"))
        assert parse_qs(urlsplit(page.url).query)["next"] == ["/field#round"]
    finally:
        context.close()


def test_service_worker_is_served_from_the_root(demo_server):
    status, _, headers = http(demo_server.url + "/sw.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-cache"


def test_idempotency_keys_without_random_uuid(demo_server, field_phone):
    """Old WeChat webviews lack crypto.randomUUID: the outbox then makes 32 random hex digits."""
    field = field_phone(113.33, 23.13)
    field.open()
    keys = field.page.evaluate("""async () => {
        const { newIdempotencyKey } = await import('/static/js/field/outbox.js');
        const withUuid = newIdempotencyKey();
        const saved = Object.getOwnPropertyDescriptor(Crypto.prototype, 'randomUUID');
        delete Crypto.prototype.randomUUID;
        try {
            return [withUuid, newIdempotencyKey(), newIdempotencyKey()];
        } finally {
            Object.defineProperty(Crypto.prototype, 'randomUUID', saved);
        }
    }""")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", keys[0])
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys[1:]) and keys[1] != keys[2]
    field.assert_no_errors()
