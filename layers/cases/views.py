"""Cases as the API shows them: a case's summary (state group, overdue flag, navigation links), its
transitions read back from the store's version history, and nearby cases (duplicates, recurrence)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import numpy as np

from geo.crs import distance_m
from geo.navigation import navigation_links
from layers.accounts import CASE_LAYER
from layers.cases import workflow
from layers.store import FeatureVersion, Store, format_instant, parse_instant

# Transition-owned fields: a plain edit never changes them, so a version that differs only elsewhere is an edit.
MANAGED = (
    "status",
    "grid_code",
    "responsible_unit",
    "assignee",
    "dispatched_at",
    "deadline",
    "fixed_by",
    "fixed_at",
    "closed_at",
    "duplicate_of",
    "note",
    "recurrence",
)
DONE = ("fixed", "closed")  # states that count as "it was dealt with" for recurrence


def props_of(version: FeatureVersion) -> dict:
    return json.loads(version.properties or "{}")


def lonlat(version: FeatureVersion) -> tuple[float, float]:
    lon, lat = json.loads(version.geometry)["coordinates"][:2]
    return float(lon), float(lat)


def is_overdue(props: dict, now_us: int, tz: ZoneInfo) -> bool:
    """Open in a state where the deadline clock runs, and past the deadline."""
    deadline = props.get("deadline")
    return bool(deadline) and props.get("status") in workflow.CLOCK_STATES and parse_instant(deadline, tz) < now_us


def summary(version: FeatureVersion, categories: dict[str, dict], now_us: int, tz: ZoneInfo) -> dict:
    """The fields every listing shows, in the case's own words plus what follows from them."""
    props = props_of(version)
    lon, lat = lonlat(version)
    status = props.get("status", "reported")
    category = categories.get(props.get("category"), {})
    out = {
        "id": version.fid,
        "version": version.version,
        "etag": version.etag,
        "lon": lon,
        "lat": lat,
        "status": status,
        "status_label": workflow.STATES.get(status, {}).get("label"),
        "state_group": workflow.group_of(status) if status in workflow.STATES else None,
        "category": props.get("category"),
        "category_name": category.get("name"),
        "category_group": category.get("group"),
        "icon": category.get("icon"),
        "overdue": is_overdue(props, now_us, tz),
        "updated_at": format_instant(version.valid_from, tz),
        "updated_by": version.author,
    }
    for key in (
        "description",
        "address",
        "grid_code",
        "responsible_unit",
        "assignee",
        "reporter",
        "reported_at",
        "dispatched_at",
        "deadline",
        "fixed_by",
        "fixed_at",
        "closed_at",
        "duplicate_of",
        "note",
    ):
        out[key] = props.get(key)
    out["recurrence"] = props.get("recurrence", 0)
    out["navigation"] = navigation_links(lon, lat, props.get("address") or props.get("description", "")[:30])
    return out


def events(history: list[FeatureVersion], tz: ZoneInfo) -> tuple[list[dict], list[dict]]:
    """(transitions, notes) from a case's versions: a version that changes a workflow field other than the
    note is a transition (the first one is the report itself; a re-dispatch keeps the status but changes
    the dispatch time, assignee or deadline); one that changes only the note is a note."""
    transitions, notes, before = [], [], None
    for v in history:
        if v.op == "delete":
            transitions.append(
                {
                    "from": before.get("status") if before else None,
                    "to": None,
                    "op": "delete",
                    "at": format_instant(v.valid_from, tz),
                    "by": v.author,
                    "version": v.version,
                    "note": None,
                }
            )
            continue
        props = props_of(v)
        entry = {
            "at": format_instant(v.valid_from, tz),
            "by": v.author,
            "version": v.version,
            "note": props.get("note"),
        }
        if before is None or any(props.get(k) != before.get(k) for k in MANAGED if k != "note"):
            transitions.append({"from": before.get("status") if before else None, "to": props.get("status")} | entry)
        elif props.get("note") and props.get("note") != before.get("note"):
            notes.append(entry)
        before = props
    return transitions, notes


def nearby(
    store: Store,
    lon: float,
    lat: float,
    radius_m: float,
    *,
    category: str,
    states: set[str],
    at: int | None = None,
    exclude: set[int] = frozenset(),
) -> list[tuple[FeatureVersion, float]]:
    """Cases of ``category`` in ``states`` within ``radius_m`` of a point, nearest first, with distances."""
    # A box safely larger than the radius (1 degree of latitude is ~111 km; longitude shrinks by cos(lat)).
    dlat = radius_m / 110_000 + 1e-6
    dlon = radius_m / (110_000 * max(np.cos(np.radians(lat)), 0.01)) + 1e-6
    page = store.query(
        CASE_LAYER,
        bbox=(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
        at=at,
        filters={"category": category, "status": sorted(states)},
        limit=10_000,
    )
    found = [v for v in page.features if v.fid not in exclude]
    if not found:
        return []
    xy = np.array([lonlat(v) for v in found])
    dist = np.atleast_1d(distance_m(lon, lat, xy[:, 0], xy[:, 1]))
    pairs = [(v, float(d)) for v, d in zip(found, dist) if d <= radius_m]
    return sorted(pairs, key=lambda p: (p[1], p[0].fid))


def recurrence_count(store: Store, lon: float, lat: float, category: dict, before_us: int, tz: ZoneInfo) -> int:
    """How many earlier cases of the same kind at this place had been fixed or closed: a place where the
    problem keeps coming back (回潮). Counted as the cases are now, among those reported before this one."""
    found = nearby(store, lon, lat, float(category["duplicate_radius_m"]), category=category["code"], states=set(DONE))
    return sum(1 for v, _ in found if parse_instant(props_of(v)["reported_at"], tz) <= before_us)


def photo_view(photo: dict, tz: ZoneInfo) -> dict:
    """A photo record as the API shows it (file keys become URLs)."""
    return {
        "id": photo["id"], "case_id": photo["case_fid"], "kind": photo["kind"],
        "url": f"/api/photos/{photo['id']}", "thumb_url": f"/api/photos/{photo['id']}/thumb",
        "width": photo["width"], "height": photo["height"], "source_type": photo["source_type"],
        "taken_at": photo["taken_at"], "lon": photo["lon"], "lat": photo["lat"], "sha256": photo["sha256"],
        "uploaded_by": photo["uploaded_by"], "uploaded_at": format_instant(photo["uploaded_at"], tz),
        "warnings": photo["warnings"],
    }  # fmt: skip


def with_display_names(store: Store, entries: list[dict]) -> list[dict]:
    """Each timeline entry with ``by_name``: the display name of the account named in ``by`` (the name
    itself when no account has it, as for the demo's back-dated authors)."""
    names: dict[str, str] = {}
    for entry in entries:
        by = entry.get("by")
        if by and by not in names:
            user = store.user(by)
            names[by] = (user or {}).get("display_name") or by
        entry["by_name"] = names.get(by, by) if by else by
    return entries


def detail(
    store: Store, version: FeatureVersion, categories: dict[str, dict], now_us: int, tz: ZoneInfo,
    *, role: str | None = None, at: int | None = None, user_name: str | None = None,
) -> dict:  # fmt: skip
    """Everything about one case: its summary, transitions and notes, photos side by side, duplicate links
    both ways, and the transitions ``role`` may make next (as ``user_name``: never verifying one's own fix)."""
    out = summary(version, categories, now_us, tz)
    transitions, notes = events(store.history(CASE_LAYER, version.fid), tz)
    if at is not None:
        cutoff = format_instant(at, tz)
        transitions = [t for t in transitions if t["version"] <= version.version]
        notes = [n for n in notes if n["version"] <= version.version and n["at"] <= cutoff]
    out["transitions"], out["notes"] = with_display_names(store, transitions), with_display_names(store, notes)
    photos = [photo_view(p, tz) for p in store.case_photos(version.fid, at)]
    out["photos"] = {"before": [p for p in photos if p["kind"] == "before"],
                     "after": [p for p in photos if p["kind"] == "after"]}  # fmt: skip
    duplicates = store.query(CASE_LAYER, at=at, filters={"duplicate_of": version.fid}, limit=10_000).features
    out["duplicates"] = [v.fid for v in duplicates]
    out["allowed_transitions"] = [
        {"to": t["to"], "label": t["label"]}
        for t in workflow.next_states(out["status"], role, props=props_of(version), user_name=user_name)
    ] if role is not None and at is None else []  # fmt: skip
    return out
