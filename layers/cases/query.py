"""Finding cases: the filters of ``GET /api/cases`` (state or state group, category, grid cell, assignee,
"mine", overdue, recurring, bbox, ``at``), nearest-first ordering from a position, and duplicate candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.crs import distance_m
from layers.accounts import CASE_LAYER
from layers.cases import CaseContext, scope_ok, workflow
from layers.cases.views import is_overdue, lonlat, nearby, props_of, summary
from layers.errors import Detail, InvalidParameter
from layers.store import Bbox, FeatureVersion

MAX_LIST = 1_000_000


@dataclass
class CaseFilter:
    states: set[str] | None = None
    categories: set[str] | None = None
    grids: set[str] | None = None
    assignee: str | None = None
    mine: bool = False
    overdue: bool | None = None
    recurring: bool | None = None
    bbox: Bbox | None = None
    at: int | None = None
    near: tuple[float, float] | None = None


def _bad(field: str, reason: str) -> InvalidParameter:
    return InvalidParameter(key="errors.request.bad_parameter", params={"field": field},
                            details=[Detail(field, "invalid_value", reason)])  # fmt: skip


def _words(text: str | None, field: str) -> list[str] | None:
    if text is None:
        return None
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words or len(words) > 100:
        raise _bad(field, "a comma-separated list of 1 to 100 values")
    return words


def _flag(text: str | None, field: str) -> bool | None:
    if text is None:
        return None
    if text.lower() in ("1", "true", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise _bad(field, "true or false")


def parse_filter(args, categories: dict[str, dict], user: dict) -> CaseFilter:
    """A :class:`CaseFilter` from query parameters (``bbox``/``at``/``near`` are parsed by the caller)."""
    out = CaseFilter()
    states = _words(args.get("status"), "status")
    if states is not None:
        try:
            out.states = set().union(*(workflow.states_for(s) for s in states))
        except KeyError as exc:
            raise _bad("status", f"unknown state or group {exc.args[0]!r}") from None
    groups = _words(args.get("group"), "group")
    if groups is not None:
        unknown = [w for w in groups if w not in workflow.GROUPS]
        if unknown:
            raise _bad("group", f"unknown group {unknown[0]!r}; one of {', '.join(workflow.GROUPS)}")
        chosen = {s for s, d in workflow.STATES.items() if d["group"] in groups}
        out.states = chosen if out.states is None else out.states & chosen
    cats = _words(args.get("category"), "category")
    if cats is not None:
        unknown = [c for c in cats if c not in categories]
        if unknown:
            raise _bad("category", f"unknown category {unknown[0]!r}")
        out.categories = set(cats)
    grids = _words(args.get("grid"), "grid")
    if grids is not None:
        if any(not (len(g) == 15 and g.isdigit()) for g in grids):
            raise _bad("grid", "15-digit grid cell codes")
        out.grids = set(grids)
    assignee = args.get("assignee")
    if assignee is not None:
        out.assignee = user["name"] if assignee == "me" else assignee
    out.mine = bool(_flag(args.get("mine"), "mine"))
    out.overdue = _flag(args.get("overdue"), "overdue")
    out.recurring = _flag(args.get("recurring"), "recurring")
    return out


def _store_filters(f: CaseFilter) -> dict:
    filters: dict = {}
    states = f.states
    if f.overdue:
        states = (states or set(workflow.STATES)) & workflow.CLOCK_STATES
    if states is not None:
        filters["status"] = sorted(states)
    if f.categories is not None:
        filters["category"] = sorted(f.categories)
    if f.grids is not None:
        filters["grid_code"] = sorted(f.grids)
    if f.assignee is not None:
        filters["assignee"] = f.assignee
    return filters


def find_cases(ctx: CaseContext, user: dict, f: CaseFilter, now_us: int) -> list[tuple[FeatureVersion, float | None]]:
    """Matching cases with their distance from ``f.near`` (None without it), nearest first or newest first."""
    page = ctx.store.query(CASE_LAYER, bbox=f.bbox, at=f.at, filters=_store_filters(f), limit=MAX_LIST)
    found = page.features
    clock = f.at if f.at is not None else now_us
    if f.overdue is not None:
        found = [v for v in found if is_overdue(props_of(v), clock, ctx.tz) == f.overdue]
    if f.recurring is not None:
        found = [v for v in found if (props_of(v).get("recurrence", 0) > 0) == f.recurring]
    if f.mine:
        found = [v for v in found if _mine(ctx, user, v)]
    if f.near is None or not found:
        return [(v, None) for v in sorted(found, key=lambda v: -v.fid)]
    xy = np.array([lonlat(v) for v in found])
    dist = np.atleast_1d(distance_m(f.near[0], f.near[1], xy[:, 0], xy[:, 1]))
    order = np.lexsort((np.array([v.fid for v in found]), dist))
    return [(found[i], float(dist[i])) for i in order.tolist()]


def _mine(ctx: CaseContext, user: dict, version: FeatureVersion) -> bool:
    props = props_of(version)
    if props.get("assignee") == user["name"]:
        return True
    own = set(user.get("grid_codes") or [])
    if own:
        return props.get("grid_code") in own
    lon, lat = lonlat(version)
    return scope_ok(ctx, user, props, lon, lat)


def candidates(ctx: CaseContext, lon: float, lat: float, category: dict, *, exclude: set[int] = frozenset()) -> list:
    """Open cases of a category within its duplicate radius of a point: "is it the same as this one?"."""
    found = nearby(ctx.store, lon, lat, float(category["duplicate_radius_m"]), category=category["code"],
                   states=set(workflow.OPEN) | {"fixed"}, exclude=exclude)  # fmt: skip
    categories = ctx.categories()
    now = ctx.store.now()
    return [summary(v, categories, now, ctx.tz) | {"distance_m": round(d, 1)} for v, d in found]
