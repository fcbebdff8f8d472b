"""The planner's analysis panel in a real Chromium against the real demo server: coverage at a preset with its
source, lamp gaps naming the demo's dark side roads, proposed sites as numbered markers, saving a result as a
layer, the server's refusals in both languages, the phone's bottom sheet, and no panel for a leader. The panel
reports its state in data attributes (data-state, data-runs, data-kind, data-drawn, data-covered, ...).
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from .browser_support import DEMO_ACCOUNTS, logged_in_state, wait_until

DARK_SIDE_ROADS = ("马王六村支路", "龙泉怡苑支路", "新港花园支路")
COVERAGE = {"facilities": "toilets", "targets": "buildings", "metric": "euclidean", "radius_m": 300}
# Lamps on the wide arterials stand on their pavements, up to 20 m from the centre line: snap 25 m.
LAMP_GAPS = {"points": "streetlights", "snap_m": 25, "exclude_broken": True}
PROPOSALS = {"facilities": "toilets", "targets": "buildings", "metric": "network", "radius_m": 300, "count": 5}
PANEL = "#analysis-panel"


@pytest.fixture(scope="module")
def planner_state(browser, demo_server) -> dict:
    """A session of the demo's 'planner' (permission analysis.run), logged in once through the login page."""
    return logged_in_state(browser, demo_server.url, "planner", DEMO_ACCOUNTS["planner"][0])


def analysis(server, kind: str, params: dict) -> dict:
    """The same analysis straight from the API (as the admin: no layer is saved without "save")."""
    return server.send(f"/analysis/{kind}", params)


def open_panel(map_page) -> None:
    page = map_page.page
    page.locator("#analysis-toggle").click()
    page.locator("#analysis-run").wait_for()
    assert page.locator(PANEL).is_visible()
    assert page.get_attribute("#analysis-toggle", "aria-expanded") == "true"


def run(map_page, kind: str) -> None:
    """Press Run and wait until this run has finished (data-runs counts finished runs)."""
    page = map_page.page
    before = int(page.get_attribute(PANEL, "data-runs") or 0)
    page.locator("#analysis-run").click()
    wait_until(page, f"Number(document.getElementById('analysis-panel').dataset.runs || 0) > {before}")
    assert page.get_attribute(PANEL, "data-kind") == kind


def summary_value(page, key: str) -> str:
    return page.get_attribute(f'#analysis-summary tr[data-key="{key}"]', "data-value")


def summary_text(page, key: str) -> str:
    return page.locator(f'#analysis-summary tr[data-key="{key}"] td').inner_text()


def centre_on(map_page, lng: float, lat: float, zoom: int = 19) -> None:
    page = map_page.page
    page.evaluate("hash => { location.hash = hash; }", f"#{zoom}/{lat:.7f}/{lng:.7f}")
    wait_until(page, f"Number(document.getElementById('map').dataset.zoom) === {zoom}")
    map_page.wait_layers_settled()
    page.wait_for_timeout(250)


def click_map_centre(page) -> None:
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_planner_runs_coverage_gaps_and_proposals_and_saves_a_layer(demo_server, new_page, planner_state, artifacts):
    desktop = new_page("desktop", planner_state)
    page = desktop.page
    desktop.open(demo_server.url + "/")
    assert page.locator(PANEL).is_hidden()
    open_panel(desktop)

    # Coverage of buildings by toilets at the 300 m preset, whose source is shown beside the number.
    page.select_option("#analysis-kind", "coverage")
    page.select_option("#analysis-facilities", "toilets")
    page.select_option("#analysis-targets", "buildings")
    preset = page.locator('.analysis-preset[data-radius="300"]')
    assert preset.locator(".analysis-preset-value").inner_text() == "300 米"
    assert "GB 55013-2021" in preset.locator(".analysis-preset-source").inner_text()
    assert preset.is_visible()
    page.fill("#analysis-radius", "250")
    assert preset.get_attribute("aria-pressed") == "false"
    preset.click()
    assert page.input_value("#analysis-radius") == "300"
    assert preset.get_attribute("aria-pressed") == "true"
    run(desktop, "coverage")
    expected = analysis(demo_server, "coverage", COVERAGE)["summary"]
    assert page.get_attribute(PANEL, "data-state") == "done"
    assert 0 < expected["uncovered"] < expected["targets"]
    for key in ("covered", "uncovered", "unreachable"):
        assert page.get_attribute(PANEL, f"data-{key}") == str(expected[key]), key  # features drawn per state
        assert summary_value(page, key) == str(expected[key]), key
    assert summary_text(page, "covered").startswith(f"{expected['covered']:,} / {expected['targets']:,}")
    assert f"{expected['households_covered']:,} / {expected['households_total']:,}" in summary_text(
        page, "households_covered")
    legend = page.locator(".analysis-legend").inner_text()
    assert f"未覆盖（{expected['uncovered']}）" in legend and "沿街无法到达" in legend
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "analysis_coverage_zh.png"))

    # An uncovered building is drawn: clicking it shows the result's properties.
    answer = analysis(demo_server, "coverage", COVERAGE)
    uncovered = max((f for f in answer["features"] if not f["properties"]["covered"]),
                    key=lambda f: shape(f["geometry"]).area)
    inside = shape(uncovered["geometry"]).representative_point()
    centre_on(desktop, inside.x, inside.y)
    click_map_centre(page)
    popup = page.locator('.feature-popup[data-layer-id="analysis-coverage"]')
    popup.wait_for(timeout=10_000)
    assert popup.locator('tr[data-property="covered"] td').inner_text() == "否"
    distance = popup.locator('tr[data-property="distance_m"] td').inner_text()
    assert float(distance.replace(",", "")) == pytest.approx(uncovered["properties"]["distance_m"], abs=0.06)
    assert float(distance.replace(",", "")) > 300

    # Lamp gaps: thresholds per road class from the presets with their source; the dark side roads.
    page.select_option("#analysis-kind", "gaps")
    assert page.input_value("#analysis-points") == "streetlights"
    presets = demo_server.api("/analysis/presets")["lamp_gaps"]
    for road_class, metres in presets["thresholds"].items():
        assert float(page.input_value(f"#analysis-threshold-{road_class}")) == metres
    assert "CJJ 45-2015" in page.locator(".analysis-form .analysis-source").inner_text()
    assert page.locator("#analysis-exclude-broken").is_checked()
    page.fill("#analysis-snap", str(LAMP_GAPS["snap_m"]))
    run(desktop, "gaps")
    gaps = analysis(demo_server, "gaps", {**LAMP_GAPS, "max_gap_m": presets["thresholds"]})
    assert page.get_attribute(PANEL, "data-drawn") == str(len(gaps["features"]))
    assert summary_value(page, "total_gap_m") == str(round(gaps["summary"]["total_gap_m"]))
    by_line = page.locator(".analysis-by-line").first.inner_text()
    for name in DARK_SIDE_ROADS:
        assert name in by_line, name
    by_class = page.locator(".analysis-by-class").inner_text()
    assert "支路" in by_class and "巷道" in by_class
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "analysis_gaps_zh.png"))

    # Save the gaps as a layer: the layer panel lists it with its count and draws it.
    page.locator("#analysis-save").click()
    wait_until(page, "Boolean(document.getElementById('analysis-panel').dataset.savedLayer)")
    layer_id = page.get_attribute(PANEL, "data-saved-layer")
    saved = next(layer for layer in demo_server.api("/layers")["layers"] if layer["id"] == layer_id)
    assert saved["feature_count"] == len(gaps["features"])
    assert saved["rules"]["analysis"]["snap_m"] == LAMP_GAPS["snap_m"]
    row = desktop.row(layer_id)
    assert row.locator(".layer-count").inner_text() == f"{saved['feature_count']:,}"
    assert row.locator(".layer-title").inner_text() == saved["title"]["zh-CN"]
    assert row.locator(".layer-checkbox").is_checked()
    wait_until(page, f"document.querySelector('.layer-row[data-layer-id=\"{layer_id}\"]').dataset.status === 'ready'")
    assert int(row.get_attribute("data-rendered-count")) > 0
    assert saved["title"]["zh-CN"] in page.locator("#analysis-save-message").inner_text()
    assert page.locator("#analysis-save").is_disabled()

    # A dark stretch's popup names its street.
    stretch = next(f for f in gaps["features"] if f["properties"]["line_name"] == DARK_SIDE_ROADS[0])
    others = [shape(f["geometry"]) for f in gaps["features"] if f is not stretch]
    line = shape(stretch["geometry"])
    spot = max((line.interpolate(i / 20, normalized=True) for i in range(1, 20)),
               key=lambda point: min(point.distance(other) for other in others))  # away from crossing streets
    centre_on(desktop, spot.x, spot.y)
    click_map_centre(page)
    popup = page.locator('.feature-popup[data-layer-id="analysis-gaps"]')
    popup.wait_for(timeout=10_000)
    assert popup.locator(".popup-title").inner_text() == DARK_SIDE_ROADS[0]

    # Five proposed sites along the streets: five numbered markers.
    page.select_option("#analysis-kind", "proposals")
    page.check("#analysis-metric-network")
    page.fill("#analysis-count", "5")
    run(desktop, "proposals")
    proposals = analysis(demo_server, "proposals", PROPOSALS)["summary"]
    assert proposals["count"] == 5
    markers = page.locator(".analysis-proposal-marker")
    assert markers.count() == 5
    assert sorted(page.eval_on_selector_all(".analysis-proposal-rank[data-rank]", "els => els.map(e => e.textContent)")
                  ) == ["1", "2", "3", "4", "5"]
    assert summary_value(page, "covered_before") == str(proposals["covered_before"])
    assert summary_value(page, "covered_after") == str(proposals["covered_after"])
    assert summary_value(page, "method") == proposals["method"]
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "analysis_proposals_zh.png"))

    # Clear takes the result off the map.
    page.locator("#analysis-clear").click()
    assert markers.count() == 0
    assert page.locator("#analysis-result").is_hidden()
    assert page.get_attribute(PANEL, "data-state") == "idle"
    desktop.assert_no_errors()


def test_refusals_in_both_languages_and_the_phone_sheet(demo_server, new_page, planner_state, artifacts):
    phone = new_page("phone", planner_state)
    page = phone.page
    phone.open(demo_server.url + "/")
    toggle = page.locator("#analysis-toggle")
    box = toggle.bounding_box()
    assert box["height"] >= 40 and box["width"] >= 40
    toggle.tap()
    page.locator("#analysis-run").wait_for()
    sheet = page.locator(PANEL).bounding_box()
    viewport = page.viewport_size
    assert sheet["width"] == viewport["width"]
    assert sheet["y"] + sheet["height"] == pytest.approx(viewport["height"], abs=1)  # a bottom sheet
    assert sheet["height"] < viewport["height"] * 0.7  # the map stays visible above it
    page.screenshot(path=str(artifacts / "analysis_phone_panel_zh.png"))

    # The server refuses a distance over its limit: its message and the field, in Chinese, then in English.
    page.select_option("#analysis-facilities", "toilets")
    page.fill("#analysis-radius", "30000")
    page.locator("#analysis-run").tap()
    message = page.locator("#analysis-message")
    message.wait_for()
    wait_until(page, "document.getElementById('analysis-panel').dataset.state === 'error'")
    assert message.get_attribute("data-code") == "validation_failed"
    assert "分析参数无效" in message.inner_text()
    assert "服务距离（米）：超出允许的范围" in message.inner_text()
    page.locator("#language-toggle").tap()
    assert page.locator("#analysis-run").inner_text() == "Run"
    page.locator("#analysis-run").tap()
    wait_until(page, "document.getElementById('analysis-message').textContent.includes('refused')")
    text = message.inner_text()
    assert "The analysis parameters were refused." in text
    assert "Service distance (m): out of the allowed range (must be above 0 and at most 20000)" in text
    page.locator("#language-toggle").tap()

    # A run on the phone: the result fits above the sheet; folding the sheet shows the whole map.
    page.locator('.analysis-preset[data-radius="300"]').tap()
    run(phone, "coverage")
    assert message.is_hidden()
    expected = analysis(demo_server, "coverage", COVERAGE)["summary"]
    assert summary_value(page, "covered") == str(expected["covered"])
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "analysis_phone_result_zh.png"))
    page.locator("#analysis-collapse").tap()
    assert page.locator("#analysis-summary").is_hidden()
    assert page.locator(PANEL).bounding_box()["height"] < 80
    page.screenshot(path=str(artifacts / "analysis_phone_folded_zh.png"))
    # The only errors are the browser's notes on the two refused requests (422).
    refused = [e for e in phone.errors if "status of 422" in e and "/api/analysis/coverage" in e]
    assert len(refused) == 2, phone.errors
    assert [e for e in phone.errors if e not in refused] == []


def test_a_saved_result_is_deleted_from_the_layer_panel_with_a_second_tap(demo_server, new_page, planner_state,
                                                                          desktop, artifacts):
    saved = analysis(demo_server, "gaps", LAMP_GAPS | {"save": True})["saved_layer"]
    # A leader sees the saved result but is offered no way to delete it.
    desktop.open(demo_server.url + "/")
    assert desktop.row(saved).count() == 1 and desktop.row(saved).locator(".layer-delete").count() == 0
    assert desktop.page.locator(".layer-row[data-layer-id=bins] .layer-delete").count() == 0

    planner = new_page("desktop", planner_state)
    page = planner.page
    planner.open(demo_server.url + "/")
    row = planner.row(saved)
    wait_until(page, f"document.querySelector('.layer-row[data-layer-id=\"{saved}\"]').dataset.status === 'ready'")
    assert page.locator(".layer-row[data-layer-id=bins] .layer-delete").count() == 0  # data layers: never
    button = row.locator(".layer-delete")
    assert button.inner_text() == "删除"
    button.click()
    assert button.inner_text() == "确认删除" and button.get_attribute("data-confirm") == "1"
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "analysis-delete-confirm.png"))
    assert saved in [layer["id"] for layer in demo_server.api("/layers")["layers"]]  # one tap deletes nothing
    button.click()
    row.wait_for(state="detached")
    assert saved not in [layer["id"] for layer in demo_server.api("/layers")["layers"]]
    assert page.evaluate(f"Boolean(document.querySelector('.layer-row[data-layer-id=\"{saved}\"]'))") is False
    planner.assert_no_errors()


def test_a_leader_has_no_analysis_panel(demo_server, desktop):
    page = desktop.page
    desktop.open(demo_server.url + "/")
    assert page.locator("#analysis-toggle").is_hidden()
    assert page.locator(PANEL).is_hidden()
    assert page.locator("#analysis-form").count() == 0
    # Nor can the leader's session run one through the API.
    csrf = page.request.get(demo_server.url + "/api/session").json()["csrf_token"]
    answer = page.request.post(demo_server.url + "/api/analysis/coverage", data=COVERAGE,
                               headers={"X-CSRF-Token": csrf, "Origin": demo_server.url})
    assert answer.status == 403
    assert answer.json()["error"]["code"] == "forbidden"
    desktop.assert_no_errors()
