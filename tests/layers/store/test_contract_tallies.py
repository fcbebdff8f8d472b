"""The tally port's contract, on any backend: the versions valid at instants and their counts equal a
brute-force reading of every version (``version_rows``) on random histories, within filters and an area
prefix, with deletions, versions valid at several instants, and non-string values."""

from __future__ import annotations

import random

import pytest
from store_support import point

STATES = ("reported", "filed", "dispatched", "fixed", "closed")
GRIDS = ("440106003012001", "440106003012002", "440106003013001", "440106004001001", "440107001001001")
PROPS = ("status", "grid_code", "category")


def _random_history(store, seed: int, n: int = 40) -> list[int]:
    """``n`` cases created, updated and some deleted at random instants (1 µs apart at the closest); some
    with a grid code that is a number or missing. Returns instants worth asking about."""
    rng = random.Random(seed)
    t0 = 1_700_000_000_000_000
    fids, instants = [], [t0 - 1]
    for k in range(n):
        at = t0 + k * 1000 + rng.randrange(1000)
        grid = rng.choice([*GRIDS, *GRIDS, 440106, None])
        props = {"status": "reported", "category": rng.choice(["0102", "0201"])} | ({} if grid is None else
                                                                                  {"grid_code": grid})  # fmt: skip
        [v] = store.create("blackspots", [point(113.3 + k / 1e4, 23.1, **props)], "t", at=at)
        fids.append((v.fid, at, props))
        instants.append(at)
    end = t0 + n * 1000
    for fid, at, props in fids:
        for state in rng.sample(STATES[1:], rng.randrange(4)):
            at += rng.randrange(1, 3000)
            props = props | {"status": state}
            store.update("blackspots", fid, point(113.3, 23.1, **props), None, "t", at=at)
            instants.append(at)
        if rng.random() < 0.15:
            at += rng.randrange(1, 3000)
            store.delete("blackspots", fid, None, "t", at=at)
            instants += [at - 1, at]
        end = max(end, at)
    instants += [end, end + 1] + [rng.randrange(t0, end) for _ in range(10)]
    return instants


def _brute(store, instants, filters=None, prefix=None) -> list[tuple]:
    _, every = store.version_rows("blackspots", PROPS)
    out = []
    for row in every:
        _, _, op, start, end, _, _, status, grid, category = row
        if op == "delete" or not any(start <= t and (end is None or t < end) for t in instants):
            continue
        values = {"status": status, "grid_code": grid, "category": category}
        if filters and any(values[k] not in v for k, v in filters.items()):
            continue
        if prefix and not (isinstance(values[prefix[0]], str) and values[prefix[0]].startswith(prefix[1])):
            continue
        out.append(row)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rows_at_instants_equal_a_brute_force_reading(store, seed):
    instants = _random_history(store, seed)
    rng = random.Random(seed)
    revision = store.layer("blackspots")["revision"]
    for _ in range(6):
        chosen = rng.sample(instants, rng.randrange(1, 4))
        assert store.rows_at("blackspots", chosen, PROPS) == (revision, _brute(store, chosen))
    some = rng.sample(instants, 2)
    scopes = [({"category": ["0102"]}, None), (None, ("grid_code", "440106003")), (None, ("grid_code", "4401")),
              ({"status": ["fixed", "closed"]}, ("grid_code", "440106003012001"))]  # fmt: skip
    for filters, prefix in scopes:
        got = store.rows_at("blackspots", some, PROPS, filters=filters, prefix=prefix)[1]
        assert got == _brute(store, some, filters, prefix)


@pytest.mark.parametrize("seed", [4, 5])
def test_counts_at_instants_equal_counting_the_rows(store, seed):
    instants = _random_history(store, seed)
    chosen = sorted(random.Random(seed).sample(instants, 8))
    for prefix in (None, ("grid_code", "440106")):
        counts = store.counts_at("blackspots", chosen, "grid_code", prefix=prefix)
        assert len(counts) == len(chosen)
        for at, got in zip(chosen, counts):
            expected: dict = {}
            for row in _brute(store, [at], None, prefix):
                key = row[8] if isinstance(row[8], str) else None
                expected[key] = expected.get(key, 0) + 1
            assert got == expected
    by_status = store.counts_at("blackspots", chosen, "status", filters={"category": "0201"})
    assert [sum(c.values()) for c in by_status] == [len(_brute(store, [t], {"category": ["0201"]})) for t in chosen]


def test_no_instants_and_unknown_layers(store):
    assert store.rows_at("blackspots", [], PROPS) == (0, [])
    assert store.counts_at("blackspots", [], "status") == []
    assert store.counts_at("blackspots", [5], "status") == [{}]
    with pytest.raises(KeyError):
        store.rows_at("nope", [1], PROPS)
    with pytest.raises(KeyError):
        store.counts_at("nope", [1], "status")
