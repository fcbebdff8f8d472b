"""The demo's hidden truth for inspections: how clean each place of the fictional community really is (a
deterministic field: the 城中村 in the north-west dirtier, a smooth wave across the rest, and each place's own
deviation), and simulated inspectors who answer a checklist from it with noise whose mean is the truth.
Nothing here is shown to users: tests check the scores' intervals against it."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from layers.demo.frame import CENTRE_LONLAT
from layers.inspections.checklists import applicable

M_PER_DEG_LAT = 110_700.0
LOWEST = 20.0  # the truth stays above every count item's deduction, so no answer is cut at zero


def true_cleanliness(lon: float, lat: float, key: str) -> float:
    """The true score, 0–100, of the place ``key`` (e.g. ``roads/9/3``) whose anchor is at ``lon``, ``lat``."""
    x = (lon - CENTRE_LONLAT[0]) * M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LONLAT[1]))
    y = (lat - CENTRE_LONLAT[1]) * M_PER_DEG_LAT
    village = 24.0 * math.exp(-((x + 450.0) ** 2 + (y - 250.0) ** 2) / (2 * 300.0**2))
    base = 80.0 + 10.0 * math.sin(x / 230.0) * math.cos(y / 190.0) - village
    own = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32  # 0..1, fixed per place
    return float(min(100.0, max(LOWEST, base + 16.0 * (own - 0.5))))


def _between(levels: list[tuple[float, object]], truth: float, rng: np.random.Generator):
    """One of the two answers whose points bracket ``truth``, the nearer more often: the expected points are
    the truth."""
    levels = sorted(levels, key=lambda lv: lv[0])
    if truth <= levels[0][0]:
        return levels[0][1]
    if truth >= levels[-1][0]:
        return levels[-1][1]
    for (low, a), (high, b) in zip(levels, levels[1:]):
        if low <= truth <= high:
            return b if rng.random() < (truth - low) / (high - low) else a
    raise AssertionError("levels bracket every truth")


def simulate_values(checklist: dict, layer: str, truth: float, rng: np.random.Generator) -> dict:
    """A simulated inspector's answers to a place of ``layer`` whose true score is ``truth``."""
    values = {}
    for item in applicable(checklist, layer):
        answer = item["answer"]
        kind = answer["type"]
        if kind == "grade":
            values[item["code"]] = _between([(p, g) for g, p in answer["points"].items()], truth, rng)
        elif kind == "yes_no":
            values[item["code"]] = answer["good"] if rng.random() < truth / 100 else not answer["good"]
        elif kind == "count":
            k = (100.0 - truth) / answer["deduct_each"]
            values[item["code"]] = int(math.floor(k) + (rng.random() < k - math.floor(k)))
        else:
            share = truth / 100
            values[item["code"]] = answer["zero_at"] + share * (answer["full_at"] - answer["zero_at"])
    return values
