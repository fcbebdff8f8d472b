"""Helpers for the browser tests: the server subprocess, a page wrapper that records requests and errors,
logging in (through the real login page, or over HTTP for an API token) and small HTTP helpers. (Kept out
of conftest.py so test modules can import them by name.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from layers.demo.users import DEMO_USERS  # noqa: E402 - needs ROOT on sys.path

# name -> (password, role, display name) of the demo accounts server.py seeds with the demo.
DEMO_ACCOUNTS = {name: (password, role, display) for name, role, password, display, _ in DEMO_USERS}
BIG_ADMIN = ("admin", "big-admin-pass-2026")  # created with `server.py create-user` for the --no-demo server

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
BIG_COUNT = 200_000
SERVER_START_TIMEOUT_S = 300
READY_TIMEOUT_MS = 90_000


def chromium_path() -> str:
    """Debian's Chromium; fail (never skip) with a clear message when it is not installed."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("Chromium is missing: the browser tests need Debian's chromium at /usr/bin/chromium (or "
                "`chromium` on PATH). Install it with `apt-get install chromium`; `playwright install` cannot "
                "download browsers here.", pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _auth(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def get_json(url: str, timeout: float = 30, token: str | None = None):
    request = urllib.request.Request(url, headers=_auth(token))
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def send_json(url: str, body: dict, method: str = "POST", timeout: float = 30, token: str | None = None):
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method=method,
                                     headers={"Content-Type": "application/geo+json", "X-Client": "browser-tests",
                                              **_auth(token)})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def http(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, object, dict]:
    """(status, parsed JSON body or None, headers) of one plain HTTP request; error statuses do not raise."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, answer_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), dict(error.headers)
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        parsed = None
    return status, parsed, answer_headers


def http_session(base_url: str, name: str, password: str) -> tuple[dict, str]:
    """Log in over HTTP: (headers carrying the session cookie and the CSRF token, the CSRF token)."""
    status, body, headers = http(f"{base_url}/api/login", "POST", {"name": name, "password": password})
    assert status == 200, (status, body)
    cookie = SimpleCookie(headers["Set-Cookie"])["cw_session"].value
    return {"Cookie": f"cw_session={cookie}", "X-CSRF-Token": body["csrf_token"]}, body["csrf_token"]


def api_token(base_url: str, name: str, password: str, label: str = "browser tests") -> str:
    """A new API token of ``name`` (logging in over HTTP to make it)."""
    headers, _ = http_session(base_url, name, password)
    made = {"label": label, "password": password}  # minting a token asks for the password again
    status, body, _ = http(f"{base_url}/api/users/{quote(name)}/tokens", "POST", made, headers)
    assert status == 201, (status, body)
    http(f"{base_url}/api/logout", "POST", headers=headers)
    return body["token"]


def create_admin_cli(data_dir: Path, name: str, password: str) -> str:
    """``python server.py create-user NAME --role admin --password-stdin``; returns the API token it prints."""
    result = subprocess.run(
        [sys.executable, "server.py", "create-user", name, "--role", "admin", "--data", str(data_dir),
         "--password-stdin"], cwd=ROOT, input=password + "\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def login_through_page(page, base_url: str, name: str, password: str, next_path: str | None = None,
                       timeout: float = READY_TIMEOUT_MS) -> None:
    """Log in on the real login page (/login?next=...) and wait until it has sent the browser on."""
    query = f"?next={quote(next_path, safe='')}" if next_path else ""
    page.goto(f"{base_url}/login{query}")
    page.wait_for_selector("body[data-ready]", state="attached")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url, timeout=timeout)


def logged_in_state(browser, base_url: str, name: str, password: str) -> dict:
    """The storage state (session cookie) of a context that logged in through the login page."""
    context = browser.new_context()
    try:
        login_through_page(context.new_page(), base_url, name, password, next_path="/static/css/icon.svg")
        return context.storage_state()
    finally:
        context.close()


class ServerProcess:
    """``python server.py`` on a free port; its output goes to ``log`` (shown when it fails to start)."""

    def __init__(self, data_dir: Path, log: Path, extra: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "server.py", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(data_dir),
             "--threads", "8", *extra],
            cwd=ROOT, stdout=self._log_file, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_healthy(self, timeout: float = SERVER_START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"server.py exited with {self.process.returncode}:\n{self.tail()}", pytrace=False)
            try:
                if get_json(f"{self.url}/api/health", timeout=2).get("status") == "ok":
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"server.py did not answer /api/health within {timeout:.0f} s:\n{self.tail()}", pytrace=False)

    def tail(self, lines: int = 40) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log_file.close()


@dataclass
class Server:
    url: str
    token: str | None = None  # an admin's API token: reading the API needs a login or a token
    layers: list = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def api(self, path: str):
        return get_json(f"{self.url}/api{path}", token=self.token)

    def send(self, path: str, body: dict, method: str = "POST"):
        return send_json(f"{self.url}/api{path}", body, method=method, token=self.token)


def wait_until(page, expression: str, timeout: float = 30_000, interval: float = 50) -> None:
    """Wait until the JS ``expression`` is truthy in ``page``. Page.wait_for_function cannot do this here: it
    polls by evaluating a string inside the page, which the server's Content-Security-Policy (no
    'unsafe-eval') forbids; page.evaluate goes through the DevTools protocol, which CSP does not govern."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} ms waiting for: {expression}")
        page.wait_for_timeout(interval)


class MapPage:
    """A Playwright page that records every request, console error and uncaught exception."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("requestfailed", lambda request: "ERR_ABORTED" not in (request.failure or "") and self.errors.append(
            f"request failed: {request.url} ({request.failure})"))

    def _on_console(self, message) -> None:
        where = message.location.get("url", "")
        # Chromium asks for /favicon.ico by itself on pages without an icon link (the JSON page some tests
        # open for comparison); the map page names its icon, so this never hides an error of the map's.
        if message.type == "error" and not where.endswith("/favicon.ico"):
            self.errors.append(f"console.error: {message.text} ({where})")

    def open(self, url: str, timeout: float = READY_TIMEOUT_MS) -> None:
        """Load the map and wait until every visible layer has drawn its first view."""
        self.page.goto(url)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = READY_TIMEOUT_MS) -> None:
        # Selectors, not wait_for_function: the latter evals strings, which a strict CSP forbids.
        self.page.wait_for_selector("body[data-ready]", state="attached", timeout=timeout)
        assert self.page.get_attribute("body", "data-ready") == "1", self.errors

    def wait_layers_settled(self, timeout: float = 30_000) -> None:
        """Wait until no visible layer is loading (after a move)."""
        self.page.wait_for_selector('.layer-row[data-status="loading"]', state="detached", timeout=timeout)

    def map_state(self) -> dict:
        return self.page.evaluate("({...document.getElementById('map').dataset})")

    def row(self, layer_id: str):
        return self.page.locator(f'.layer-row[data-layer-id="{layer_id}"]')

    def assert_no_errors(self) -> None:
        assert self.errors == [], "\n".join(self.errors)




TILE_HOSTS = re.compile(r"^https?://[^/]*(autonavi\.com|openstreetmap\.org)/")


def _png(width: int = 256, height: int = 256, rgb=(230, 230, 220)) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))  # fmt: skip


def fake_tiles(page) -> list[str]:
    """Answer every tile request of ``page`` (AMap, OpenStreetMap: no internet here) with a plain tile; the
    returned list fills with the URLs asked for."""
    tiles: list[str] = []
    blank = _png()

    def answer(route) -> None:
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=blank)

    page.route(TILE_HOSTS, answer)
    return tiles
