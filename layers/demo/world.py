"""Assemble the whole fictional community in local metres, from one seed, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.demo.buildings import build_buildings
from layers.demo.cases import Case, CasePlanner
from layers.demo.facilities import (
    build_bins,
    build_collection_points,
    build_new_bins,
    build_streetlights,
    build_toilets,
    reserved_points,
)
from layers.demo.frame import DAY_US, HOUR_US
from layers.demo.grid import Cell, build_grid
from layers.demo.roads import Addresser, Road, build_roads


def cst_clock(us: int, hour: float) -> int:
    """The instant at ``hour`` o'clock China time on the day of ``us``."""
    midnight = (us + 8 * HOUR_US) // DAY_US * DAY_US - 8 * HOUR_US
    return midnight + int(hour * HOUR_US)


@dataclass
class World:
    roads: list[Road]
    cells: list[Cell]
    buildings: list
    bins: list
    new_bins: list
    streetlights: list
    repaired_lamps: list[int]  # indexes into streetlights
    collection_points: list
    toilets: list
    cases: list[Case]
    static_us: int  # when the base layers were surveyed into the system, ~13 months ago
    new_bins_us: int
    repairs_us: list[int]


def build_world(seed: int, now_us: int) -> World:
    # One generator per part, so changing how one layer is drawn leaves the others as they were.
    rng = {part: np.random.default_rng([seed, k]) for k, part in enumerate(
        ("roads", "buildings", "bins", "lamps", "cases", "repairs"))}
    roads = build_roads(rng["roads"])
    addresser = Addresser(roads)
    cells = build_grid()
    buildings = build_buildings(rng["buildings"], roads, addresser, reserved_points())
    streetlights, repairable = build_streetlights(rng["lamps"], roads, addresser)
    repaired = sorted(rng["repairs"].choice(repairable, size=min(2, len(repairable)), replace=False).tolist())
    new_bins_us = cst_clock(now_us - 90 * DAY_US, 10)
    market = next(g for g, p in buildings if p.get("use") == "market")
    planner = CasePlanner(rng["cases"], roads, addresser, cells, market, now_us, new_bins_us)
    return World(
        roads=roads, cells=cells, buildings=buildings,
        bins=build_bins(rng["bins"], roads, addresser), new_bins=build_new_bins(rng["bins"], roads, addresser),
        streetlights=streetlights, repaired_lamps=repaired,
        collection_points=build_collection_points(), toilets=build_toilets(), cases=planner.plan(),
        static_us=cst_clock(now_us - 395 * DAY_US, 9), new_bins_us=new_bins_us,
        repairs_us=[cst_clock(now_us - 60 * DAY_US, 15), cst_clock(now_us - 50 * DAY_US, 15)],
    )
