"""Slow clients cannot take the server down: 200 connections that send half a request header and stop
leave the production server (``python server.py``, waitress) answering ``/api/health``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW_SOCKETS = 200
START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _health(url: str, timeout: float) -> dict:
    with urllib.request.urlopen(f"{url}/api/health", timeout=timeout) as response:
        return json.loads(response.read())


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below
    command = [sys.executable, "server.py", "--host", "127.0.0.1", "--port", str(port),
               "--data", str(tmp_path / "data"), "--no-demo", "--threads", "4"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S  # waiting for start-up only; nothing asserts on time
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
            try:
                if _health(url, 2).get("status") == "ok":
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "server.py did not start"
                time.sleep(0.25)
        yield port, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def test_slow_sockets_leave_health_answering(server):
    port, url = server
    slow = []
    try:
        for _ in range(SLOW_SOCKETS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and never the rest
            slow.append(sock)
        time.sleep(0.5)  # let the server's loop take them all in before the real request
        assert _health(url, timeout=1)["status"] == "ok"
    finally:
        for sock in slow:
            sock.close()
