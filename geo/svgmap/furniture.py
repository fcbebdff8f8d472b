"""The furniture of a static SVG map (``geo.svgmap``): the scale bar, the north arrow and the legend, plus the
few helpers every part of the SVG text shares (escaped text, short stable numbers, attributes)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from html import escape

from geo import i18n

__all__ = ["attrs", "esc", "legend", "north_arrow", "num", "scale_bar", "text_width"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_LEGEND_FONT = 13
_LEGEND_ROW = 22


def esc(value: object) -> str:
    """Escaped XML text with the characters XML cannot hold removed."""
    return escape(_CONTROL.sub("", str(value)), quote=True)


def num(value: float) -> str:
    """A coordinate as short, stable text: 0.1 px precision, no '-0', no trailing '.0'.

    >>> num(12.0), num(-0.04), num(3.14159)
    ('12', '0', '3.1')
    """
    text = f"{round(float(value), 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attrs(attributes: Mapping[str, str]) -> str:
    return "".join(f' {k}="{esc(v)}"' for k, v in attributes.items())


def _nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``max_m``."""
    exponent = math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * 10**exponent <= max_m:
            return float(step * 10**exponent)
    return float(10**exponent)


def scale_bar(width: float, height: float, scale: float) -> str:
    length_m = _nice_length(width * 0.22 / scale)
    length_px = length_m * scale
    x, y = 16.0, height - 18.0
    if length_m >= 1000:
        label = i18n.text("svgmap.scale.km", km=length_m / 1000)
    else:
        label = i18n.text("svgmap.scale.m", m=length_m)
    half = length_px / 2
    return (f'<g class="scale-bar" data-length-m="{num(length_m)}" data-length-px="{num(length_px)}">'
            f'<rect x="{num(x - 6)}" y="{num(y - 20)}" width="{num(length_px + 12)}" height="30" fill="#ffffff" '
            f'fill-opacity="0.85" rx="3"/>'
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(half)}" height="5" fill="#333333"/>'
            f'<rect x="{num(x + half)}" y="{num(y)}" width="{num(half)}" height="5" fill="#ffffff" stroke="#333333"'
            f' stroke-width="1"/>'
            f'<text x="{num(x)}" y="{num(y - 5)}" font-size="12" fill="#333333">0</text>'
            f'<text x="{num(x + length_px)}" y="{num(y - 5)}" font-size="12" fill="#333333" text-anchor="end">'
            f"{esc(label)}</text></g>")  # fmt: skip


def north_arrow(width: float) -> str:
    x, y = width - 28.0, 14.0
    return (f'<g class="north-arrow"><circle cx="{num(x)}" cy="{num(y + 20)}" r="17" fill="#ffffff" '
            f'fill-opacity="0.85"/><path d="M{num(x)} {num(y + 4)}L{num(x + 7)} {num(y + 28)}L{num(x)} '
            f'{num(y + 23)}L{num(x - 7)} {num(y + 28)}Z" fill="#333333"/><text x="{num(x)}" y="{num(y + 43)}" '
            f'font-size="12" text-anchor="middle" fill="#333333">{esc(i18n.text("svgmap.north_arrow.label"))}</text>'
            f"</g>")  # fmt: skip


def text_width(text: str, size: float) -> float:
    """Rough advance width: CJK characters are a full em, others about half."""
    return sum(size if ord(c) > 0x2E7F else 0.58 * size for c in text)


def _swatch(x: float, y: float, paint: Mapping[str, str], kind: str) -> str:
    paint_attrs = attrs(paint)
    if kind == "point":
        return f'<circle cx="{num(x + 8)}" cy="{num(y)}" r="5"{paint_attrs}/>'
    if kind == "line":
        return f'<path d="M{num(x)} {num(y)}L{num(x + 16)} {num(y)}" fill="none"{paint_attrs}/>'
    return f'<rect x="{num(x)}" y="{num(y - 6)}" width="16" height="12"{paint_attrs}/>'


def legend(entries: list, top: float, width: float) -> tuple[str, float]:
    """Legend entries flowed into rows under the map; (svg, height)."""
    if not entries:
        return "", 0.0
    parts, x, y = [], 12.0, top + 18.0
    for label, paint, kind, count in entries:
        text = i18n.text("svgmap.legend.count", label=label, count=count) if kind != "area" else label
        advance = 24 + text_width(text, _LEGEND_FONT) + 18
        if x > 12 and x + advance > width - 8:
            x, y = 12.0, y + _LEGEND_ROW
        parts.append(_swatch(x, y, paint, kind))
        parts.append(f'<text x="{num(x + 22)}" y="{num(y + 4.5)}" font-size="{_LEGEND_FONT}" fill="#333333">'
                     f"{esc(text)}</text>")  # fmt: skip
        x += advance
    height = y - top + 14
    return f'<g class="legend" data-entries="{len(entries)}">' + "".join(parts) + "</g>", height


