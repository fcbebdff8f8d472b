"""The import page in a real Chromium against the real demo server: upload a CSV, see the preview with its
problems highlighted and counted, change the mapping, commit the valid rows and download the refused ones;
and a read-only leader is told they may not. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import time

from .browser_support import DEMO_ACCOUNTS


def wait_until(check, timeout: float = 15, page=None) -> None:
    """Poll ``check()`` (Python reading the page through Playwright) until it is true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the page")
        time.sleep(0.05)


def _csv(extent: list[float]) -> bytes:
    """Three good bins near the community's south-west corner, one swapped, one far away, one repeated."""
    x0, y0 = extent[0] + 0.0012, extent[1] + 0.0011
    rows = [("导入测试东门垃圾箱", x0, y0, "240"), ("导入测试西门垃圾箱", x0 + 0.0004, y0, "120"),
            ("导入测试北门垃圾箱", x0, y0 + 0.0004, "很多"), ("经纬度颠倒", y0, x0, ""),
            ("远在台北", 121.5, 25.0, ""), ("重复的东门", x0, y0, "")]  # fmt: skip
    lines = ["名称,经度,纬度,容量（升）"] + [f"{n},{x:.7f},{y:.7f},{c}" for n, x, y, c in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_import_page_previews_maps_commits_and_offers_the_refused_rows(demo_server, admin_desktop, artifacts,
                                                                        tmp_path):  # fmt: skip
    page = admin_desktop.page
    before = demo_server.api("/layers/bins")["feature_count"]
    path = tmp_path / "垃圾箱导入.csv"
    path.write_bytes(_csv(demo_server.config["extent"]))
    page.goto(demo_server.url + "/import")
    admin_desktop.wait_ready()
    assert page.locator("h1.app-title").inner_text() == "数据导入"
    page.locator("#import-layer").select_option("bins")
    page.locator("#import-file").set_input_files(str(path))
    page.locator("#upload-submit").click()
    page.locator("#preview-card").wait_for(state="visible")
    chips = page.locator("#counts .count-chip")
    texts = chips.all_inner_texts()
    assert texts[0] == "共 6 行" and texts[1] == "有效 2 行", texts
    assert "经纬度颠倒: 1" in texts and "在社区范围外: 1" in texts and "与文件中其他行重复: 1" in texts
    assert "取值无效: 1" in texts
    refused_rows = page.locator("#rows-body tr.row-refused")
    assert refused_rows.count() == 4
    assert "经纬度颠倒" in page.locator('#rows-body tr[data-row="4"]').inner_text()  # the reason is its tooltip
    assert "swapped" in page.locator('#rows-body tr[data-row="4"] td.problems-cell div').get_attribute("title")
    capacity = page.locator('#rows-body tr[data-row="3"] td.problems-cell').inner_text()
    assert "取值无效" in capacity and "容量" in capacity and "很多" in capacity and "expected" not in capacity
    assert page.locator('#rows-body tr[data-row="3"] td.cell-bad').count() == 0  # the problem is the property
    assert page.locator("select[data-property=name]").input_value() == "名称"
    assert page.locator("select[data-property=capacity_l]").input_value() == "容量（升）"

    # Unmap the capacity: the third row is then valid too.
    page.locator("select[data-property=capacity_l]").select_option("")
    wait_until(lambda: page.locator("#counts .count-chip").nth(1).inner_text() == "有效 3 行", timeout=15)
    page.locator("select[data-default=status]").select_option("ok")
    wait_until(lambda: "导入 3 个有效行" in page.locator("#commit-button").inner_text(), timeout=15)

    page.locator('#counts .count-chip[data-code="outside_extent"]').click()
    wait_until(lambda: page.locator("#rows-body tr").count() == 1, timeout=15)
    assert "远在台北" in page.locator("#rows-body").inner_text()
    page.locator("#rows-filter").select_option("refused")
    wait_until(lambda: page.locator("#rows-body tr").count() == 3, timeout=15)
    page.screenshot(path=str(artifacts / "import_preview_zh.png"), full_page=True)

    page.locator("#commit-button").click()
    page.locator('#commit-message[data-kind="success"]').wait_for()
    assert "已导入 3 个要素" in page.locator("#commit-message").inner_text()
    assert page.locator("#commit-button").is_disabled()
    assert page.get_attribute("body", "data-state") == "committed"
    assert demo_server.api("/layers/bins")["feature_count"] == before + 3
    href = page.locator("#refused-link").get_attribute("href")
    refused = page.request.get(demo_server.url + href)
    assert refused.status == 200 and refused.headers["content-type"].startswith("text/csv")
    text = refused.body().decode("utf-8-sig")
    assert "coordinates_swapped" in text and "远在台北" in text and "duplicate_row" in text
    assert text.startswith("行,问题,问题代码,") and "经纬度颠倒" in text  # in the page's language
    assert page.locator("select[data-property=name]").is_disabled()  # a committed import is final
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "import_committed_zh.png"), full_page=True)

    page.locator("#language-toggle").click()
    wait_until(lambda: page.locator("h1.app-title").inner_text() == "Import data", timeout=10)
    assert "Imported 3 features" in page.locator("#commit-message").inner_text()
    admin_desktop.assert_no_errors()


def test_a_leader_may_not_import(demo_server, new_page, leader_state):
    wrapper = new_page("desktop", leader_state)
    wrapper.page.goto(demo_server.url + "/import")
    wrapper.page.wait_for_selector("body[data-ready]", state="attached")
    assert wrapper.page.get_attribute("body", "data-ready") == "denied"
    assert wrapper.page.locator("#import-denied").is_visible()
    assert "leader" in DEMO_ACCOUNTS
