"""Assessment rounds: choose an area and a checklist, draw a stratified random sample of its places
(reproducible from the stored seed), share it among the inspectors and plan each one's walk along the roads."""

from __future__ import annotations

import math
import secrets
from collections import Counter

import geopandas as gpd
from shapely.geometry import mapping

from geo.routing import plan_round
from geo.sampling import allocate, draw_stratified, size_for_precision
from layers.accounts import permissions_of
from layers.cases.places import ROADS, Places
from layers.errors import Detail, NotFound, ValidationFailed
from layers.inspections.units import anchor, area_units, check_area
from layers.store import Store

MODES = ("monthly", "quarterly", "spot_check")
FIELDS = {"area", "checklist", "sample", "seed", "mode", "inspectors"}
MAX_SAMPLE = 2000
MAX_INSPECTORS = 50
MAX_SEED = 2**31 - 1
PRECISION_RANGE = (0.5, 50.0)  # half-width of the 95 % interval, in score points


def _refused(details: list[Detail]) -> ValidationFailed:
    return ValidationFailed(key="errors.inspection.refused", details=details)


def _sample(value) -> dict:
    ok = isinstance(value, dict) and len(value) == 1
    if ok and "count" in value:
        n = value["count"]
        if not isinstance(n, bool) and isinstance(n, int) and 1 <= n <= MAX_SAMPLE:
            return {"count": n}
    if ok and "precision" in value:
        p = value["precision"]
        if not isinstance(p, bool) and isinstance(p, (int, float)) and math.isfinite(p):
            if PRECISION_RANGE[0] <= p <= PRECISION_RANGE[1]:
                return {"precision": float(p)}
    low, high = PRECISION_RANGE
    reason = f'{{"count": 1–{MAX_SAMPLE}}} or {{"precision": {low}–{high}}} (points either side of the score)'
    raise _refused([Detail("sample", "invalid_value", reason)])


def _inspectors(store: Store, value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_INSPECTORS or len(set(map(str, value))) != len(value):
        raise _refused([Detail("inspectors", "invalid_value", f"a list of at most {MAX_INSPECTORS} user names")])
    for k, name in enumerate(value):
        user = store.user(name) if isinstance(name, str) else None
        if user is None or "cases.work" not in permissions_of(user["role"]):
            raise _refused([Detail(f"inspectors[{k}]", "invalid_value", "a user who may work on site")])
    return list(value)


def _checked(store: Store, body) -> dict:
    if not isinstance(body, dict):
        raise _refused([Detail("", "wrong_type", "send a JSON object")])
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise _refused([Detail(k, "unknown_field", "not a field of a round") for k in unknown])
    area = check_area(body.get("area"))
    code = body.get("checklist")
    checklist = store.checklist(code) if isinstance(code, str) else None
    if checklist is None:
        raise _refused([Detail("checklist", "not_found", "the code of a stored checklist")])
    seed = body.get("seed", secrets.randbelow(MAX_SEED))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise _refused([Detail("seed", "invalid_value", f"a whole number from 0 to {MAX_SEED}")])
    mode = body.get("mode", "monthly")
    if mode not in MODES:
        raise _refused([Detail("mode", "invalid_value", f"one of {', '.join(MODES)}")])
    return {"area": area, "checklist": checklist, "seed": seed, "mode": mode, "sample": _sample(body.get("sample")),
            "inspectors": _inspectors(store, body.get("inspectors"))}  # fmt: skip


def _walks(store: Store, places: Places, chosen: gpd.GeoDataFrame, inspectors: list[str]) -> tuple[list, list, dict]:
    """Each drawn place's inspector and its place in that inspector's walk: the sample, sorted by cell, is cut
    into equal runs (neighbouring cells stay together), and each run is ordered into a short walk."""
    order = sorted(range(len(chosen)), key=lambda i: (chosen["cell"].iloc[i], i))
    who: list[str | None] = [None] * len(chosen)
    runs = max(1, len(inspectors))
    for rank, i in enumerate(order):
        who[i] = inspectors[rank * runs // len(order)] if inspectors else None
    roads = places.frame(store, ROADS) if store.layer(ROADS) else None
    seq, walks = [0] * len(chosen), {}
    for name in dict.fromkeys(who):
        members = [i for i in range(len(chosen)) if who[i] == name]
        points = [anchor(g) for g in chosen.geometry.iloc[members]]
        stops = gpd.GeoDataFrame({"id": members}, geometry=points, crs="EPSG:4326")
        plan = plan_round(stops, roads if roads is not None and len(roads) else None)
        for k, i in enumerate(plan.order):
            seq[i] = k + 1
        walks[name or ""] = {"stops": len(members), "length_m": round(plan.length_m, 1), "method": plan.method}
    return who, seq, walks


def create_round(store: Store, places: Places, user: dict, body, at: int | None = None) -> dict:
    """Draw and store a round (created at the clock, or ``at``); the stored round (with its items) is returned.
    Bad input raises ValidationFailed naming the field."""
    asked = _checked(store, body)
    checklist = asked["checklist"]
    units = area_units(store, places, checklist, asked["area"])
    if len(units) == 0:
        raise _refused([Detail("area", "no_places", "the area holds no place this checklist inspects")])
    sizes = Counter(units["stratum"])
    if "count" in asked["sample"]:
        n = asked["sample"]["count"]
    else:
        n = size_for_precision(len(units), checklist["planning_sd"], asked["sample"]["precision"])
    allocation = allocate(dict(sizes), n)
    chosen = units.iloc[draw_stratified(list(units["stratum"]), allocation, asked["seed"])].reset_index(drop=True)
    who, seq, walks = _walks(store, places, chosen, asked["inspectors"])
    items = []
    for k, row in enumerate(chosen.itertuples(index=False)):
        items.append({
            "item": k + 1, "kind": checklist["unit"]["kind"], "stratum": row.stratum, "cell": row.cell,
            "weight": sizes[row.stratum] / allocation[row.stratum], "geometry": mapping(row.geometry),
            "ref": {"layer": row.layer, "fid": int(row.fid), "part": int(row.part), "name": row.name,
                    "class": row.unit_class},
            "inspector": who[k], "seq": seq[k]})  # fmt: skip
    design = {
        "unit": checklist["unit"], "population": len(units), "requested": asked["sample"], "drawn": len(items),
        "strata": {h: {"N": sizes[h], "n": allocation[h]} for h in sorted(sizes)}, "walks": walks,
        "inspectors": asked["inspectors"],
    }  # fmt: skip
    record = {"area": asked["area"], "checklist": checklist["code"], "checklist_version": checklist["version"],
              "mode": asked["mode"], "seed": asked["seed"], "created_by": user["name"], "design": design,
              "created_at": at}  # fmt: skip
    with store.atomic():
        return store.add_round(record, items)


def get_round(store: Store, round_id: int) -> dict:
    found = store.inspection_round(round_id)
    if found is None:
        raise NotFound(key="errors.inspection.not_found", params={"round_id": round_id},
                       details=[Detail("id", "not_found", f"no round {round_id}")])  # fmt: skip
    return found


def sees_places(round_: dict, user: dict | None) -> bool:
    """Whether ``user`` may see which places a round drew: always, except in an open spot-check, which only
    its author, its inspectors and administrators see (the community learns the places when it closes)."""
    if round_["mode"] != "spot_check" or round_["status"] == "closed":
        return True
    if user is None:
        return False
    return user["name"] == round_["created_by"] or user["name"] in round_["design"].get("inspectors", []) or (
        "users.manage" in permissions_of(user["role"]))
