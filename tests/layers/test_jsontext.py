"""Column-wise JSON text for bulk writes is the same text ``dumps`` writes for each row's object."""

from __future__ import annotations

import gc
import json
import random
import threading

import pytest

from layers.store import gcpause, jsontext


def _random_value(rnd: random.Random):
    kind = rnd.randrange(8)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice(["甲", "垃圾箱 3 号", 'quote " and \\ backslash', "tab\tnew\nline", "\u0001", "é", ""])
    if kind == 2:
        return rnd.randint(-(10**12), 10**12)
    if kind == 3:
        return rnd.choice([0.1, -2.5, 1e-7, 1e22, 113.123456789, 0.0, -0.0])
    if kind == 4:
        return rnd.choice([True, False])
    if kind == 5:
        return rnd.choice(["ok", "damaged"])  # few distinct values
    if kind == 6:
        return [1, "二", None]
    return {"nested": "值"}


def test_objects_write_what_dumps_writes_for_each_row():
    rnd = random.Random(11)
    names = ["name", "容量", 'we"ird', "n"]
    columns = [[_random_value(rnd) for _ in range(3000)] for _ in names]
    rows = sorted(rnd.sample(range(3000), 2000))
    texts = jsontext.objects(names, columns, rows)
    for i, text in zip(rows, texts):
        expected = {k: c[i] for k, c in zip(names, columns) if c[i] is not None}
        assert text == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
        assert json.loads(text) == expected
    assert jsontext.objects([], [], [0, 1]) == ["{}", "{}"]
    assert jsontext.objects(["a"], [["x", "y"]], [1]) == ['{"a":"y"}']


def test_objects_and_points_refuse_what_json_cannot_hold():
    with pytest.raises(ValueError):
        jsontext.objects(["h"], [[float("nan")]], [0])
    with pytest.raises(ValueError):
        jsontext.points([(float("inf"), 1.0)])
    assert jsontext.points([(113.3, -0.0)]) == [jsontext.dumps({"type": "Point", "coordinates": [113.3, -0.0]})]


def test_the_garbage_collector_pause_is_shared_by_threads():
    assert gc.isenabled()
    first_in, second_done, release = threading.Event(), threading.Event(), threading.Event()

    def long_job():
        with gcpause.paused():
            first_in.set()
            release.wait(5)

    def short_job():
        first_in.wait(5)
        with gcpause.paused():
            assert not gc.isenabled()
        second_done.set()

    threads = [threading.Thread(target=long_job), threading.Thread(target=short_job)]
    for t in threads:
        t.start()
    assert second_done.wait(5)
    assert not gc.isenabled()  # the short job ended, the long one still runs
    release.set()
    for t in threads:
        t.join(5)
    assert gc.isenabled()
    with gcpause.paused(enabled=False):
        assert gc.isenabled()
    with pytest.raises(RuntimeError), gcpause.paused():
        raise RuntimeError("a failed bulk job")
    assert gc.isenabled()
