"""Who sees which area: an account holds an area (``area``, None for the whole city) and every request that
shows places is scoped to the area it asks for (``area=CODE``) or else to the account's own. Asking for an
area outside one's own is refused with 403; a malformed code with 422, an unknown one with 404."""

from __future__ import annotations

from layers.areas.codes import check_code, level_of, parent_of, within
from layers.areas.hierarchy import Area, hierarchy
from layers.errors import Detail, Forbidden, NotFound
from layers.store import Store


def held_area(user: dict | None) -> str | None:
    """The area an account is scoped to (None: the whole city, also for anonymous readers)."""
    return (user or {}).get("area") or None


def out_of_scope(code: str, held: str | None, field: str = "area") -> Forbidden:
    return Forbidden(
        key="errors.area.out_of_scope", params={"area": code, "held": held or ""}, code="out_of_scope",
        details=[Detail(field, "out_of_scope", f"area {code} is outside your area {held}")],
    )  # fmt: skip


def unknown_area(code: str, field: str = "area") -> NotFound:
    return NotFound(
        key="errors.area.not_found", params={"area": code}, code="unknown_area",
        details=[Detail(field, "not_found", f"no area {code} in this deployment")],
    )  # fmt: skip


def find_area(store: Store, code: object, field: str = "area") -> Area:
    """The area of a code that must exist: 422 when malformed, 404 when unknown."""
    code = check_code(code, field)
    area = hierarchy(store).get(code)
    if area is None:
        raise unknown_area(code, field)
    return area


def resolve_scope(store: Store, user: dict | None, requested: str | None, field: str = "area") -> Area | None:
    """The area a request is about: the one asked for (checked against the account's own) or else the
    account's own; None for the whole city."""
    held = held_area(user)
    if requested is None or requested == "":
        if held is None:
            return None
        # an account's area that has no cells or boundary (yet) scopes to nothing, never to the whole city
        return hierarchy(store).get(held) or Area(held, level_of(held), parent_of(held), None, None, 0, False)
    code = check_code(requested, field)
    if not within(code, held):
        raise out_of_scope(code, held, field)
    return find_area(store, code, field)


def check_holdable(store: Store, code: object, field: str = "area") -> str | None:
    """An area an administrator may give an account: None (the whole city) or a known area."""
    if code is None or code == "":
        return None
    return find_area(store, code, field).code
