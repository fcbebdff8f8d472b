"""The leaders' report over HTTP on the seeded demo community: its figures are the compare and dashboard
figures of the same period, the standalone HTML file is one self-contained document in Chinese (no URL,
no script, photos inline), the folium before/after map loads nothing from the internet, and a recurring
place built through the real case workflow shows the photos its workers uploaded."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from PIL import Image

from layers.demo import seed_demo
from layers.leaders.report import place_photos
from server import create_app
from tests.conftest import Clock, make_user, token_client
from tests.geo.test_webmap import TAG_REFERENCE, URL
from tests.web.case_world import jpeg, move, photo_upload, report, seed, users

NOW_US = 1_796_011_200_000_000  # 2026-11-29T12:00:00+08:00
PERIOD = {"from": "2026-06-01", "to": "2026-11-29T23:59:59"}
HEADINGS = ("一、基本情况", "二、主要工作", "三、整治前后对比", "四、反复出现的问题点位", "五、各网格工作情况",
            "六、存在问题", "七、下阶段工作")  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo community seeded a year back from NOW_US, and a leader's client."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("report") / "data"), "CLOCK": Clock(NOW_US),
                      "TESTING": True, "SQLITE_SYNCHRONOUS": "NORMAL"})  # fmt: skip
    seed_demo(app.extensions["store"], now_us=NOW_US)
    leader = token_client(app, make_user(app, "leader_r", "leader"))
    yield app, leader
    app.extensions["store"].close()


@pytest.fixture(scope="module")
def body(demo):
    r = demo[1].get("/api/report", query_string=PERIOD)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.fixture(scope="module")
def standalone(demo):
    r = demo[1].get("/api/report.html", query_string=PERIOD)
    assert r.status_code == 200
    return r


def test_figures_are_the_compare_and_dashboard_figures(demo, body):
    leader = demo[1]
    compare = leader.get("/api/compare", query_string=PERIOD | {"coverage": "true"}).get_json()
    for key in ("summary", "by_grid", "by_category"):
        assert body["compare"][key] == compare[key], key
    assert body["coverage"] == compare["coverage"]
    assert body["period"]["from"] == compare["from"] and body["period"]["to"] == compare["to"]
    dashboard = leader.get("/api/dashboard", query_string={"at": compare["to"], "since": compare["from"]}).get_json()
    for key in ("total", "by_group", "time_to_fix", "by_month"):
        assert body["dashboard"][key] == dashboard[key], key
    figures = body["figures"]
    assert {k: figures[k] for k in compare["summary"]} == compare["summary"]
    assert figures["overdue"] == dashboard["overdue"]["count"] == body["remaining"]["overdue"]
    assert figures["fix_rate"] == figures["fixed"] / (figures["fixed"] + figures["open_after"])
    # the per-grid table adds up to the same totals
    assert sum(r["new"] for r in body["grid_table"]) == figures["new"]
    assert sum(r["open"] for r in body["grid_table"]) == figures["open_after"] == body["remaining"]["total"]
    assert body["remaining"]["total"] == dashboard["by_group"]["open"]


def test_filters_reach_every_figure(demo, body):
    leader = demo[1]
    query = PERIOD | {"grid": "440106003012001", "category": "0102,0404"}
    part = leader.get("/api/report", query_string=query).get_json()
    compare = leader.get("/api/compare", query_string=query).get_json()
    assert part["compare"]["summary"] == compare["summary"]
    assert part["figures"]["new"] < body["figures"]["new"]
    assert [r["grid_code"] for r in part["grid_table"]] == ["440106003012001"]
    assert {r["category"] for r in part["remaining"]["shown"]} <= {"0102", "0404"}
    assert part["filters"]["labels"] == ["新港社区（虚构示例）第一网格（西围片）", "暴露垃圾", "下水道堵塞或破损"]
    scope = "（新港社区（虚构示例）第一网格（西围片）、暴露垃圾、下水道堵塞或破损）"
    assert scope in part["sections"][0]["paragraphs"][1]


def test_the_text_is_made_of_the_figures(body):
    f = body["figures"]
    text = "\n".join(p for s in body["sections"] for p in s["paragraphs"])
    assert [s["heading"] for s in body["sections"]][:6] == list(HEADINGS[:6])
    assert body["sections"][6]["heading"].startswith(HEADINGS[6])
    assert "2026年6月1日至2026年11月29日" in text and "虚构" in text
    assert f"共受理创卫问题{f['new']}宗" in text and f"本期办结{f['fixed']}宗" in text
    assert f"仍有{f['open_after']}宗问题未办结，其中{f['overdue']}宗已超过处理期限" in text
    for row in body["remaining"]["owners"]:
        assert row["responsible_unit"] in text
    assert body["title"] == "新港社区（虚构示例）创卫工作报告"


def test_remaining_problems_overdue_first_with_owners_and_deadlines(body):
    remaining = body["remaining"]
    shown = remaining["shown"]
    assert len(shown) == min(50, remaining["total"]) and remaining["more"] == remaining["total"] - len(shown)
    flags = [row["overdue"] for row in shown]
    assert flags == sorted(flags, reverse=True)
    overdue = [row for row in shown if row["overdue"]]
    assert [row["deadline"] for row in overdue] == sorted(row["deadline"] for row in overdue)
    assert all(row["responsible_unit"] and row["address"] and row["overdue_days"] >= 0 for row in overdue)


def test_recurring_places_carry_their_before_and_after_photos(body):
    places = body["blackspots"]
    assert 1 <= len(places) <= 5 and [p["rank"] for p in places] == list(range(1, len(places) + 1))
    for place in places:
        assert place["recurring"] >= 1 and place["reports"] > place["recurring"]
        for kind in ("before", "after"):
            photo = place["photos"][kind]
            assert photo["kind"] == kind and photo["case_id"] in place["case_ids"]
            image = Image.open(io.BytesIO(base64.b64decode(photo["data_uri"].split(",", 1)[1])))
            assert image.format == "JPEG" and max(image.size) <= 320
    for name in ("before", "after"):
        svg = body["maps"][name]["svg"]
        assert svg.startswith("<svg ") and "xmlns" not in svg and svg.count('class="badge"') == len(places)


def test_places_without_photos_say_so(demo, body):
    app = demo[0]
    store, tz = app.extensions["store"], app.config["TZINFO"]
    place = body["blackspots"][0]
    with_photos = [fid for fid in place["case_ids"] if store.case_photos(fid)]
    without = [fid for fid in range(1, 4000) if fid not in place["case_ids"] and not store.case_photos(fid)][:3]
    assert place_photos(store, without, NOW_US, tz) == (
        {"before": None, "after": None}, "该点位暂无现场照片（照片由网格员在外业工作台上传）。")
    # before the fix was photographed, only the "before" photo exists
    first = with_photos[0]
    fixed_at = max(p["attached_at"] for p in store.case_photos(first))
    photos, note = place_photos(store, [first], fixed_at - 1, tz)
    assert photos["after"] is None and photos["before"]["case_id"] == first and note == "尚无整改后照片。"


class _Scan(HTMLParser):
    """Every tag, every attribute value and the text of <style> elements of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags, self.values, self.styles, self.text, self._style = [], [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.values += [(tag, k, v or "") for k, v in attrs]
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        (self.styles if self._style else self.text).append(data)


def test_standalone_file_is_one_document_with_nothing_to_load(standalone, body):
    disposition = standalone.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="report_2026-06-01_2026-11-29.html"')
    assert unquote(disposition.split("UTF-8''")[1]) == "新港社区创卫工作报告_2026-06-01_2026-11-29.html"
    assert standalone.mimetype == "text/html"
    page = standalone.get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    scan = _Scan()
    scan.feed(page)
    scan.close()
    tags = {tag for tag, _ in scan.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "form", "a", "use", "image"}
    assert URL.search(page) is None  # no http:// or https:// anywhere, not even an SVG namespace
    for tag, name, value in scan.values:
        assert not name.startswith("on") and name != "style", (tag, name)
        if value.startswith("data:"):
            assert name == "src" and value.startswith("data:image/jpeg;base64,"), (tag, name)
        else:
            assert "//" not in value and "url(" not in value, (tag, name, value[:80])
    css = "".join(scan.styles)
    assert "url(" not in css and "@import" not in css and "//" not in css
    assert "@page" in css and "@media print" in css
    images = [attrs["src"] for tag, attrs in scan.tags if tag == "img"]
    assert len(images) == sum(bool(p["photos"][k]) for p in body["blackspots"] for k in ("before", "after")) > 0
    assert [a.get("class") for tag, a in scan.tags if tag == "svg"] == ["svgmap", "map-area"] * 2


def test_standalone_file_reads_as_the_report(standalone, body):
    page = standalone.get_data(as_text=True)
    scan = _Scan()
    scan.feed(page)
    text = "".join(scan.text)
    for heading in HEADINGS:
        assert heading in text
    for card in body["cards"]:
        assert card["value"] in text and card["label"] in text
    for paragraph in (p for s in body["sections"] for p in s["paragraphs"]):
        assert paragraph in text
    for row in body["grid_table"]:
        assert row["short_name"] in text
    assert body["remaining"]["shown"][0]["address"] in text
    assert "<b>" not in text  # every value is text


def test_folium_before_after_map_loads_nothing_from_outside(demo):
    r = demo[1].get("/api/compare/map.html", query_string=PERIOD)
    assert r.status_code == 200
    assert unquote(r.headers["Content-Disposition"].split("UTF-8''")[1]) == \
        "新港社区整治前后对比图_2026-06-01_2026-11-29.html"  # fmt: skip
    page = r.get_data(as_text=True)
    js = re.search(r'<script data-webmap="leaflet.js">(.*?)</script>', page, re.S).group(1)
    css = re.search(r'<style data-webmap="leaflet.css">(.*?)</style>', page, re.S).group(1)
    rest = page.replace(js, "").replace(css, "")  # Leaflet's own code names leafletjs.com; nothing else may
    assert URL.search(rest) is None and TAG_REFERENCE.findall(rest) == [] and "url(" not in rest
    assert "url(data:image/png;base64," in css and "url(images/" not in css
    for text in ("整治前 2026-06-01", "整治后 2026-11-29", "问题类别", "责任单位", "反复出现点位"):
        assert text in page, text


def test_who_may_read_the_report(demo):
    app = demo[0]
    worker = token_client(app, make_user(app, "worker_r", "field_worker", grid_codes=["440106003012001"]))
    for path in ("/api/report", "/api/report.html", "/api/compare/map.html"):
        assert worker.get(path, query_string=PERIOD).status_code == 403
        assert app.test_client().get(path, query_string=PERIOD).status_code == 401
    assert app.test_client().get("/report").status_code == 200  # the page itself asks who is logged in


@pytest.mark.parametrize("query, status, field, code", [
    ({"to": "2026-11-01"}, 422, "from", "required"),
    ({"from": "2026-11-02", "to": "2026-11-01"}, 422, "from", "out_of_range"),
    ({"from": "soon", "to": "2026-11-01"}, 400, "from", "invalid_value"),
    ({**PERIOD, "grid": ","}, 400, "grid", "invalid_value"),
])  # fmt: skip
def test_bad_periods_name_the_field(demo, query, status, field, code):
    """Each refusal pinned: its status, and the one field and code its details name."""
    for path in ("/api/report", "/api/report.html", "/api/compare/map.html"):
        r = demo[1].get(path, query_string=query)
        assert r.status_code == status, (path, r.get_data(as_text=True))
        assert [(d["field"], d["code"]) for d in r.get_json()["error"]["details"]] == [(field, code)], path


def test_a_place_made_through_the_workflow_shows_the_uploaded_photos(app, client, clock):
    """Two reports of garbage at one spot, the first fixed with an after photo and closed: the report names
    the place, and its photos are the ones the worker uploaded."""
    seed(client)
    world = users(app)
    start = clock.now_us
    first = report(world["west"]).get_json()["id"]
    assert photo_upload(world["west"], first, "before", jpeg((200, 60, 40))).status_code == 201
    assert move(world["planner"], first, "filed").status_code == 200
    assert move(world["planner"], first, "dispatched", assignee="wang_w").status_code == 200
    assert move(world["west"], first, "in_progress").status_code == 200
    assert photo_upload(world["west"], first, "after", jpeg((40, 160, 60))).status_code == 201
    assert move(world["west"], first, "fixed").status_code == 200
    assert move(world["inspector"], first, "closed").status_code == 200
    again = report(world["west"], lon=113.30502, lat=23.10521).get_json()
    assert again["recurrence"] == 1
    clock.set(clock.now_us + 3_600_000_000)
    period = {"from": datetime.fromtimestamp((start - 1) / 1e6, UTC).isoformat(),
              "to": datetime.fromtimestamp(clock.now_us / 1e6, UTC).isoformat()}
    body = world["leader"].get("/api/report", query_string=period).get_json()
    [place] = body["blackspots"]
    assert place["case_ids"] == [first, again["id"]] and place["recurring_in_period"] == 1
    assert place["photos"]["before"]["case_id"] == place["photos"]["after"]["case_id"] == first
    assert place["photo_note"] is None
    assert body["figures"]["recurring"] == 1 and body["community"]["name"] == "本社区"
    text = "\n".join(p for s in body["sections"] for p in s["paragraphs"])
    assert "有1宗出现在此前已整治过同类问题的点位" in text and "西片网格" in place["text"]


def test_an_empty_store_and_a_far_north_grid_still_make_a_report(app, client):
    """Nothing to report: every part is there and says so. Then a grid cell beyond UTM's latitudes: the maps
    fall back to a projection centred on it instead of failing."""
    leader = token_client(app, make_user(app, "boss_e", "leader"))
    period = {"from": "2025-12-01", "to": "2026-01-02"}
    body = leader.get("/api/report", query_string=period).get_json()
    assert body["figures"]["new"] == 0 and body["blackspots"] == [] and body["remaining"]["total"] == 0
    text = "\n".join(p for s in body["sections"] for p in s["paragraphs"])
    assert "本期末没有未办结的问题。" in text and "未发现同类问题在整治后再次出现的点位" in text
    for path in ("/api/report.html", "/api/compare/map.html"):
        assert leader.get(path, query_string=period).status_code == 200
    cell = {"type": "Feature", "properties": {"code": "440106003012009", "name": "北极网格"},
            "geometry": {"type": "Polygon", "coordinates": [[[10, 85], [11, 85], [11, 86], [10, 86], [10, 85]]]}}
    assert client.post("/api/layers/grid/features", json=cell).status_code == 201
    body = leader.get("/api/report", query_string=period).get_json()
    assert "+proj=aeqd" in body["maps"]["after"]["svg"] and body["community"]["name"] == "北极网格"
    assert leader.get("/api/compare/map.html", query_string=period).status_code == 200


def test_the_fix_rate_is_rounded_once():
    """101 fixed and 61 still open: 62.345… %, shown 62.3 % (rounding 0.6235 again gave 62.4 %)."""
    from layers.leaders.report.text import percent

    assert percent(101 / (101 + 61)) == "62.3%"
    assert percent(0.5) == "50%" and percent(None) == "—"
