"""Generating the city: plan, places and cases drawn from one seeded random stream, then written with
their area names into an empty store in one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from layers.areas import bump_revision, level_of, parent_of
from layers.cases.categories import BUILTIN as BUILTIN_CATEGORIES
from layers.demo.city.cases import DAY_US, CityCase, plan_cases
from layers.demo.city.places import Projection, buildings, facilities, grid_cells, roads
from layers.demo.city.plan import CITY_NAME, CityPlan, plan_city
from layers.demo.city.write import bulk_create, check_disk, check_empty, run_in_order, validate
from layers.store import NewFeature, Store

AUTHOR = "demo-city"
CST = timezone(timedelta(hours=8))
BASE_LAYERS = ("grid", "roads", "buildings", "bins", "streetlights", "collection_points", "toilets")


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us // 1_000_000, CST).isoformat(timespec="seconds")


def _deadlines() -> dict[str, float]:
    return {c["code"]: float(c["deadline_hours"]) for c in BUILTIN_CATEGORIES}


def _names() -> dict[str, str]:
    return {c["code"]: c["name"]["zh-CN"] for c in BUILTIN_CATEGORIES}


def estimate(scale: float, seed: int = 2026, now_us: int | None = None) -> dict:
    """What a city of ``scale`` holds, without writing: counts per layer and versions in all."""
    plan = plan_city(scale, seed)
    cells = len(plan.cells)
    cases = round(cells * 41.0)
    counts = {"grid": cells, "buildings": round(cells * 42 * 0.94), "bins": cells * 4, "streetlights": cells * 6,
              "collection_points": cells // 2, "toilets": cells // 3, "blackspots": cases}  # fmt: skip
    return {"cells": cells, "features": counts, "versions": sum(counts.values()) + 3 * cases}


def _case_versions(case: CityCase, plan: CityPlan, proj: Projection, names: dict, deadlines: dict) -> list[tuple]:
    code = plan.cells[case.cell]
    [xy] = proj.lonlat([case.x], [case.y]).tolist()
    unit = f"{plan.names[code[:9]]}城管中队"
    props = {"category": case.category, "status": "reported", "description": names[case.category],
             "reported_at": _iso(case.reported_us), "grid_code": code, "reporter": f"巡查员{case.cell % 97 + 1:02d}",
             "responsible_unit": unit}  # fmt: skip
    if case.recurrence:
        props["recurrence"] = case.recurrence
    geometry = {"type": "Point", "coordinates": xy}
    versions = [(case.reported_us, geometry, props)]
    for at, status in case.steps:
        props = dict(props, status=status)
        if status == "dispatched":
            props |= {"dispatched_at": _iso(at), "deadline": _iso(at + int(deadlines[case.category] * 3_600_000_000))}
        elif status == "fixed":
            props |= {"fixed_by": unit, "fixed_at": _iso(at)}
        elif status == "closed":
            props["closed_at"] = _iso(at)
        versions.append((at, geometry, props))
    return versions


def _areas(plan: CityPlan) -> list[dict]:
    return [{"code": code, "level": level_of(code), "parent": parent_of(code), "name": name, "geometry": None,
             "bbox": None} for code, name in sorted(plan.names.items())]  # fmt: skip


def generate_city(store: Store, *, scale: float, data_dir: str | Path, seed: int = 2026,
                  now_us: int | None = None, progress=print) -> dict:  # fmt: skip
    """Write a generated city into ``store`` (which must hold no features and no areas) and return counts.

    Raise NotEmpty for a store holding data, DiskTooSmall when the estimate exceeds the free space of
    ``data_dir``'s disk (both before anything is written), ValueError for a scale outside (0, 1]. The places
    and areas are written in one transaction, the cases in one per day of their history, and the ``demo``
    mark last: an interrupted run leaves a store without it, which a rerun refuses as not empty."""
    now_us = store.now() if now_us is None else int(now_us)
    check_empty(store)
    needed = check_disk(estimate(scale, seed)["versions"], data_dir)
    rng = np.random.default_rng(seed)
    plan, proj = plan_city(scale, seed), Projection()
    places = {"grid": grid_cells(plan, proj), "roads": roads(plan, proj), "buildings": buildings(plan, proj, rng)}
    places |= facilities(plan, proj, rng)
    cases = plan_cases(plan, rng, now_us, _deadlines())
    progress(f"planned: {len(plan.cells)} cells, {len(cases)} cases")
    checked = {layer: validate(store, layer, places[layer]) for layer in BASE_LAYERS}
    names, deadlines = _names(), _deadlines()
    case_versions = [_case_versions(c, plan, proj, names, deadlines) for c in cases]
    flat = [(g, p) for versions in case_versions for _, g, p in versions]
    parsed = iter(validate(store, "blackspots", flat))
    case_features = [[(at, next(parsed)) for at, _, _ in versions] for versions in case_versions]
    progress("checked every feature")
    base_us = (now_us // DAY_US - 400) * DAY_US
    with store.atomic():
        for k, layer in enumerate(BASE_LAYERS):
            bulk_create(store, layer, checked[layer], AUTHOR, base_us + k * 1_000_000)
        store.put_areas(_areas(plan), AUTHOR)
        bump_revision(store)
    progress("wrote the areas and places")
    _write_cases(store, case_features, cases)
    with store.atomic():  # the mark of a finished city comes last
        store.set_meta("demo", {"name": CITY_NAME, "seed": seed, "scale": scale, "fictional": True, "kind": "city"})
        store.set_meta("city_name", CITY_NAME)
    counts = {layer: len(checked[layer]) for layer in BASE_LAYERS} | {"blackspots": len(cases)}
    return {"name": CITY_NAME, "scale": scale, "seed": seed, "now": _iso(now_us), "cells": len(plan.cells),
            "areas": len(plan.names), "layers": counts, "versions": sum(counts.values()) - len(cases) + len(flat),
            "estimated_bytes": needed}  # fmt: skip


def _write_cases(store: Store, case_features: list[list[tuple[int, NewFeature]]], cases: list[CityCase]) -> None:
    """Cases reported in the same 10-minute batch are created together; every later step is an update at
    its own instant, all in time order."""
    fids: list[int] = [0] * len(cases)
    versions: list[int] = [1] * len(cases)
    batches: dict[int, list[int]] = {}
    for i, case in enumerate(cases):
        batches.setdefault(case.reported_us, []).append(i)
    events = []
    for at, members in batches.items():
        def create(at=at, members=members):
            made = store.create("blackspots", [case_features[i][0][1] for i in members], AUTHOR, at=at)
            for i, version in zip(members, made):
                fids[i] = version.fid
        events.append((at, 0, create))
    for i, steps in enumerate(case_features):
        for at, feature in steps[1:]:
            def step(i=i, at=at, feature=feature):
                store.update("blackspots", fids[i], feature, versions[i], AUTHOR, at=at)
                versions[i] += 1
            events.append((at, 1 + i, step))
    run_in_order(store, events, DAY_US)
