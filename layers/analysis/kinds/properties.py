"""The properties analysis results carry, titled for popups and saved result layers: one vocabulary for every
kind (a kind may retitle one, see ``Kind.property_titles``), in the order popups list them.

``enum_from``: ``"classes"`` (the values and labels of the kind's result classes on that property) or
``{"role": ..., "property": ...}`` (the enum labels of a property of the layer playing that role).
``digits``: decimals shown (default 1 for numbers that are not whole).
"""

from __future__ import annotations


def _prop(title: str, **extra) -> dict:
    return {"title": f"analysis.prop.{title}"} | extra


PROPERTIES: dict[str, dict] = {
    "covered": _prop("covered", type="boolean"),
    "reachable": _prop("reachable", type="boolean"),
    "distance_m": _prop("distance_m"),
    "nearest_id": _prop("nearest_id"),
    "length_m": _prop("length_m"),
    "start_m": _prop("start_m"),
    "end_m": _prop("end_m"),
    "line_id": _prop("line_id"),
    "line_name": _prop("line_name"),
    "line_class": _prop("line_class", enum_from={"role": "network", "property": "class"}),
    "grid_code": _prop("grid_code"),
    "part": _prop("part"),
    "rank": _prop("rank"),
    "candidate_id": _prop("candidate_id"),
    "newly_covered": _prop("newly_covered"),
    "newly_covered_weight": _prop("newly_covered_weight"),
    "cell_id": _prop("cell_id"),
    "row": _prop("row"),
    "col": _prop("col"),
    "count": _prop("count"),
    "value": _prop("value"),
    "gi_z": _prop("gi_z", digits=3),
    "gi_p": _prop("gi_p", digits=3),
    "class": _prop("class", enum_from="classes"),
    "category": _prop("category", enum_from={"role": "cases", "property": "category"}),
    "cases": _prop("cases"),
    "recurrence_count": _prop("recurrence_count"),
    "first_reported": _prop("first_reported", type="datetime"),
    "last_reported": _prop("last_reported", type="datetime"),
    "case_ids": _prop("case_ids"),
    "id": _prop("id"),
}
