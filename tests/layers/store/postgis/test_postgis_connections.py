"""The PostGIS store under connection loss and concurrency: a lost connection is a 503 in the one error shape
and nothing half-written; writers in several threads (or processes) are serialised as ``atomic()`` promises;
If-Match races have exactly one winner."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest

from layers.catalogue import load_catalogue
from layers.store import NewFeature, StaleVersion
from layers.store.postgis import PostGISStore, StoreUnavailable
from server import create_app
from tests.postgis_support import TEST_STORE_URL, Relay, fresh_postgis_url, is_postgis, with_netloc, with_query

pytestmark = pytest.mark.skipif(not is_postgis(), reason="PostGIS tests run when TEST_STORE_URL is postgresql://…")


def point(lon: float, lat: float, **props) -> NewFeature:
    return NewFeature({"type": "Point", "coordinates": [lon, lat]}, props, (lon, lat, lon, lat))


@pytest.fixture
def pg_url(tmp_path):
    with fresh_postgis_url(tmp_path, TEST_STORE_URL) as url:
        yield url


@pytest.fixture
def relay():
    target = urlsplit(TEST_STORE_URL)
    relay = Relay(target.hostname or "127.0.0.1", target.port or 5432)
    yield relay
    relay.close()


def test_a_connection_lost_inside_a_transaction_leaves_nothing_written(pg_url, relay):
    PostGISStore(pg_url).close()  # migrated directly, then used only through the relay
    store = PostGISStore(with_query(with_netloc(pg_url, "127.0.0.1", relay.port), pool_timeout="1"))
    store.sync_builtin_layers(load_catalogue())
    try:
        with pytest.raises(StoreUnavailable) as exc:
            with store.atomic():
                store.create("bins", [point(113.3, 23.1)], "a")
                relay.cut()
                store.create("bins", [point(113.4, 23.1)], "a")
        assert exc.value.status == 503
        with pytest.raises(StoreUnavailable):
            store.layer("bins")  # no connection to be had while the server is unreachable
        relay.resume()
        assert _recovered(lambda: store.layer("bins"))["feature_count"] == 0 and store.query("bins").total == 0
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_a_lost_database_answers_503_in_the_one_error_shape_then_recovers(tmp_path, pg_url, relay, clock):
    url = with_query(with_netloc(pg_url, "127.0.0.1", relay.port), pool_timeout="1")
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "STORE_URL": url, "CLOCK": clock, "TESTING": True,
                      "READ_REQUIRES_LOGIN": False})  # fmt: skip
    try:
        client = app.test_client()
        assert client.get("/api/layers/bins/features").status_code == 200
        relay.cut()
        response = client.get("/api/layers/bins/features")
        assert response.status_code == 503 and response.mimetype == "application/json"
        error = response.get_json()["error"]
        assert error["status"] == 503 and error["code"] == "store_unavailable"
        assert error["message"] and error["message_zh"] and error["details"] == []
        relay.resume()
        assert _recovered(lambda: _ok(client.get("/api/layers/bins/features"))).status_code == 200
    finally:
        app.extensions["store"].close()


def _ok(response):
    if response.status_code == 503:
        raise StoreUnavailable()
    return response


def _recovered(attempt, tries: int = 60):
    """``attempt()`` once the pool has reconnected: it retries with backoff, so the first calls after an
    outage may still be refused (503) for a few seconds; each try waits at most the pool timeout."""
    for left in range(tries - 1, -1, -1):
        try:
            return attempt()
        except StoreUnavailable:
            if not left:
                raise


def test_if_match_races_between_two_stores_have_one_winner(pg_url):
    """Two stores on one database stand for two app processes: of writers that all based their update on
    version 1, exactly one succeeds and the others see StaleVersion naming the winner's version."""
    stores = [PostGISStore(pg_url) for _ in range(2)]
    stores[0].sync_builtin_layers(load_catalogue())
    fid = stores[0].create("bins", [point(113.3, 23.1)], "a")[0].fid
    outcomes: list = []
    start = threading.Barrier(8)

    def attempt(i: int) -> None:
        start.wait()
        try:
            outcomes.append(stores[i % 2].update("bins", fid, point(113.3, 23.1, n=i), 1, f"w{i}").version)
        except StaleVersion as exc:
            outcomes.append(("stale", exc.current.version))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes.count(2) == 1 and sorted(map(str, outcomes)).count("('stale', 2)") == 7
        assert [v.version for v in stores[1].history("bins", fid)] == [1, 2]
    finally:
        for store in stores:
            store.close()


def test_atomic_blocks_of_two_stores_never_interleave(pg_url):
    """Read-then-write inside ``atomic()`` (what idempotency keys rely on) loses no update even when the
    blocks run in two stores at once: each sees every write committed before it began."""
    stores = [PostGISStore(pg_url) for _ in range(2)]
    stores[0].set_meta("counter", 0)

    def bump(store: PostGISStore) -> None:
        for _ in range(25):
            with store.atomic():
                store.set_meta("counter", store.get_meta("counter") + 1)

    threads = [threading.Thread(target=bump, args=(stores[i % 2],)) for i in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert stores[1].get_meta("counter") == 100
    finally:
        for store in stores:
            store.close()


def test_instants_round_trip_to_the_microsecond(pg_url):
    store = PostGISStore(pg_url)
    store.sync_builtin_layers(load_catalogue())
    try:
        odd = 1_767_225_600_123_457  # not a multiple of any coarser unit
        created = store.create("bins", [point(113.3, 23.1)], "a", at=odd)[0]
        assert store.get("bins", created.fid).valid_from == odd
        assert store.get("bins", created.fid, at=odd).valid_from == odd
        with pytest.raises(KeyError):
            store.get("bins", created.fid, at=odd - 1)
        updated = store.update("bins", created.fid, point(113.31, 23.1), 1, "a", at=odd + 1)
        assert [v.valid_to for v in store.history("bins", created.fid)] == [odd + 1, None]
        assert store.query("bins", at=odd).features[0].version == 1 and updated.valid_from == odd + 1
    finally:
        store.close()
