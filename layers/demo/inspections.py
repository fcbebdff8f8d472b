"""Two past monthly street-cleaning rounds of the demo community, drawn as the product draws them and answered
by simulated inspectors from the hidden true cleanliness (``layers/demo/cleanliness.py``), the later one after
a clean-up that lifted every place by a few points: so a leader opening the score page sees scores with their
intervals, a trend and a change larger than the noise. Like everything in the demo, fictional."""

from __future__ import annotations

import numpy as np
from shapely.geometry import shape

from layers.cases.places import Places
from layers.demo.cleanliness import simulate_values, true_cleanliness
from layers.demo.frame import COMMUNITY, DAY_US, DIVISION, STREET
from layers.inspections.rounds import create_round
from layers.inspections.units import anchor
from layers.store import Store

AREA = f"{DIVISION}{STREET}{COMMUNITY}"
ROUNDS = ((62, 101, 0.0), (31, 102, 10.0))  # days ago, seed, clean-up lift in points
INSPECTORS = ("wangge1", "wangge2")


def seed_demo_inspections(store: Store, now_us: int | None = None) -> list[int]:
    """Draw, answer and close the demo's past rounds (the demo users must exist); return their ids."""
    now_us = store.now() if now_us is None else now_us
    checklist = store.checklist("street_cleaning")
    made = []
    for days_ago, seed, lift in ROUNDS:
        at = now_us - days_ago * DAY_US
        body = {"area": AREA, "checklist": "street_cleaning", "sample": {"count": 60}, "seed": seed,
                "inspectors": list(INSPECTORS)}  # fmt: skip
        round_ = create_round(store, Places(), {"name": "planner"}, body, at=at)
        rng = np.random.default_rng(seed)
        with store.atomic():
            for k, item in enumerate(round_["items"]):
                point = anchor(shape(item["geometry"]))
                ref = item["ref"]
                key = f"{ref['layer']}/{ref['fid']}/{ref['part']}"
                truth = min(100.0, true_cleanliness(point.x, point.y, key) + lift)
                store.add_answer(round_["id"], {
                    "item": item["item"], "values": simulate_values(checklist, ref["layer"], truth, rng),
                    "lon": round(point.x, 7), "lat": round(point.y, 7), "distance_m": 0.0, "flags": [],
                    "author": item["inspector"] or INSPECTORS[0],
                    "received_at": at + (k + 1) * 600_000_000})  # fmt: skip
            store.close_round(round_["id"], at + 2 * DAY_US)
        made.append(round_["id"])
    return made
