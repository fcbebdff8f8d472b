"""Make the screenshots of the role guides (docs/guide-*.md) from the real demo: starts ``server.py`` on a
fresh data folder (it seeds the fictional demo community), logs each demo account in through the login page
in Debian's Chromium and saves the pages each guide walks through under docs/guide/.

    python docs/guide_screenshots.py
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from layers.demo.users import DEMO_USERS  # noqa: E402 - needs ROOT on sys.path

OUT = ROOT / "docs" / "guide"
PASSWORDS = {name: password for name, _, password, _, _ in DEMO_USERS}
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PHONE = {"viewport": {"width": 375, "height": 667}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
         "user_agent": "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
                       "Mobile Safari/537.36 MicroMessenger/8.0.47"}
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server.py exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if json.loads(response.read()).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("server.py did not start")


def login(browser, url: str, name: str, device: dict):
    context = browser.new_context(**device)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORDS[name])
    page.click("#login-submit")
    page.wait_for_url(lambda u: "/login" not in u, timeout=90_000)
    return context, page


def shoot(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context, page = login(browser, url, "wangge1", PHONE)  # the field worker lands on /field
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=90_000)
        page.locator("#map-toggle").tap()
        page.wait_for_timeout(500)
        page.screenshot(path=str(OUT / "field-1-list.png"))
        page.locator("#case-list .fv-case[data-case-id]").first.tap()
        page.wait_for_selector("#view-detail[data-loaded='1']", state="attached", timeout=30_000)
        page.locator("#view-detail .fv-nav-summary").tap()
        page.locator("#view-detail .fv-nav").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "field-2-detail.png"))
        page.evaluate("location.hash = '#report'")
        page.wait_for_selector("#view-report:not([hidden])")
        page.locator("#map-toggle").tap()
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "field-3-report.png"))
        context.close()

        context, page = login(browser, url, "leader", DESKTOP)  # the leader lands on /dashboard
        page.wait_for_selector("#chart-status[data-chart-ready]", state="attached", timeout=90_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(OUT / "leader-1-dashboard.png"))
        page.goto(f"{url}/compare")
        page.wait_for_selector("body[data-ready]", state="attached", timeout=90_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(OUT / "leader-2-compare.png"))
        context.close()

        context, page = login(browser, url, "planner", DESKTOP)  # the planner lands on the map
        page.wait_for_selector("#layers-thematic li", state="attached", timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "planner-1-map.png"))
        context.close()
        browser.close()


def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="guide-") as data:
        process = subprocess.Popen([sys.executable, "server.py", "--host", "127.0.0.1", "--port", str(port),
                                    "--data", data], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_healthy(url, process)
            shoot(url)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
