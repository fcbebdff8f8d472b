"""Evidence that holds: a closed case counts as verified only when one of its "after" photos was taken after
dispatch by the camera's own clock, within the category's radius of the case, and is not a reuse of an earlier
photo (the same file or the same picture by its perceptual hash). Leaders see verified and unverified closures
apart, per grid cell, with the reasons."""

from __future__ import annotations

import json
from collections import Counter

from geo.crs import distance_m
from layers.accounts import CASE_LAYER
from layers.cases.photo_checks import taken_us
from layers.store import Store, parse_instant
from layers.uploads import REUSE_MAX_HAMMING, hamming

MAX_CASES = 100_000
REASONS = ("no_after_photo", "no_camera_time", "taken_before_dispatch", "no_position", "far_from_case",
           "reused_photo")  # fmt: skip


def _photo_problems(photo: dict, case_xy, dispatched_us, radius_m, earlier) -> list[str]:
    problems = []
    taken = taken_us(photo.get("taken_at"), photo["_tz"])
    if taken is None:
        problems.append("no_camera_time")
    elif dispatched_us is not None and taken < dispatched_us:
        problems.append("taken_before_dispatch")
    if photo.get("lon") is None or photo.get("lat") is None:
        problems.append("no_position")
    elif float(distance_m(case_xy[0], case_xy[1], photo["lon"], photo["lat"])) > radius_m:
        problems.append("far_from_case")
    if any(sha == photo["sha256"] or hamming(phash, photo["phash"]) <= REUSE_MAX_HAMMING for sha, phash in earlier):
        problems.append("reused_photo")
    return problems


def case_evidence(store: Store, tz, version, categories: dict, fingerprints: list) -> dict:
    """Whether one closed case's closure is verified, and the reasons when it is not."""
    props = json.loads(version.properties or "{}")
    case_xy = json.loads(version.geometry)["coordinates"][:2]
    dispatched = parse_instant(props["dispatched_at"], tz) if props.get("dispatched_at") else None
    radius = float(categories.get(props.get("category"), {}).get("duplicate_radius_m", 50))
    afters = [p for p in store.case_photos(version.fid) if p["kind"] == "after"]
    if not afters:
        return {"id": version.fid, "grid_code": props.get("grid_code"), "verified": False,
                "reasons": ["no_after_photo"]}  # fmt: skip
    best: list[str] | None = None
    for photo in afters:
        earlier = [(sha, phash) for pid, _, sha, phash in fingerprints if pid < photo["id"]]
        problems = _photo_problems(photo | {"_tz": tz}, case_xy, dispatched, radius, earlier)
        if best is None or len(problems) < len(best):
            best = problems
    return {"id": version.fid, "grid_code": props.get("grid_code"), "verified": not best, "reasons": best}


def closure_evidence(store: Store, tz, area: str = "") -> dict:
    """Closed cases in ``area`` (a grid-code prefix; all when empty): how many are verified, how many not and
    why, per grid cell, and the unverified cases."""
    categories = {c["code"]: c for c in store.categories()}
    fingerprints = sorted(store.photo_fingerprints())
    closed = store.query(CASE_LAYER, filters={"status": ["closed"]}, limit=MAX_CASES).features
    results = []
    for version in closed:
        grid = json.loads(version.properties or "{}").get("grid_code") or ""
        if grid.startswith(area):
            results.append(case_evidence(store, tz, version, categories, fingerprints))
    by_cell: dict[str, Counter] = {}
    for result in results:
        counts = by_cell.setdefault(result["grid_code"] or "", Counter())
        counts["closed"] += 1
        counts["verified" if result["verified"] else "unverified"] += 1
    reasons = Counter(reason for r in results for reason in r["reasons"])
    return {
        "area": area, "closed": len(results), "verified": sum(r["verified"] for r in results),
        "unverified": sum(not r["verified"] for r in results), "reasons": {k: reasons[k] for k in REASONS},
        "by_cell": [{"code": code, "closed": c["closed"], "verified": c["verified"], "unverified": c["unverified"]}
                    for code, c in sorted(by_cell.items())],
        "unverified_cases": [r for r in results if not r["verified"]],
    }  # fmt: skip
