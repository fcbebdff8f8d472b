"""Scores with their uncertainty: each answered place scored from its checklist, then every area of the round
(district, street office, community, grid cell: prefixes of the cell codes) estimated from the stratified
sample with a 95 % interval, ranked only when the interval is narrow enough; comparisons between rounds and the
trend of an area across rounds."""

from __future__ import annotations

from geo.sampling import Estimate, compare, stratified_mean
from layers.cases.places import GRID, Places
from layers.inspections.answers import answer_view
from layers.inspections.checklists import applicable, fails, unit_score
from layers.inspections.units import LEVELS
from layers.store import Store, format_instant

WORST = 10


def _counted(answer: dict) -> bool:
    return all(f["code"] == "reused_photo" for f in answer["flags"])


def _scored(store: Store, round_: dict) -> tuple[dict, list[dict], list[dict]]:
    """The round's checklist version, its answers with their places, and the answers that count."""
    checklist = store.checklist(round_["checklist"], round_["checklist_version"])
    places = {i["item"]: i for i in round_["items"]}
    answers = []
    for answer in store.round_answers(round_["id"]):
        place = places[answer["item"]]
        layer = place["ref"]["layer"]
        answers.append(answer | {"place": place, "score": unit_score(checklist, layer, answer["values"]),
                                 "failed": [i["code"] for i in applicable(checklist, layer)
                                            if fails(i, answer["values"][i["code"]])]})  # fmt: skip
    return checklist, answers, [a for a in answers if _counted(a)]


def _area_codes(area: str, strata: dict) -> list[str]:
    cells = {h.split("|")[0] for h in strata}
    codes = {area}
    for length in LEVELS:
        if length > len(area):
            codes |= {c[:length] for c in cells}
    return sorted(codes, key=lambda c: (len(c), c))


def area_estimates(area: str, strata: dict[str, dict], observed: list[tuple[str, float]]) -> dict[str, Estimate]:
    """The estimate of ``area`` and of every smaller area inside it from ``observed`` ``(stratum, score)``
    pairs, ``strata`` being a round's design (``{stratum: {"N": places, "n": drawn}}``, strata named
    ``<cell code>|<class>``)."""
    out = {}
    for code in _area_codes(area, strata):
        population = {h: s["N"] for h, s in strata.items() if h.startswith(code)}
        inside = [(h, y) for h, y in observed if h in population]
        out[code] = stratified_mean([y for _, y in inside], [h for h, _ in inside], population)
    return out


def estimates(store: Store, round_: dict) -> tuple[dict, list[dict], dict[str, Estimate]]:
    """The checklist, the answers and the estimate of every area of the round."""
    checklist, answers, counted = _scored(store, round_)
    observed = [(a["place"]["stratum"], a["score"]) for a in counted]
    return checklist, answers, area_estimates(round_["area"], round_["design"]["strata"], observed)


def _ranked(checklist: dict, e: Estimate) -> bool:
    rule = checklist["ranking"]
    return e.half_width is not None and e.n >= rule["min_n"] and e.half_width <= rule["max_half_width"] and (
        e.missing_share == 0)


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _bounded(value: float | None) -> float | None:
    """An interval end on the score's own scale: a score lies in 0–100, so its interval does too."""
    return None if value is None else round(min(100.0, max(0.0, value)), 1)


def round_scores(store: Store, places: Places, round_: dict, tz) -> dict:
    """What ``GET /api/inspections/{id}/scores`` answers: every area's score, interval, count and whether it is
    ranked (with its rank among the ranked areas of its level), the worst places with their photos, and the
    clean-building list of a building checklist."""
    checklist, answers, found = estimates(store, round_)
    names = _cell_names(store, places)
    areas = []
    for code, e in found.items():
        areas.append({"code": code, "level": LEVELS[len(code)], "name": names.get(code), "score": _rounded(e.score),
                      "ci_low": _bounded(e.ci_low), "ci_high": _bounded(e.ci_high), "n": e.n,
                      "population": sum(s["N"] for h, s in round_["design"]["strata"].items() if h.startswith(code)),
                      "missing_share": round(e.missing_share, 3), "ranked": _ranked(checklist, e),
                      "rank": None})  # fmt: skip
    for level in LEVELS.values():
        ranked = sorted((a for a in areas if a["level"] == level and a["ranked"]), key=lambda a: -a["score"])
        for k, area in enumerate(ranked):
            area["rank"] = k + 1
    worst = sorted(answers, key=lambda a: (a["score"], a["item"]))[:WORST]
    out = {
        "round": round_["id"], "checklist": checklist["code"], "checklist_version": checklist["version"],
        "status": round_["status"], "drawn": len(round_["items"]), "answered": len(answers),
        "counted": sum(_counted(a) for a in answers), "flagged": sum(not _counted(a) for a in answers),
        "ranking": checklist["ranking"], "areas": areas,
        "worst": [_place_view(a, tz) for a in worst if a["failed"] or a["score"] < 100],
    }  # fmt: skip
    if "clean_building_score" in checklist:
        bar = checklist["clean_building_score"]
        clean = [a for a in answers if _counted(a) and a["score"] >= bar and not a["failed"]]
        out["clean_buildings"] = {"min_score": bar, "buildings": [_place_view(a, tz) for a in clean]}
    return out


def _place_view(answer: dict, tz) -> dict:
    place = answer["place"]
    return answer_view({k: v for k, v in answer.items() if k not in ("place", "score", "failed")}, tz) | {
        "score": round(answer["score"], 1), "failed": answer["failed"], "cell": place["cell"], "ref": place["ref"],
        "geometry": place["geometry"]}  # fmt: skip


def _cell_names(store: Store, places: Places) -> dict[str, str]:
    cells = places.frame(store, GRID) if store.layer(GRID) else None
    if cells is None or len(cells) == 0 or "name" not in cells.columns:
        return {}
    return {str(c): n for c, n in zip(cells["code"], cells["name"]) if isinstance(n, str)}


def compare_rounds(store: Store, later: dict, earlier: dict) -> dict:
    """Every area of both rounds: the change of its score, the interval of the change and whether it is larger
    than the noise."""
    _, _, a = estimates(store, later)
    _, _, b = estimates(store, earlier)
    areas = []
    for code in sorted(set(a) & set(b), key=lambda c: (len(c), c)):
        change = compare(a[code], b[code])
        areas.append({"code": code, "level": LEVELS[len(code)], "later": _rounded(a[code].score),
                      "earlier": _rounded(b[code].score), "n_later": a[code].n, "n_earlier": b[code].n}
                     | {k: _rounded(v) if isinstance(v, float) else v for k, v in change.items()})  # fmt: skip
    return {"later": later["id"], "earlier": earlier["id"], "areas": areas}


def trend(store: Store, area: str, checklist: str, tz, visible) -> list[dict]:
    """The score of ``area`` in every round of ``checklist`` that covers it (oldest first), each with its
    interval and count; rounds ``visible`` refuses (an open spot-check) are left out."""
    out = []
    for summary in sorted(store.inspection_rounds(), key=lambda r: r["id"]):
        if summary["checklist"] != checklist or not area.startswith(summary["area"]):
            continue
        round_ = store.inspection_round(summary["id"])
        if not visible(round_):
            continue
        _, _, found = estimates(store, round_)
        if area not in found:
            continue
        e = found[area]
        out.append({"round": round_["id"], "mode": round_["mode"], "status": round_["status"],
                    "created_at": format_instant(round_["created_at"], tz), "score": _rounded(e.score),
                    "ci_low": _bounded(e.ci_low), "ci_high": _bounded(e.ci_high), "n": e.n})  # fmt: skip
    return out
