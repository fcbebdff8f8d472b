"""The maintenance port's contract, on any backend that has one: integrity check, a backup round trip
into a new store, and backups that are refused."""

from __future__ import annotations

import json

import pytest
from store_support import point

from layers.catalogue import load_catalogue
from layers.store import Maintenance, StoreInUse, check_backup, open_store


@pytest.fixture
def maintained(store):
    if not isinstance(store, Maintenance):
        pytest.fail(f"{type(store).__name__} has no maintenance port: backups are part of every backend so far")
    return store


def test_the_integrity_check_passes_on_a_sound_store(maintained):
    maintained.create("bins", [point(113.3, 23.1)], "t")
    assert maintained.integrity_check() == "ok"


def test_a_backup_restores_into_a_new_store_with_everything(maintained, backend, second_backend, tmp_path):
    [f] = maintained.create("bins", [point(113.3, 23.1, name="一号")], "t")
    maintained.update("bins", f.fid, point(113.3, 23.1, name="一号改"), 1, "t")
    maintained.create_user("wang", "planner", "hash")
    maintained.put_category({"code": "0101", "name": {"zh-CN": "垃圾", "en": "Litter"}}, "t")
    target = tmp_path / "backup-1"
    summary = maintained.backup(target)
    assert summary["file"] == str(target) and summary["bytes"] > 0 and summary["versions"] == 2
    assert summary["features"]["bins"] == 1
    with pytest.raises(FileExistsError):
        maintained.backup(target)
    checked = check_backup(backend, target)  # on the class: no store opened
    assert checked["versions"] == 2 and checked["features"] == summary["features"]

    fresh = open_store(second_backend)
    fresh.sync_builtin_layers(load_catalogue())
    assert fresh.restore(target)["versions"] == 2
    assert [v.version for v in fresh.history("bins", f.fid)] == [1, 2]
    assert json.loads(fresh.get("bins", f.fid).properties) == {"name": "一号改"}
    assert fresh.user("wang")["password_hash"] == "hash" and fresh.categories()[0]["code"] == "0101"
    assert fresh.points("bins").fids.tolist() == [f.fid] and fresh.integrity_check() == "ok"
    fresh.close()


def test_bad_backups_are_refused_and_the_store_is_left_alone(maintained, backend, tmp_path):
    maintained.create("bins", [point(113.3, 23.1)], "t")
    with pytest.raises(FileNotFoundError):
        maintained.check_backup(tmp_path / "missing")
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(ValueError):
        check_backup(backend, junk)
    with pytest.raises(ValueError):
        maintained.restore(junk)
    assert maintained.query("bins").total == 1


def test_restore_refuses_while_a_server_serves_the_store(maintained, backend, tmp_path):
    """A server in another process (or on another machine, or with another data directory) holds ``serving``
    while it serves: a restore is refused and changes nothing; once it stops, the restore goes ahead."""
    [f] = maintained.create("bins", [point(113.3, 23.1, name="一号")], "t")
    maintained.backup(tmp_path / "backup")
    maintained.update("bins", f.fid, point(113.3, 23.1, name="改"), 1, "t")
    servers = [open_store(backend), open_store(backend)]  # two app processes
    with servers[0].serving(), servers[1].serving():
        with pytest.raises(StoreInUse):
            maintained.restore(tmp_path / "backup")
        assert json.loads(maintained.get("bins", f.fid).properties) == {"name": "改"}
    for server in servers:
        server.close()
    maintained.restore(tmp_path / "backup")
    assert json.loads(maintained.get("bins", f.fid).properties) == {"name": "一号"}
