"""Opening a store from ``STORE_URL``: SQLite URLs of a directory or a file, the default, options routed to
their backend, and every malformed or unavailable URL refused with a message naming the setting."""

from __future__ import annotations

import pytest

from layers.store import StoreUrlError, default_store_url, open_store, parse_store_url, store_url


def test_store_urls(tmp_path):
    assert parse_store_url("sqlite:///data/x.sqlite3").path == "data/x.sqlite3"
    assert parse_store_url("sqlite:////srv/map").path == "/srv/map"
    assert store_url({"DATA_DIR": "d", "STORE_URL": None}) == "sqlite:///d/chuangwei.sqlite3"
    assert store_url({"DATA_DIR": "d", "STORE_URL": "sqlite:///e"}) == "sqlite:///e"
    for url, reason in [
        ("", "give a store URL"),
        ("data/chuangwei.sqlite3", "not a URL"),
        ("mysql://host/db", "unknown scheme 'mysql'"),
        ("postgis://user@host/db", "start with postgresql://"),
        ("sqlite://host/data", "names no host"),
        ("sqlite:///", "no path"),
        ("sqlite:///data?mode=ro", "takes no"),
    ]:
        with pytest.raises(StoreUrlError, match=reason) as info:
            open_store(url)
        assert str(info.value).startswith("STORE_URL=")


def test_a_sqlite_url_names_a_data_directory_or_a_file(tmp_path):
    in_dir = open_store(f"sqlite:///{(tmp_path / 'data').as_posix()}")
    as_file = open_store(f"sqlite:///{(tmp_path / 'data' / 'chuangwei.sqlite3').as_posix()}")
    assert in_dir.key == as_file.key
    other = open_store(f"sqlite:///{(tmp_path / 'other.db').as_posix()}")
    assert other.key != in_dir.key and (tmp_path / "other.db").is_file()
    for store in (in_dir, as_file, other):
        store.close()


def test_options_go_to_their_backend(tmp_path):
    url = default_store_url(tmp_path)
    store = open_store(url, sqlite_synchronous="NORMAL", postgresql_pool_size=4, clock=lambda: 5)
    assert store.now() == 5
    store.close()
    with pytest.raises(TypeError):
        open_store(url, sqlite_no_such_option=1)
