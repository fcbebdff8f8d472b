"""The analysis kinds, each declared once in its own module here (parameters, runner, result styling,
legend, summary); this list is the registry every surface reads: the API, the planner's panel, the docs."""

from layers.analysis.kinds import coverage, gaps, hotspots, proposals, recurrence
from layers.analysis.kinds.properties import PROPERTIES
from layers.analysis.run import check_values
from layers.analysis.spec import Kind

KINDS: dict[str, Kind] = {k.id: k for k in (coverage.KIND, gaps.KIND, proposals.KIND, hotspots.KIND, recurrence.KIND)}


def run_analysis(kind_id: str, store, body, *, at: int | None = None):
    """Run analysis ``kind_id`` with the request's parameters ``body`` on the stored layers (as they stood
    ``at``): ``(result_gdf, summary, extra)``. Bad parameters raise ValidationFailed naming every field."""
    kind = KINDS[kind_id]
    return kind.runner(store, check_values(kind, store, body), at=at)


def declarations() -> dict:
    """What ``GET /api/analysis/kinds`` serves: every kind's declaration and the result properties' titles."""
    return {"kinds": [k.to_json() for k in KINDS.values()], "properties": PROPERTIES}


__all__ = ["KINDS", "PROPERTIES", "declarations", "run_analysis"]
