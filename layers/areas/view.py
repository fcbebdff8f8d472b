"""A read view of the store cut to one area, for code that reads whole layers (the analyses): every
``query`` answers only the area's features (:func:`layers.areas.area_query`); everything else is the store's."""

from __future__ import annotations

from layers.areas.features import area_query
from layers.areas.hierarchy import Area
from layers.store import Page, Store


class AreaView:
    """``store`` as seen from ``area``. Its ``key`` names the area too, so caches keyed by it (the street
    graph of the analyses) keep one entry per area."""

    def __init__(self, store: Store, area: Area) -> None:
        self._store, self.area = store, area

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    @property
    def key(self) -> str:
        return f"{self._store.key}#area={self.area.code}"

    def query(self, layer_id: str, *, limit: int = 1000, offset: int = 0, **kwargs) -> Page:
        kwargs.pop("exact_geometry", None)  # an area's features are checked on their real shape anyway
        return area_query(self._store, layer_id, self.area, limit=limit, offset=offset, **kwargs)


def scoped(store: Store, area: Area | None):
    """The store itself for the whole city, else its view from ``area``."""
    return store if area is None else AreaView(store, area)
