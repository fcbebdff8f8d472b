"""GET /api/dashboard/export: the dashboard's tables as CSV (UTF-8 with BOM) and Excel downloads, equal to
the dashboard's JSON, with its filters; plus the figures the leaders' pages add (per-unit table, weekly
series for the time slider)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from urllib.parse import unquote

import openpyxl
import pytest

from tests.web.case_world import EAST, WEST, move, report, seed, users

DAY_US = 24 * 3600 * 1_000_000


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat()


@pytest.fixture
def world(app, client, clock):
    """Three cases: two in the west cell (one dispatched and overdue, its text shaped like a formula), one in
    the east cell just reported; two days later."""
    seed(client)
    people = users(app)
    people["start"] = clock.now_us
    a = report(people["west"], description='=HYPERLINK("x")  西围巷口堆放垃圾').get_json()["id"]
    b = report(people["west"], lon=113.302, category="0201").get_json()["id"]
    c = report(people["east"], lon=113.315).get_json()["id"]
    for step in ("filed", "dispatched"):
        assert move(people["planner"], a, step).status_code == 200
    clock.set(clock.now_us + 2 * DAY_US)
    people["ids"] = {"a": a, "b": b, "c": c}
    return people


def download(client, **query):
    r = client.get("/api/dashboard/export", query_string=query)
    assert r.status_code == 200, r.get_json()
    return r


def read_csv(r) -> list[list[str]]:
    assert r.mimetype == "text/csv" and r.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(r.data[3:].decode("utf-8"))))


def read_xlsx(r) -> list[list]:
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert zipfile.ZipFile(io.BytesIO(r.data)).testzip() is None
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def filename(r) -> str:
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''")[1])


def test_csv_by_grid_equals_the_dashboard(world):
    leader = world["leader"]
    dash = leader.get("/api/dashboard").get_json()
    r = download(leader, table="by_grid", format="csv")
    rows = read_csv(r)
    assert rows[0] == ["网格编码", "网格名称", "责任单位", "问题总数", "未处理", "已超期", "已整改", "回潮"]
    expected = [[g["grid_code"], g["name"]["zh-CN"], g["name"]["responsible_unit"], str(g["cases"]), str(g["open"]),
                 str(g["overdue"]), str(g["fixed"]), str(g["recurring"])] for g in dash["by_grid"]]  # fmt: skip
    assert rows[1:] == expected
    assert {row[1] for row in rows[1:]} == {"西片网格", "东片网格"}
    assert filename(r).startswith("看板-按网格-") and filename(r).endswith(".csv")
    assert 'filename="dashboard-by_grid-' in r.headers["Content-Disposition"]
    assert r.data.count(b"\r\n") == len(rows)  # RFC 4180 line ends


def test_xlsx_tables_keep_chinese_and_numbers(world):
    leader = world["leader"]
    dash = leader.get("/api/dashboard").get_json()
    rows = read_xlsx(download(leader, table="by_category", format="xlsx"))
    assert rows[0] == ["类别代码", "类别", "问题总数", "未处理", "已超期", "已整改", "回潮"]
    assert rows[1:] == [[c["category"], c["name"]["zh-CN"], c["cases"], c["open"], c["overdue"], c["fixed"],
                         c["recurring"]] for c in dash["by_category"]]  # fmt: skip
    assert "暴露垃圾" in [row[1] for row in rows]
    ranking = read_xlsx(download(leader, table="grid_ranking", format="xlsx"))
    assert [row[0] for row in ranking[1:]] == [g["rank"] for g in dash["grid_ranking"]]
    assert ranking[1][1] == WEST  # the overdue case puts the west cell first
    months = read_xlsx(download(leader, table="by_month", format="xlsx"))
    assert months[1:] == [[m["month"], m["reported"], m["fixed"]] for m in dash["by_month"]]


def test_overdue_table_lists_the_overdue_cases_and_keeps_formulas_as_text(world):
    leader, a = world["leader"], world["ids"]["a"]
    dash = leader.get("/api/dashboard").get_json()
    assert dash["overdue"]["ids"] == [a]
    rows = read_csv(download(leader, table="overdue", format="csv"))
    assert rows[0][:4] == ["编号", "类别代码", "类别", "状态"]
    assert len(rows) == 2 and rows[1][0] == str(a) and rows[1][2] == "暴露垃圾" and rows[1][3] == "已派遣"
    description = rows[1][rows[0].index("描述")]
    assert description.startswith("'=HYPERLINK") and "西围巷口" in description  # not run as a formula
    days = float(rows[1][rows[0].index("超期（天）")])
    assert 0 < days < 2
    sheet = read_xlsx(download(leader, table="overdue", format="xlsx"))
    assert sheet[1][sheet[0].index("描述")].startswith("=HYPERLINK")  # an inline string in Excel: never a formula


def test_time_to_fix_is_the_unit_table_of_the_dashboard(world):
    leader = world["leader"]
    dash = leader.get("/api/dashboard").get_json()
    units = {u["responsible_unit"]: u for u in dash["by_unit"]}
    assert units["西片网格工作站"]["overdue"] == 1 and units["西片网格工作站"]["median_hours"] is None
    rows = read_csv(download(leader, table="time_to_fix", format="csv", lang="en"))
    assert rows[0] == ["Responsible unit", "Cases", "Open", "Overdue", "Median hours to fix", "Fixes"]
    assert rows[1:] == [[u["responsible_unit"], str(u["cases"]), str(u["open"]), str(u["overdue"]), "", "0"]
                        for u in dash["by_unit"]]  # fmt: skip


def test_filters_and_dates_apply_to_the_downloads(world):
    leader = world["leader"]
    east = read_csv(download(leader, table="by_grid", format="csv", grid=EAST))
    assert [row[0] for row in east[1:]] == [EAST]
    posters = read_csv(download(leader, table="by_category", format="csv", category="0201"))
    assert [row[0] for row in posters[1:]] == ["0201"]
    before = read_csv(download(leader, table="by_grid", format="csv", at=iso(world["start"] - 1)))
    assert before[1:] == []  # nothing had been reported yet


@pytest.mark.parametrize(
    "query, field",
    [({"table": "nope"}, "table"), ({}, "table"), ({"table": "by_grid", "format": "pdf"}, "format"),
     ({"table": "by_grid", "lang": "fr"}, "lang"), ({"table": "by_grid", "at": "soon"}, "at"),
     ({"table": "by_grid", "grid": ","}, "grid")],
)  # fmt: skip
def test_bad_requests_name_the_field(world, query, field):
    r = world["leader"].get("/api/dashboard/export", query_string=query)
    assert r.status_code == 400
    assert r.get_json()["error"]["details"][0]["field"] == field


def test_only_roles_with_dashboards_download(world, anonymous):
    assert world["west"].get("/api/dashboard/export?table=by_grid").status_code == 403
    assert anonymous.get("/api/dashboard/export?table=by_grid").status_code == 401
    assert world["planner"].get("/api/dashboard/export?table=by_grid").status_code == 200


def test_compare_weeks_follow_the_dashboard(world, clock):
    leader, start = world["leader"], world["start"]
    end = clock.now_us + 10 * DAY_US
    clock.set(end)
    body = leader.get("/api/compare", query_string={"from": iso(start - DAY_US), "to": iso(end), "weeks": "true"})
    weeks = body.get_json()["weeks"]
    assert len(weeks) == 3  # the start, a week later, and the end
    for week in weeks:
        dash = leader.get("/api/dashboard", query_string={"at": week["at"]}).get_json()
        assert week["open"] == dash["by_group"].get("open", 0) and week["cases"] == dash["total"]
    assert [w["open"] for w in weeks] == [0, 3, 3]
    assert "weeks" not in leader.get("/api/compare", query_string={"from": iso(start), "to": iso(end)}).get_json()
