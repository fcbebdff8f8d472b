"""The leaders' dashboard at 1440 × 900 (issue 17.19): each case state drawn in its own colour (from
workflow.json), and the overdue table's days as whole days. Screenshot tests/artifacts/dashboard-states.png."""

from __future__ import annotations

import io
import math
from datetime import datetime

from PIL import Image

from .browser_support import READY_TIMEOUT_MS

WIDE = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def test_each_state_its_own_colour_and_overdue_in_whole_days(demo_server, browser, leader_state, artifacts):
    context = browser.new_context(**WIDE, storage_state=leader_state)
    try:
        page = context.new_page()
        page.goto(demo_server.url + "/dashboard")
        page.wait_for_selector("#chart-status[data-chart-ready]", state="attached", timeout=READY_TIMEOUT_MS)
        page.wait_for_timeout(800)  # the ring's opening animation
        dash = demo_server.api("/dashboard")
        states = demo_server.api("/workflow")["states"]
        shot = Image.open(io.BytesIO(page.locator("#chart-status").screenshot())).convert("RGB")
        seen = {colour for _, colour in shot.getcolors(1 << 20)}
        for status in dash["by_status"]:
            hex_ = states[status]["color"]
            rgb = tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5))
            assert any(max(abs(a - b) for a, b in zip(rgb, c)) <= 3 for c in seen), (status, hex_)
        # Overdue days: whole days, rounded down, at the dashboard's instant.
        at = datetime.fromisoformat(dash["at"]).timestamp()
        rows = page.locator("#table-overdue tbody tr[data-row]").all()
        assert rows
        cases = {f["id"]: f["properties"] for f in demo_server.api("/cases?overdue=true&limit=1000")["features"]}
        for row in rows:
            days = row.locator('[data-col="days"]').inner_text()
            deadline = datetime.fromisoformat(cases[int(row.get_attribute("data-row"))]["deadline"]).timestamp()
            assert days == str(math.floor((at - deadline) / 86_400)), days
        page.screenshot(path=str(artifacts / "dashboard-states.png"))
    finally:
        context.close()
