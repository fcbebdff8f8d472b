"""The panel of a standalone result map (``geo.webmap``): its title, each layer's legend with counts, and the
analysis summary as a two-language table, as escaped HTML."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np

__all__ = ["panel_html"]

_SUMMARY_LABELS = {
    "targets": ("目标数", "targets"), "covered": ("已覆盖", "covered"), "uncovered": ("未覆盖", "not covered"),
    "unreachable": ("不可达", "unreachable"), "coverage_ratio": ("覆盖率", "coverage"),
    "radius_m": ("服务半径（米）", "radius (m)"), "metric": ("距离", "distance"),
    "households_total": ("户数", "households"), "households_covered": ("已覆盖户数", "households covered"),
    "total_gap_m": ("缺口总长（米）", "total gap length (m)"), "gaps": ("缺口段数", "gaps"),
    "lines_checked": ("已检查线路", "lines checked"), "lines_skipped": ("跳过线路", "lines skipped"),
    "lines_unchecked": ("未检查线路", "lines not checked"),
    "checked_length_m": ("检查长度（米）", "length checked (m)"),
    "unchecked_classes": ("无阈值的道路等级", "classes without a threshold"),
    "max_gap_m": ("阈值（米）", "threshold (m)"), "snap_m": ("吸附距离（米）", "snap distance (m)"),
    "source": ("依据", "source"), "preset": ("预设", "preset"),
    "exclude_broken": ("损坏路灯计为缺失", "broken lamps count as missing"), "method": ("方法", "method"),
    "problem": ("问题", "problem"), "status": ("状态", "status"), "coverable": ("可覆盖", "coverable"),
    "uncoverable": ("无法覆盖", "cannot be covered"), "covered_before": ("新增前已覆盖", "covered before"),
    "covered_after": ("新增后已覆盖", "covered after"), "count": ("建议点位数", "sites proposed"),
    "objective": ("目标值", "objective"), "gap_ratio": ("与最优（或界）的差距", "gap to the optimum or bound"),
    "points": ("点数", "points"), "cells": ("网格数", "cells"), "size_m": ("网格大小（米）", "cell size (m)"),
    "cell": ("网格形状", "cell shape"), "classes": ("分类", "classes"), "crs": ("量算坐标系", "metric CRS"),
    "by_class": ("按道路等级", "by road class"), "by_line": ("按道路", "by line"),
    "by_grid": ("按网格", "by grid cell"), "broken_left_out": ("略去的损坏点", "broken points left out"),
    "quality": ("质量", "quality"), "distance_band_m": ("邻域距离（米）", "neighbour distance (m)"),
    "uncoverable_ids": ("无法覆盖的目标", "targets out of reach"),
}  # fmt: skip
_VALUE_LABELS = {"euclidean": ("直线", "straight line"), "network": ("沿街道", "along the streets"),
                 "hex": ("六边形", "hexagons"), "square": ("正方形", "squares"), "greedy": ("贪心", "greedy"),
                 "exact": ("精确（HiGHS）", "exact (HiGHS)"), "optimal": ("已证最优", "proved optimal"),
                 "max_coverage": ("最大覆盖", "maximum coverage"), "set_cover": ("集合覆盖", "set cover")}  # fmt: skip


def _format(key: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
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
    for suffix, (zh, en) in (("_total", ("合计", "total")), ("_covered", ("已覆盖", "covered"))):
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
                rows.append((label, f"{len(value)} 项 items"))
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
        parts.append('<details open><summary>摘要 Summary</summary><table class="webmap-table">')
        parts.extend(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _summary_rows(summary))
        parts.append("</table></details>")
    parts.append("</div>")
    return "\n".join(parts)
