"""The panel of a standalone result map (``geo.webmap``): its title, each layer's legend with counts, and the
analysis summary as a two-language table, as escaped HTML."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np

from geo import i18n

__all__ = ["panel_html"]

_SUMMARY_LABELS = {
    "targets": i18n.pair("webmap.summary.targets"), "covered": i18n.pair("webmap.summary.covered"),
    "uncovered": i18n.pair("webmap.summary.uncovered"), "unreachable": i18n.pair("webmap.summary.unreachable"),
    "coverage_ratio": i18n.pair("webmap.summary.coverage_ratio"), "radius_m": i18n.pair("webmap.summary.radius_m"),
    "metric": i18n.pair("webmap.summary.metric"), "households_total": i18n.pair("webmap.summary.households_total"),
    "households_covered": i18n.pair("webmap.summary.households_covered"),
    "total_gap_m": i18n.pair("webmap.summary.total_gap_m"), "gaps": i18n.pair("webmap.summary.gaps"),
    "lines_checked": i18n.pair("webmap.summary.lines_checked"),
    "lines_skipped": i18n.pair("webmap.summary.lines_skipped"),
    "lines_unchecked": i18n.pair("webmap.summary.lines_unchecked"),
    "checked_length_m": i18n.pair("webmap.summary.checked_length_m"),
    "unchecked_classes": i18n.pair("webmap.summary.unchecked_classes"),
    "max_gap_m": i18n.pair("webmap.summary.max_gap_m"), "snap_m": i18n.pair("webmap.summary.snap_m"),
    "source": i18n.pair("webmap.summary.source"), "preset": i18n.pair("webmap.summary.preset"),
    "exclude_broken": i18n.pair("webmap.summary.exclude_broken"), "method": i18n.pair("webmap.summary.method"),
    "problem": i18n.pair("webmap.summary.problem"), "status": i18n.pair("webmap.summary.status"),
    "coverable": i18n.pair("webmap.summary.coverable"), "uncoverable": i18n.pair("webmap.summary.uncoverable"),
    "covered_before": i18n.pair("webmap.summary.covered_before"),
    "covered_after": i18n.pair("webmap.summary.covered_after"), "count": i18n.pair("webmap.summary.count"),
    "objective": i18n.pair("webmap.summary.objective"), "gap_ratio": i18n.pair("webmap.summary.gap_ratio"),
    "points": i18n.pair("webmap.summary.points"), "cells": i18n.pair("webmap.summary.cells"),
    "size_m": i18n.pair("webmap.summary.size_m"), "cell": i18n.pair("webmap.summary.cell"),
    "classes": i18n.pair("webmap.summary.classes"), "crs": i18n.pair("webmap.summary.crs"),
    "by_class": i18n.pair("webmap.summary.by_class"), "by_line": i18n.pair("webmap.summary.by_line"),
    "by_grid": i18n.pair("webmap.summary.by_grid"), "broken_left_out": i18n.pair("webmap.summary.broken_left_out"),
    "quality": i18n.pair("webmap.summary.quality"), "distance_band_m": i18n.pair("webmap.summary.distance_band_m"),
    "uncoverable_ids": i18n.pair("webmap.summary.uncoverable_ids"),
}  # fmt: skip
_VALUE_LABELS = {
    "euclidean": i18n.pair("webmap.value.euclidean"), "network": i18n.pair("webmap.value.network"),
    "hex": i18n.pair("webmap.value.hex"), "square": i18n.pair("webmap.value.square"),
    "greedy": i18n.pair("webmap.value.greedy"), "exact": i18n.pair("webmap.value.exact"),
    "optimal": i18n.pair("webmap.value.optimal"), "max_coverage": i18n.pair("webmap.value.max_coverage"),
    "set_cover": i18n.pair("webmap.value.set_cover"),
}  # fmt: skip


def _format(key: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return " ".join(i18n.pair("webmap.value.yes")) if value else " ".join(i18n.pair("webmap.value.no"))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "—"
        return f"{100 * value:.1f} %" if key.endswith("_ratio") else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and value in _VALUE_LABELS:
        return " / ".join(_VALUE_LABELS[value])
    return str(value)


def _label(key: str) -> tuple[str, str]:
    if key in _SUMMARY_LABELS:
        return _SUMMARY_LABELS[key]
    for suffix, (zh, en) in (("_total", i18n.pair("webmap.summary.suffix_total")),
                             ("_covered", i18n.pair("webmap.summary.suffix_covered"))):
        if key.endswith(suffix) and len(key) > len(suffix):
            return f"{key[: -len(suffix)]} {zh}", en
    return key, key


def _summary_rows(summary: Mapping, prefix: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value) rows in zh-CN and English; nested dicts are flattened, lists of records counted."""
    rows = []
    for key, value in summary.items():
        zh, en = _label(str(key))
        label = f"{zh} {en}" if zh != en else zh
        if prefix is not None:
            label = f"{prefix[0]} · {label}"
        if isinstance(value, Mapping) and {"zh-CN", "en"} <= set(value):
            rows.append((label, f"{value['zh-CN']} / {value['en']}"))
        elif isinstance(value, Mapping):
            rows.extend(_summary_rows(value, (label, en)))
        elif isinstance(value, (list, tuple)):
            if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
                shown = ", ".join(_format(str(key), v) for v in value[:20]) + (" …" if len(value) > 20 else "")
                rows.append((label, shown or "—"))
            else:
                rows.append((label, f"{len(value)} " + " ".join(i18n.pair("webmap.summary.items"))))
        else:
            rows.append((label, _format(str(key), value)))
    return rows


def panel_html(title: str, specs: list[dict], summary: Mapping | None) -> str:
    esc = html.escape
    parts = [f'<div class="webmap-panel" lang="zh-CN"><h1>{esc(title)}</h1>']
    for spec in specs:
        parts.append(f"<h2>{esc(spec['title'])}</h2><ul>")
        for label, style, count in spec["legend"]:
            fill, stroke = style.get("fillColor", style.get("color", "#3388ff")), style.get("color", "#3388ff")
            parts.append(f'<li><span class="webmap-swatch" style="background:{esc(fill)};border-color:{esc(stroke)}">'
                         f"</span>{esc(label)} ({count:,})</li>")  # fmt: skip
        parts.append("</ul>")
    if summary:
        parts.append(f'<details open><summary>{esc(" ".join(i18n.pair("webmap.panel.summary")))}</summary>'
                     '<table class="webmap-table">')
        parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _summary_rows(summary))
        parts.append("</table></details>")
    parts.append("</div>")
    return "\n".join(parts)
