"""The area hierarchy above the grid cells (district › street office › community › cell, from the 15-digit
codes), its names and boundaries (imported as a table or as a file of boundaries), and the area scope of
requests and accounts. docs/areas.md tells the rules."""

from layers.areas.codes import LEVEL_DIGITS, LEVELS, check_code, check_level, level_of, lineage, parent_of, within
from layers.areas.features import CODE_PROPERTY, area_cells, area_points, area_query
from layers.areas.hierarchy import GRID_LAYER, Area, Hierarchy, bump_revision, hierarchy
from layers.areas.scope import check_holdable, find_area, held_area, out_of_scope, resolve_scope
from layers.areas.view import AreaView, scoped

__all__ = [
    "CODE_PROPERTY",
    "GRID_LAYER",
    "LEVELS",
    "LEVEL_DIGITS",
    "Area",
    "AreaView",
    "Hierarchy",
    "area_cells",
    "area_points",
    "area_query",
    "bump_revision",
    "check_code",
    "check_holdable",
    "check_level",
    "find_area",
    "held_area",
    "hierarchy",
    "level_of",
    "lineage",
    "out_of_scope",
    "parent_of",
    "resolve_scope",
    "scoped",
    "within",
]
