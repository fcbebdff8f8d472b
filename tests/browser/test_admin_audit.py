"""The admin page's audit log in words (issue 17.23): an export's detail reads 格式：csv；数据时点：当前, not
format：csv；at：None. Desktop 1440 × 900; screenshot tests/artifacts/admin-audit.png."""

from __future__ import annotations

from .browser_support import http

WIDE = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def test_the_audit_log_names_its_details_in_chinese(demo_server, browser, admin_state, artifacts):
    status, _, _ = http(f"{demo_server.url}/api/layers/bins/export?format=csv",
                        headers={"Authorization": f"Bearer {demo_server.token}"})
    assert status == 200
    context = browser.new_context(**WIDE, storage_state=admin_state)
    try:
        page = context.new_page()
        page.goto(demo_server.url + "/admin")
        row = page.locator('#audit-body tr[data-action="data.export"]').first
        row.wait_for(timeout=60_000)
        assert row.locator(".cell-action").inner_text() == "导出数据"
        detail = row.locator(".cell-detail").inner_text()
        assert "格式：csv" in detail and "数据时点：当前" in detail, detail
        assert "format" not in detail and "None" not in detail
        texts = page.eval_on_selector_all("#audit-body .cell-detail", "cells => cells.map(c => c.innerText)")
        assert not any(key in text for text in texts for key in ("file：", "rows：", "format：", "at："))
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "admin-audit.png"))
    finally:
        context.close()
