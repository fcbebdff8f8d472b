"""The leaders' report in a real Chromium against the real demo server: the /report page lays the report out
in Chinese with both maps and the recurring places' photos, prints (print emulation and a real PDF), and
downloads in one click as a standalone file that, opened from disk with the network blocked, shows the
same report; the folium before/after map opens from disk the same way. Screenshots: tests/artifacts/
report.png, report-print.png, report-file.png and report-map.png (look at them)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from urllib.parse import unquote

from .browser_support import READY_TIMEOUT_MS, wait_until

HEADINGS = ("一、基本情况", "二、主要工作", "三、整治前后对比", "四、反复出现的问题点位", "五、各网格工作情况",
            "六、存在问题", "七、下阶段工作")  # fmt: skip
CJK_FONT = "15px 'Noto Sans CJK SC'"


def open_report(page, url: str, query: str = "") -> None:
    page.goto(f"{url}/report{query}")
    page.wait_for_selector('body[data-ready="1"]', state="attached", timeout=READY_TIMEOUT_MS)


def drawn(page) -> dict:
    """What the report shows: headings, maps with their dots, loaded photos, and whether CJK text renders."""
    return page.evaluate("""(font) => ({
        headings: [...document.querySelectorAll('.report-section h2')].map((h) => h.textContent),
        maps: [...document.querySelectorAll('figure.report-map > svg.svgmap')].map((svg) => ({
            width: svg.getBoundingClientRect().width,
            dots: svg.querySelectorAll('g.layer circle').length,
            badges: svg.querySelectorAll('g.badge').length})),
        photos: [...document.querySelectorAll('.report-photo img')].map((img) => img.complete && img.naturalWidth),
        title: document.querySelector('.report-title').textContent,
        cjk: document.fonts.check(font, '基本情况'),
        text: document.querySelector('.report').innerText,
    })""", CJK_FONT)


def check_report(seen: dict) -> None:
    assert seen["title"].startswith("新港社区（虚构示例）创卫工作报告")
    assert len(seen["headings"]) == 7 and all(h.startswith(w) for h, w in zip(seen["headings"], HEADINGS))
    assert len(seen["maps"]) == 2 and all(m["dots"] > 20 and m["width"] > 300 for m in seen["maps"])
    assert seen["maps"][0]["badges"] == seen["maps"][1]["badges"] >= 1
    assert len(seen["photos"]) >= 2 and all(width == 320 for width in seen["photos"])
    assert seen["cjk"] and "本期办结" in seen["text"] and "办结率" in seen["text"]


def test_report_page_shows_prints_and_downloads_the_report(demo_server, new_page, leader_state, artifacts, tmp_path):
    wrapped = new_page("desktop", leader_state)
    page = wrapped.page
    open_report(page, demo_server.url)
    seen = drawn(page)
    check_report(seen)
    from_day, to_day = page.input_value("#report-from"), page.input_value("#report-to")
    assert from_day.endswith("-01") and from_day < to_day  # six calendar months by default
    assert f"from={from_day}" in page.url
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)

    # print: only the sheet, without the app bar and the controls
    page.emulate_media(media="print")
    assert page.locator(".app-bar").is_hidden() and page.locator("#report-form").is_hidden()
    assert page.locator("#report").is_visible()
    page.screenshot(path=str(artifacts / "report-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3
    (artifacts / "report.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    # one click downloads the standalone file, named in Chinese
    with page.expect_download() as info:
        page.click("#report-download")
    download = info.value
    assert download.suggested_filename == f"新港社区创卫工作报告_{from_day}_{to_day}.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    # another period and a grid cell: the page asks again and keeps the choice in its URL
    page.select_option("#report-grid", "440106003012001")
    page.click("#report-generate")
    wait_until(page, "document.querySelector('.report-meta').textContent.includes('第一网格')")
    assert "grid=440106003012001" in page.url
    wrapped.assert_no_errors()
    assert all(url.startswith((demo_server.url, "data:")) for url in wrapped.requests)


def fetch(url: str, token: str, folder: Path) -> Path:
    """GET a download with the admin's token and save it under the name the server gives it."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        name = unquote(response.headers["Content-Disposition"].split("UTF-8''")[1])
        path = folder / name
        path.write_bytes(response.read())
    return path


def offline_page(browser):
    """A page in a context that can reach nothing but files and data: URIs, recording what it asks for."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    requests, errors = [], []
    context.route(re.compile(r"^(?!file:|data:)"), lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, requests, errors


def test_standalone_file_opens_offline_and_prints(demo_server, browser, artifacts, tmp_path):
    path = fetch(f"{demo_server.url}/api/report.html?from=2026-06-01&to=2026-11-29T23:59:59", demo_server.token,
                 tmp_path)  # fmt: skip
    assert path.name == "新港社区创卫工作报告_2026-06-01_2026-11-29.html"
    context, page, requests, errors = offline_page(browser)
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        check_report(drawn(page))
        page.screenshot(path=str(artifacts / "report-file.png"), full_page=True)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3
    finally:
        context.close()
    assert [r for r in requests if not r.startswith("data:")] == [path.as_uri()] and errors == []


def test_before_after_map_opens_offline(demo_server, browser, artifacts, tmp_path):
    path = fetch(f"{demo_server.url}/api/compare/map.html?from=2026-06-01&to=2026-11-29T23:59:59",
                 demo_server.token, tmp_path)  # fmt: skip
    assert path.name == "新港社区整治前后对比图_2026-06-01_2026-11-29.html"
    context, page, requests, errors = offline_page(browser)
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("path.leaflet-interactive")
        control = page.locator(".leaflet-control-layers")
        choices = control.locator(".leaflet-control-layers-base label")
        assert [t.strip() for t in choices.all_inner_texts()] == ["整治前 2026-06-01", "整治后 2026-11-29"]
        before = page.locator("path.leaflet-interactive").count()
        choices.nth(1).click()
        after = page.locator("path.leaflet-interactive").count()
        assert after > before  # the cases fixed in the period join those still open
        assert page.locator(".webmap-number").count() >= 1
        dot = page.locator("path.leaflet-interactive[fill='#1a9850']").first  # one fixed in the period
        dot.click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "问题类别" in popup.inner_text() and "本期已整改" in popup.inner_text()
        page.wait_for_timeout(400)  # the popup fades in
        page.screenshot(path=str(artifacts / "report-map.png"))
    finally:
        context.close()
    assert [r for r in requests if not r.startswith("data:")] == [path.as_uri()] and errors == []
