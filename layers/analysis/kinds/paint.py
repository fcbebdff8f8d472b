"""Leaflet path options shared by the kinds' result styles (``Kind.result``)."""

from __future__ import annotations

ROUND = {"lineCap": "round", "lineJoin": "round"}
WHITE = "#ffffff"


def line(color: str, weight: float, opacity: float) -> dict:
    return {"color": color, "weight": weight, "opacity": opacity, "fill": False} | ROUND


def dot(fill: str, *, weight: float, fill_opacity: float, radius: float) -> dict:
    """A point drawn as a filled circle with a white outline."""
    return {"color": WHITE, "weight": weight, "fillColor": fill, "fillOpacity": fill_opacity, "fill": True,
            "radius": radius}  # fmt: skip


def area(color: str, *, weight: float, opacity: float, fill_opacity: float, dash: str | None = None) -> dict:
    out = {"color": color, "weight": weight, "opacity": opacity}
    if dash:
        out["dashArray"] = dash
    return out | {"fillColor": color, "fillOpacity": fill_opacity, "fill": True}
