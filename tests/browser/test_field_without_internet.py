"""The field view on a network with no internet: every test of test_field.py again, in a network namespace
where only the loopback interface is up (server and Chromium both inside it). Chromium then reports
``navigator.onLine === false`` although the server answers, as it does on a LAN or 政务内网 without a route
to the internet, so this is where an outbox that waits for the browser to say "online" is caught.

The namespace needs root and ``ip`` (Debian's iproute2); without them this test FAILS, never skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELD_TESTS = Path(__file__).with_name("test_field.py")
RUN_TIMEOUT_S = 1800

# Asks Chromium inside the namespace what it thinks: proof that the namespace makes the condition tested.
PROBE = """
import sys
from playwright.sync_api import sync_playwright
from tests.browser.browser_support import CHROMIUM_ARGS, chromium_path
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
    print("navigator.onLine:", browser.new_page().evaluate("navigator.onLine"))
    browser.close()
"""


def _ip(*args: str) -> subprocess.CompletedProcess:
    """``ip ARGS`` on the host; ``ip netns exec NAME COMMAND...`` runs a command inside a namespace."""
    ip = shutil.which("ip")
    if ip is None:
        pytest.fail("`ip` is missing: this test needs Debian's iproute2 (`apt-get install iproute2`)")
    return subprocess.run([ip, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def loopback_only():
    """A fresh network namespace with only ``lo``, up; removed afterwards."""
    name = f"cw-lo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    made = _ip("netns", "add", name)
    if made.returncode != 0:
        pytest.fail(f"cannot create a network namespace (this test runs as root): {made.stderr.strip()}")
    try:
        up = _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        assert up.returncode == 0, up.stderr
        yield name
    finally:
        gone = _ip("netns", "delete", name)
        assert gone.returncode == 0, gone.stderr


def test_the_namespace_has_only_loopback_and_chromium_says_offline(loopback_only):
    links = _ip("netns", "exec", loopback_only, "ip", "-o", "link", "show")
    assert links.returncode == 0, links.stderr
    assert [line.split(":")[1].strip() for line in links.stdout.splitlines()] == ["lo"]
    routes = _ip("netns", "exec", loopback_only, "ip", "route", "show", "default")
    assert routes.returncode == 0 and routes.stdout.strip() == "", routes.stdout
    probe = _ip("netns", "exec", loopback_only, sys.executable, "-c", PROBE)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert "navigator.onLine: False" in probe.stdout, probe.stdout


def _without_test_store() -> dict:
    """The environment for the run inside the namespace, on the default SQLite store: a database server
    outside the namespace is beyond its loopback. (The field view's tests run on that server in the main run.)"""
    return {k: v for k, v in os.environ.items() if k != "TEST_STORE_URL"}


def test_every_field_view_test_passes_with_only_loopback(loopback_only, tmp_path):
    run = subprocess.run(
        [shutil.which("ip"), "netns", "exec", loopback_only, sys.executable, "-m", "pytest", "-q", "-rfEs",
         "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'run'}", str(FIELD_TESTS)],
        cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=_without_test_store(),
    )  # fmt: skip
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-60:])
    assert run.returncode == 0, tail
    summary = run.stdout.strip().splitlines()[-1]
    assert " passed" in summary and not any(word in summary for word in ("failed", "skipped", "error")), tail
