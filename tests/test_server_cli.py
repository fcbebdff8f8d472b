"""The command line: create-user prints a working token as its last line; refusals exit non-zero."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from layers.store import DataDirLock, default_store_url, open_store
from server import create_app
from tests.conftest import make_user, token_client
from tests.postgis_support import data_dir_on_test_store
from web.areas import city

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "server.py", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def on_test_store(tmp_path):
    """``tmp_path/data`` on the backend under test, for commands run with ``--data`` alone."""
    with data_dir_on_test_store(tmp_path / "data"):
        yield


def test_create_user_prints_a_token_that_works(tmp_path, on_test_store):
    data = str(tmp_path / "data")
    done = run("create-user", "ops", "--role", "planner", "--data", data, "--password-stdin", stdin="long-password\n")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("cw_")
    app = create_app({"DATA_DIR": data})
    client = token_client(app, token)
    assert client.get("/api/session").get_json()["user"]["role"] == "planner"
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.3, 23.1]}, "properties": {}}
    assert client.post("/api/layers/bins/features", json=feature).get_json()["author"] == "ops"
    assert app.test_client().post("/api/login", json={"name": "ops", "password": "long-password"}).status_code == 200
    app.extensions["store"].close()


def test_create_user_refusals(tmp_path, on_test_store):
    data = str(tmp_path / "data")
    assert run("create-user", "ops", "--role", "admin", "--data", data).returncode == 0
    again = run("create-user", "ops", "--role", "admin", "--data", data)
    assert again.returncode == 1 and "exists" in again.stderr
    short = run("create-user", "x2", "--role", "admin", "--data", data, "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    badgrid = run("create-user", "x3", "--role", "field_worker", "--grid", "123", "--data", data)
    assert badgrid.returncode == 2 and "grid_codes" in badgrid.stderr


def test_restore_refuses_while_a_server_holds_the_directory(tmp_path, on_test_store):
    data = tmp_path / "data"
    assert run("create-user", "ops", "--role", "admin", "--data", str(data)).returncode == 0
    assert run("backup", str(tmp_path / "b.sqlite3"), "--data", str(data)).returncode == 0
    with DataDirLock(data) as held:
        assert held
        refused = run("restore", str(tmp_path / "b.sqlite3"), "--data", str(data))
    assert refused.returncode == 1 and "running" in refused.stderr
    assert run("restore", str(tmp_path / "b.sqlite3"), "--data", str(data)).returncode == 0


def test_a_refused_restore_creates_nothing(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database" * 100)
    target = tmp_path / "new-data"
    refused = run("restore", str(junk), "--data", str(target))
    assert refused.returncode == 1 and refused.stderr.startswith("错误 / error:")
    assert "Traceback" not in refused.stderr
    assert not target.exists()


def test_a_store_url_that_names_no_store_is_one_line_naming_the_setting(tmp_path):
    for url, reason in (("postgis://map@localhost/map", "start with postgresql://"), ("mysql://x/y", "unknown scheme"),
                        ("postgresql://map@127.0.0.1:1/map", "cannot connect")):  # fmt: skip
        done = run("backup", str(tmp_path / "b.sqlite3"), "--data", str(tmp_path), "--store", url)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.startswith("错误 / error: STORE_URL=") and reason in done.stderr


def test_store_names_the_database_for_every_command(tmp_path):
    data, url = str(tmp_path / "data"), f"sqlite:///{(tmp_path / 'elsewhere' / 'city.sqlite3').as_posix()}"
    assert run("create-user", "ops", "--role", "admin", "--data", data, "--store", url).returncode == 0
    assert (tmp_path / "elsewhere" / "city.sqlite3").is_file()
    assert not (tmp_path / "data" / "chuangwei.sqlite3").exists()
    assert run("backup", str(tmp_path / "b.sqlite3"), "--store", url).returncode == 0
    restored = f"sqlite:///{(tmp_path / 'restored').as_posix()}"
    assert run("restore", str(tmp_path / "b.sqlite3"), "--data", data, "--store", restored).returncode == 0
    app = create_app({"DATA_DIR": data, "STORE_URL": restored})
    assert [u["name"] for u in app.extensions["store"].users()] == ["ops"]
    app.extensions["store"].close()


def test_the_environment_sets_the_store_url_and_the_test_config_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("STORE_URL", f"sqlite:///{(tmp_path / 'from-env').as_posix()}")
    app = create_app({"DATA_DIR": str(tmp_path / "data")})
    assert app.extensions["store"].key.endswith("from-env/chuangwei.sqlite3")
    app.extensions["store"].close()
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "STORE_URL": f"sqlite:///{(tmp_path / 'given').as_posix()}"})
    assert "given" in app.extensions["store"].key
    app.extensions["store"].close()


def test_migrate_moves_a_store_to_the_backend_under_test_and_back(tmp_path, backend):
    """``migrate --from --to`` SQLite -> TEST_STORE_URL's backend -> a new SQLite: the same records, the
    counts and checksums printed, and a second copy into a store that now holds data refused untouched."""
    source_url, back_url = f"sqlite:///{tmp_path}/first", f"sqlite:///{tmp_path}/back"
    app = create_app({"DATA_DIR": str(tmp_path / "first"), "STORE_URL": source_url})
    client = token_client(app, make_user(app, "ops", "admin"))
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.3, 23.1]}, "properties": {}}
    fid = client.post("/api/layers/bins/features", json=feature).get_json()["id"]
    client.patch(f"/api/layers/bins/features/{fid}", json={"properties": {"name": "一号"}},
                 headers={"If-Match": f'"{fid}.1"', "Content-Type": "application/merge-patch+json"})  # fmt: skip
    first = app.extensions["store"]

    there = run("migrate", "--from", source_url, "--to", backend)
    assert there.returncode == 0, there.stderr
    assert "records (source = target): meta 0, layer " in there.stdout and "version 2, user 1, token 1" in there.stdout
    assert "layer bins: 2 versions, checksum " in there.stdout and "checksums agree" in there.stdout
    back = run("migrate", "--from", backend, "--to", back_url)
    assert back.returncode == 0, back.stderr
    assert there.stdout.splitlines()[1:] == back.stdout.splitlines()[1:]  # the same counts and checksums
    returned = open_store(back_url)
    assert list(returned.export_records()) == list(first.export_records())
    returned.close()

    again = run("migrate", "--from", source_url, "--to", back_url)
    assert again.returncode == 1 and "is not empty (" in again.stderr and "nothing was written" in again.stderr
    same = run("migrate", "--from", source_url, "--to", source_url)
    assert same.returncode == 2 and "same store" in same.stderr
    app.extensions["store"].close()
def test_demo_city_writes_a_generated_city_once_and_the_server_serves_it(tmp_path, on_test_store):
    data = str(tmp_path / "data")
    done = subprocess.run([sys.executable, "server.py", "demo-city", "--data", data, "--scale", "0.0005"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "蓉城市" in done.stdout and "python server.py --data" in done.stdout
    again = run("demo-city", "--data", data, "--scale", "0.0005")
    assert again.returncode == 2 and "empty store" in again.stderr and "Traceback" not in again.stderr
    wrong = run("demo-city", "--data", str(tmp_path / "other"), "--scale", "3")
    assert wrong.returncode == 2 and "scale" in wrong.stderr and "Traceback" not in wrong.stderr
    app = create_app({"DATA_DIR": data})
    try:
        store = app.extensions["store"]
        assert store.get_meta("demo")["kind"] == "city" and store.query("blackspots", limit=1).total > 100
        with app.test_request_context():
            assert city()["name"] == "蓉城市（虚构示例）"
    finally:
        app.extensions["store"].close()


def test_restore_refuses_while_a_server_elsewhere_serves_the_store(tmp_path, on_test_store):
    """A server with another data directory (another app process, perhaps another machine) on the same store:
    the restore's own directory lock is free, and the store's serving lock refuses it."""
    from tests.durability._support import ServerProcess

    data, other = tmp_path / "data", tmp_path / "other"
    assert run("create-user", "ops", "--role", "admin", "--data", str(data)).returncode == 0
    assert run("backup", str(tmp_path / "b.bak"), "--data", str(data)).returncode == 0
    config = data / "config.json"
    url = json.loads(config.read_text())["STORE_URL"] if config.is_file() else default_store_url(data)
    with ServerProcess.start(data, tmp_path / "server.log"):
        refused = run("restore", str(tmp_path / "b.bak"), "--data", str(other), "--store", url)
        assert refused.returncode == 1 and "stop every app process" in refused.stderr, refused.stderr
    assert run("restore", str(tmp_path / "b.bak"), "--data", str(other), "--store", url).returncode == 0
