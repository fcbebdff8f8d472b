"""Who may write what: the role's permissions, and for field workers the grid cells they answer for."""

from __future__ import annotations

import json

from geo.grid import cell_containing
from layers.accounts import CASE_LAYER, permissions_of
from layers.errors import Detail, Forbidden
from layers.store import Store


def require(user: dict | None, permission: str) -> None:
    """Raise Forbidden unless ``user``'s role grants ``permission`` (authentication is checked earlier)."""
    if permission not in permissions_of(user and user["role"]):
        raise Forbidden(
            key="errors.role.forbidden",
            params={"permission": permission},
            details=[Detail("role", "forbidden", f"role '{user and user['role']}' lacks '{permission}'")],
        )


def _points(geometry: dict | None) -> list[tuple[float, float]]:
    if not geometry:
        return []
    if geometry["type"] == "Point":
        return [tuple(geometry["coordinates"][:2])]
    if geometry["type"] == "MultiPoint":
        return [tuple(c[:2]) for c in geometry["coordinates"]]
    return []


def require_feature_write(store: Store, user: dict, layer_id: str, geometries: list[dict | None]) -> None:
    """Check a write to ``layer_id`` touching ``geometries`` (the new ones and, for edits, the current one).

    Planners and administrators write any layer; field workers write cases (the case layer) whose
    every position lies in one of their own grid cells.
    """
    granted = permissions_of(user["role"])
    if "features.write" in granted or (layer_id == CASE_LAYER and "cases.write" in granted):
        return
    if layer_id != CASE_LAYER or "cases.write.own_grid" not in granted:
        require(user, "features.write")
    own = set(user.get("grid_codes") or [])
    cells = [(json.loads(f.properties).get("code"), json.loads(f.geometry))
             for f in store.query("grid", limit=10_000).features]
    cells = [(code, geometry) for code, geometry in cells if code in own]
    for geometry in geometries:
        for lon, lat in _points(geometry):
            if cell_containing(lon, lat, cells) is None:
                raise Forbidden(
                    key="errors.role.outside_grid",
                    code="outside_grid",
                    details=[Detail("geometry", "outside_grid",
                                    f"[{lon}, {lat}] is not in your grid cells {sorted(own) or '(none)'}")],
                )
