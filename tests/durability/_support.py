"""Helpers for the durability tests: ``server.py`` in a subprocess on a free loopback port (its output in a
log file), API tokens made by the command line, a tiny JSON client on one ``http.client`` connection, and
checks made straight on the SQLite file.

Kept out of conftest.py so test modules import it by name and it cannot clash with other conftest files.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.postgis_support import is_postgis  # noqa: E402 - after the path set-up above

DB_NAME = "chuangwei.sqlite3"
# These tests start servers on the default SQLite file and check that file itself (kill -9 mid-write, its WAL,
# its R*Trees, its backup format): they are about SQLite. Their PostGIS counterparts (two app processes on one
# database, kill -9 of one, pg_ctl stop -m immediate) are test_postgis_processes.py, run when TEST_STORE_URL
# is PostGIS.
SQLITE_ONLY = pytest.mark.skipif(
    is_postgis(), reason="durability of the SQLite file itself; PostGIS's is tests/durability/test_postgis_processes.py"
)
LAYER = "bins"
FEATURES = f"/api/layers/{LAYER}/features"
SERVER_START_TIMEOUT_S = 60
CLI_TIMEOUT_S = 120
# Inside the fictional demo community's area, so the lat/lon swap check never trips.
LON0, LAT0 = 113.326, 23.125
STATUSES = ("ok", "damaged", "missing")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str, data_dir: Path, timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess:
    """``python server.py ARGS --data DIR``, captured."""
    return subprocess.run(
        [sys.executable, "server.py", *args, "--data", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def create_token(data_dir: Path, name: str, role: str = "planner") -> str:
    """A new user and its API token: the last line of ``create-user``'s output."""
    result = cli("create-user", name, "--role", role, data_dir=data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    token = result.stdout.strip().splitlines()[-1].strip()
    assert token and " " not in token, result.stdout
    return token


class ServerProcess:
    """``python server.py --no-demo`` on a free loopback port; output to ``log`` (shown when it fails)."""

    def __init__(self, data_dir: Path, log: Path, threads: int = 8, extra: tuple[str, ...] = ("--no-demo",)):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.log = Path(log)
        self._log_file = open(self.log, "ab")  # noqa: SIM115 - closed in stop()/kill()
        self.process = subprocess.Popen(
            [sys.executable, "server.py", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(data_dir),
             "--threads", str(threads), *extra],
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    @classmethod
    def start(cls, data_dir: Path, log: Path, **kwargs) -> ServerProcess:
        server = cls(data_dir, log, **kwargs)
        server.wait_healthy()
        return server

    def client(self, token: str | None = None, timeout: float = 60) -> Client:
        return Client(self.port, token, timeout)

    def wait_healthy(self, timeout: float = SERVER_START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"server.py exited with {self.process.returncode}:\n{self.tail()}", pytrace=False)
            try:
                with Client(self.port, timeout=2) as probe:
                    status, _, body = probe.request("GET", "/api/health")
                if status == 200 and body.get("status") == "ok":
                    return
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"server.py did not answer /api/health within {timeout:.0f} s:\n{self.tail()}", pytrace=False)

    def tail(self, lines: int = 40) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def server_errors(self) -> list[str]:
        """Lines of the server log that report an unhandled error or traceback."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if "Traceback" in line or " ERROR " in line]

    def stop(self) -> None:
        """A clean stop (SIGTERM), then wait for the process to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log_file.close()

    def kill9(self) -> None:
        """``kill -9``: no handler, no cleanup, no checkpoint; the OS reclaims the process."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
        self._log_file.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class Client:
    """JSON over one keep-alive ``http.client`` connection (not thread-safe: one per thread)."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.token = token

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        """Send one request; return (status, headers as a lower-cased dict, parsed JSON body or None)."""
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            sent.setdefault("Content-Type", "application/geo+json")
        self.conn.request(method, path, body=data, headers=sent)
        response = self.conn.getresponse()
        raw = response.read()
        head = {k.lower(): v for k, v in response.getheaders()}
        if response.will_close:
            self.conn.close()
        parsed = json.loads(raw) if raw and "json" in head.get("content-type", "") else None
        return response.status, head, parsed

    # -- the few calls the tests make -----------------------------------------------------------------
    def create(self, properties: dict, lon: float = LON0, lat: float = LAT0):
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                   "properties": properties}
        return self.request("POST", FEATURES, feature)

    def patch(self, fid: int, version: int, properties: dict):
        return self.request("PATCH", f"{FEATURES}/{fid}", {"properties": properties},
                            {"If-Match": f'"{fid}.{version}"', "Content-Type": "application/merge-patch+json"})

    def delete(self, fid: int, version: int):
        return self.request("DELETE", f"{FEATURES}/{fid}", headers={"If-Match": f'"{fid}.{version}"'})

    def get(self, fid: int):
        return self.request("GET", f"{FEATURES}/{fid}")

    def history(self, fid: int) -> list[dict]:
        status, _, body = self.request("GET", f"{FEATURES}/{fid}/history")
        assert status == 200, (fid, status, body)
        return body["features"]

    def all_features(self, page: int = 10_000) -> tuple[list[dict], int]:
        """Every live feature of the layer, page by page, and the numberMatched of the first page."""
        found, offset, matched = [], 0, None
        while True:
            status, _, body = self.request("GET", f"{FEATURES}?limit={page}&offset={offset}")
            assert status == 200, (status, body)
            matched = body["numberMatched"] if matched is None else matched
            found += body["features"]
            if body["numberReturned"] < page:
                return found, matched
            offset += page

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def props_for(tag: str, n: int) -> dict:
    """Distinct, schema-valid properties for write number ``n`` (so every version is recognisable)."""
    return {"name": f"{tag}-{n}", "capacity_l": (n * 37) % 10_001, "sorted": n % 2 == 0, "status": STATUSES[n % 3]}


def position(n: int) -> tuple[float, float]:
    """A point near the demo area, different for each n (within ~0.01 degrees)."""
    return LON0 + (n % 997) * 1e-5, LAT0 + (n % 991) * 1e-5


# -- checks on the SQLite file ---------------------------------------------------------------------------


def open_db(data_dir: Path) -> sqlite3.Connection:
    """The store's database, opened directly (read-write so a WAL left by a killed server is recovered)."""
    path = Path(data_dir) / DB_NAME
    assert path.is_file(), f"{path} is missing"
    return sqlite3.connect(path, timeout=30)


def consistency_problems(conn: sqlite3.Connection) -> list[str]:
    """Everything that would show a half-written or inconsistent store; [] when sound."""
    problems = []
    check = conn.execute("PRAGMA integrity_check").fetchall()
    if check != [("ok",)]:
        problems.append(f"integrity_check: {check[:5]}")
    fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"foreign_key_check: {fk[:5]}")
    queries = {
        "features whose current version row is missing or wrong":
            "SELECT f.fid FROM feature f LEFT JOIN version v ON v.vid = f.vid"
            " WHERE v.vid IS NULL OR v.fid != f.fid OR v.version != f.version OR v.layer != f.layer",
        "versions without their feature":
            "SELECT v.vid FROM version v LEFT JOIN feature f ON f.fid = v.fid WHERE f.fid IS NULL",
        "features whose newest version is not the current one":
            "SELECT f.fid FROM feature f JOIN (SELECT fid, max(version) AS top, count(*) AS n, min(version) AS low"
            " FROM version GROUP BY fid) h ON h.fid = f.fid WHERE h.top != f.version OR h.n != h.top OR h.low != 1",
        "current versions with an end":
            "SELECT f.fid FROM feature f JOIN version v ON v.vid = f.vid WHERE v.valid_to IS NOT NULL",
        "versions not ended by their successor":
            "SELECT a.vid FROM version a JOIN version b ON b.fid = a.fid AND b.version = a.version + 1"
            " WHERE a.valid_to IS NULL OR a.valid_to != b.valid_from OR b.valid_from <= a.valid_from",
        "live features missing from cur_rtree":
            "SELECT f.fid FROM feature f LEFT JOIN cur_rtree r ON r.id = f.fid WHERE f.deleted = 0 AND r.id IS NULL",
        "cur_rtree rows of no live feature":
            "SELECT r.id FROM cur_rtree r LEFT JOIN feature f ON f.fid = r.id AND f.deleted = 0 WHERE f.fid IS NULL",
        "versions missing from hist_rtree":
            "SELECT v.vid FROM version v LEFT JOIN hist_rtree r ON r.id = v.vid"
            " WHERE v.op != 'delete' AND r.id IS NULL",
        "hist_rtree rows of no version":
            "SELECT r.id FROM hist_rtree r LEFT JOIN version v ON v.vid = r.id WHERE v.vid IS NULL",
        "layers whose feature_count is not their live features":
            "SELECT l.id FROM layer l WHERE l.feature_count !="
            " (SELECT count(*) FROM feature f WHERE f.layer = l.id AND f.deleted = 0)",
        "layers whose revision is below their newest version's":
            "SELECT l.id FROM layer l WHERE l.revision < (SELECT coalesce(max(layer_rev), 0) FROM version v"
            " WHERE v.layer = l.id)",
    }
    for what, sql in queries.items():
        rows = conn.execute(sql).fetchall()
        if rows:
            problems.append(f"{what}: {[r[0] for r in rows[:10]]} ({len(rows)} in all)")
    for tree in ("cur_rtree", "hist_rtree"):
        check = conn.execute(f"SELECT rtreecheck('{tree}')").fetchone()[0]
        if check != "ok":
            problems.append(f"{tree} is not a valid R*Tree: {check}")
    live = conn.execute("SELECT count(*) FROM feature WHERE deleted = 0").fetchone()[0]
    rtree = conn.execute("SELECT count(*) FROM cur_rtree").fetchone()[0]
    if rtree != live:
        problems.append(f"cur_rtree has {rtree} rows for {live} live features")
    return problems


def stored_versions(conn: sqlite3.Connection, layer: str = LAYER) -> dict[tuple[int, int], dict]:
    """(fid, version) -> properties of every stored version of ``layer``."""
    rows = conn.execute("SELECT fid, version, properties FROM version WHERE layer = ?", (layer,)).fetchall()
    return {(fid, version): json.loads(props) if props else None for fid, version, props in rows}
