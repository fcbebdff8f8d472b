"""The analyses on files, without the server: ``python -m geo coverage|gaps|proposals|hotspots ...``.

Reads any vector file GDAL opens (``geo.layerio``), runs the pure functions of ``geo/``, writes the result
by extension, optionally a standalone HTML map (``geo.webmap``), and prints the summary as JSON.  Exit
status 0 when done, 2 for a bad argument or input, with one line on stderr in Chinese and English.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

from geo.layerio import OUTPUT_FORMATS, LayerFileError, read_layer, split_layer, write_layer

__all__ = ["ROLES", "build_parser", "main"]

OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
_OSM_SUFFIXES = (".pbf", ".osm")
_TABLE_SUFFIXES = (".csv", ".tsv")
#: What each input is, in Chinese and English, for help and messages.
ROLES = {"facilities": ("设施", "facilities: bins, toilets, collection points"),
         "targets": ("目标", "targets: households, buildings"),
         "network": ("街道网", "street lines"), "points": ("点", "points: lamps, bins, cases"),
         "lines": ("道路", "road lines"), "candidates": ("候选点", "candidate sites"),
         "grid": ("单元网格", "grid cells")}  # fmt: skip


class CliError(Exception):
    """A bad argument found after parsing, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class _Parser(argparse.ArgumentParser):
    """argparse that answers a bad command line with one bilingual line and exit status 2."""

    def error(self, message: str):
        _say(sys.stderr, f"{self.prog}: 错误：命令行参数无效（{message}） | error: {message}")
        raise SystemExit(2)


def _number(low: float, *, strict: bool = True, integer: bool = False):
    """An argparse type for a finite number above ``low`` (or at least ``low`` when not strict)."""

    def parse(text: str):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if integer else ' number'}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text!r} must be {'>' if strict else '>='} {low:g}")
        return value

    return parse


def _add_input(parser: argparse.ArgumentParser, role: str, *, required: bool, xy: bool = True) -> None:
    zh, en = ROLES[role]
    flag = f"--{role}"
    group = parser.add_argument_group(f"{zh} / {en}")
    group.add_argument(flag, required=required, metavar="FILE",
                       help=f"{zh}: any file GDAL reads; FILE.gpkg:LAYER names a layer")  # fmt: skip
    group.add_argument(f"{flag}-layer", metavar="LAYER", help="layer of a multi-layer source (OSM PBF: points, "
                       "lines, multipolygons)")  # fmt: skip
    group.add_argument(f"{flag}-where", metavar="SQL", help="OGR SQL attribute filter, e.g. \"highway IS NOT NULL\"")
    if xy:
        group.add_argument(f"{flag}-x-column", metavar="COLUMN", help="CSV: the x (longitude) column")
        group.add_argument(f"{flag}-y-column", metavar="COLUMN", help="CSV: the y (latitude) column")
    group.add_argument(f"{flag}-crs", metavar="CRS", help="CRS of a file that declares none (e.g. EPSG:4326)")


def _add_common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("输出 / output")
    group.add_argument("-o", "--output", required=True, metavar="OUT",
                       help=".geojson/.json (WGS 84), .gpkg[:layer], .shp (UTF-8) or .csv (WKT)")  # fmt: skip
    group.add_argument("--html", metavar="MAP", help="also write a standalone HTML map (no internet needed)")
    group.add_argument("--inline", action="store_true", help="with --html: one self-contained file")
    group.add_argument("--summary", metavar="FILE", help="also write the summary JSON to FILE")
    group.add_argument("--attribution", action="append", default=[], metavar="TEXT", help="data credit on the map")
    defaults = parser.add_argument_group("所有输入 / every input")
    defaults.add_argument("--x-column", metavar="COLUMN", help="x (longitude) column of every CSV input")
    defaults.add_argument("--y-column", metavar="COLUMN", help="y (latitude) column of every CSV input")
    defaults.add_argument("--crs", metavar="CRS", help="CRS of every input that declares none")


def _coverage_parser(sub) -> None:
    p = sub.add_parser("coverage", help="覆盖分析 which targets have a facility within a radius")
    _add_input(p, "facilities", required=True)
    _add_input(p, "targets", required=True)
    _add_input(p, "network", required=False, xy=False)
    _add_input(p, "grid", required=False, xy=False)
    p.add_argument("--radius-m", type=_number(0), required=True, help="service radius in metres")
    p.add_argument("--metric", choices=("euclidean", "network"), default="euclidean")
    p.add_argument("--max-snap-m", type=_number(0, strict=False), help="network: farther from a street = unreachable")
    p.add_argument("--id-column", help="facility column reported as nearest_id (default: id, else osm_id, else "
                   "the row number)")
    p.add_argument("--weight-column", default="households", help="numeric target column summed (default households)")
    p.add_argument("--grid-code-column", default="code")
    _add_common(p)


def _gaps_parser(sub) -> None:
    p = sub.add_parser("gaps", help="缺口分析 stretches of road with no lamp or bin")
    _add_input(p, "points", required=True)
    _add_input(p, "lines", required=True, xy=False)
    _add_input(p, "grid", required=False, xy=False)
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--max-gap-m", type=_number(0), help="one threshold in metres for every line")
    how.add_argument("--preset", choices=("lamps", "bins"), help="thresholds per road class: CJJ 45 or CJJ 27")
    p.add_argument("--snap-m", type=_number(0, strict=False), default=15.0, help="point-to-line distance (m)")
    p.add_argument("--snap-edge-m", type=_number(0), default=5.0,
                   help="a line with a width counts points this far beyond its edge (m)")
    p.add_argument("--no-width-snap", action="store_true", help="ignore line widths: --snap-m for every line")
    p.add_argument("--width-column", default="width_m", help="line width column (m)")
    p.add_argument("--pole-height-m", type=_number(0), default=8.0, help="lamps: pole height H (m)")
    p.add_argument("--distribution", choices=("cutoff", "semi_cutoff", "non_cutoff"), default="semi_cutoff")
    p.add_argument("--include-broken", action="store_true", help="count broken points too (default: as missing)")
    p.add_argument("--status-column", default="status")
    p.add_argument("--class-column", default="class", help="road class column of the lines")
    p.add_argument("--id-column", default="id")
    p.add_argument("--name-column", default="name")
    p.add_argument("--grid-code-column", default="code")
    _add_common(p)


def _proposals_parser(sub) -> None:
    p = sub.add_parser("proposals", help="选址 where new facilities cover the most targets")
    _add_input(p, "targets", required=True)
    _add_input(p, "facilities", required=False)
    _add_input(p, "candidates", required=False)
    _add_input(p, "network", required=False, xy=False)
    p.add_argument("--radius-m", type=_number(0), required=True)
    p.add_argument("--count", type=_number(1, strict=False, integer=True),
                   help="sites to add (omit: the fewest that cover every coverable target)")  # fmt: skip
    p.add_argument("--spacing-m", type=_number(0), default=25.0, help="candidates every N m along --network")
    p.add_argument("--metric", choices=("euclidean", "network"), default="euclidean")
    p.add_argument("--method", choices=("auto", "greedy", "exact"), default="auto")
    p.add_argument("--time-limit-s", type=_number(0), default=10.0, help="exact: HiGHS time limit")
    p.add_argument("--weight-column", default="households")
    _add_common(p)


def _hotspots_parser(sub) -> None:
    p = sub.add_parser("hotspots", help="热点 Getis-Ord Gi* hot and cold spots on a grid")
    _add_input(p, "points", required=True)
    p.add_argument("--cell", choices=("hex", "square"), default="hex")
    p.add_argument("--size-m", type=_number(0), default=100.0, help="distance between cell centres (m)")
    p.add_argument("--distance-band-m", type=_number(0), help="neighbour distance (default 1.5 x size)")
    p.add_argument("--weight-column", help="sum this column instead of counting points")
    p.add_argument("--category", help="only points of this category")
    p.add_argument("--category-column", default="category")
    _add_common(p)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m geo`` command line."""
    parser = _Parser(prog="python -m geo", description="创卫地图分析（文件进，文件出） / Hygiene Blackspot Map "
                     "analyses on files. Exit status: 0 done, 2 bad argument or input.")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="{coverage,gaps,proposals,hotspots}",
                                parser_class=_Parser)  # fmt: skip
    for add in (_coverage_parser, _gaps_parser, _proposals_parser, _hotspots_parser):
        add(sub)
    return parser


# -- running -------------------------------------------------------------------------------------------------
class _Inputs:
    """Reads the inputs named on the command line and remembers what was read, for the summary."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args, self.info, self.credits = args, {}, list(args.attribution)

    def read(self, role: str) -> gpd.GeoDataFrame | None:
        """The input given as ``--<role>`` (None when not given), read with its own options."""
        a = self.args
        path = getattr(a, role, None)
        if path is None:
            return None
        is_table = Path(path).suffix.lower() in _TABLE_SUFFIXES
        x = getattr(a, f"{role}_x_column", None) or (a.x_column if is_table else None)
        y = getattr(a, f"{role}_y_column", None) or (a.y_column if is_table else None)
        try:
            gdf, dropped = read_layer(path, layer=getattr(a, f"{role}_layer"), where=getattr(a, f"{role}_where"),
                                      x_column=x, y_column=y, crs=getattr(a, f"{role}_crs"), default_crs=a.crs)
        except LayerFileError as exc:  # name this input's own options
            raise CliError(exc.zh.replace("--…-", f"--{role}-"), exc.en.replace("--…-", f"--{role}-")) from None
        if dropped:
            _say(sys.stderr, f"注意：{path} 有 {dropped} 行没有几何，已略过 | note: {dropped} rows of {path} have no "
                 "geometry and were left out")  # fmt: skip
        if Path(path).suffix.lower() in _OSM_SUFFIXES and OSM_CREDIT not in self.credits:
            self.credits.append(OSM_CREDIT)
        self.info[role] = {"path": path, "layer": getattr(a, f"{role}_layer"), "where": getattr(a, f"{role}_where"),
                           "features": len(gdf), "dropped": dropped, "crs": gdf.crs.to_string()}  # fmt: skip
        return gdf


def _coverage(args: argparse.Namespace, inputs: _Inputs):
    if args.metric == "network" and args.network is None:
        raise CliError("--metric network 需要 --network（街道线）", "--metric network needs --network (street lines)")
    if args.max_snap_m is not None and args.metric != "network":
        raise CliError("--max-snap-m 只用于 --metric network", "--max-snap-m applies to --metric network only")
    facilities, targets = inputs.read("facilities"), inputs.read("targets")
    lines, grid = inputs.read("network"), inputs.read("grid")
    from geo.coverage import coverage, service_areas  # after the inputs: a bad one is refused sooner
    from geo.network import StreetNetwork, metric_crs_for_frames
    network = None
    if args.metric == "network":
        network = StreetNetwork.from_lines(lines, crs=metric_crs_for_frames(lines, facilities, targets))
    id_column = args.id_column or next((c for c in ("id", "osm_id") if c in facilities.columns), None)
    result, summary = coverage(facilities, targets, args.radius_m, metric=args.metric, network=network,
                               id_column=id_column, weight_column=args.weight_column, grid_gdf=grid,
                               grid_code_column=args.grid_code_column, max_snap_m=args.max_snap_m)  # fmt: skip
    layers = []
    if args.html:
        areas = service_areas(facilities, args.radius_m, metric=args.metric, network=network,
                              max_snap_m=args.max_snap_m)  # fmt: skip
        layers += _grid_layer(args, grid)
        if lines is not None:
            layers.append((("街道", "streets"), lines, "lines"))
        layers += [(("服务范围", "service areas"), areas, "service_areas"),
                   (("覆盖结果", "coverage"), result, "coverage"),
                   (("设施", "facilities"), facilities, "facilities")]  # fmt: skip
    return result, summary, layers


def _grid_layer(args: argparse.Namespace, grid: gpd.GeoDataFrame | None) -> list[tuple]:
    if grid is None:
        return []
    style = {"preset": "areas", "fill_opacity": 0.04, "label": ("单元网格", "grid cell"), "fit": False,
             "tooltip": args.grid_code_column}  # fmt: skip
    return [(("单元网格", "grid cells"), grid, style)]


def _gap_thresholds(args: argparse.Namespace, lines: gpd.GeoDataFrame) -> tuple[object, dict]:
    from geo import gaps

    if args.preset is None:
        return args.max_gap_m, {"preset": None}
    if args.class_column not in lines.columns:
        raise CliError(f"道路没有等级列 {args.class_column!r}：预设按道路等级给阈值；请用 --class-column 指定，"
                       "或改用 --max-gap-m", f"the lines have no road class column {args.class_column!r}: presets "
                       "give a threshold per road class; name it with --class-column or give --max-gap-m")  # fmt: skip
    if args.preset == "lamps":
        preset = gaps.lamp_gap_thresholds(args.pole_height_m, args.distribution)
    else:
        preset = gaps.bin_gap_thresholds()
    return preset["thresholds"], {"preset": args.preset, "source": preset["source"]}


def _gaps(args: argparse.Namespace, inputs: _Inputs):
    from geo import gaps

    points, lines, grid = inputs.read("points"), inputs.read("lines"), inputs.read("grid")
    thresholds, extra = _gap_thresholds(args, lines)
    broken = 0
    if not args.include_broken and args.status_column in points.columns:
        working = gaps.working_points(points, args.status_column)
        broken, points = len(points) - len(working), working
    edge = None if args.no_width_snap else args.snap_edge_m
    result, summary = gaps.line_gaps(points, lines, thresholds, snap_m=args.snap_m, snap_edge_m=edge,
                                     width_column=args.width_column, class_column=args.class_column,
                                     id_column=args.id_column, name_column=args.name_column, grid_gdf=grid,
                                     grid_code_column=args.grid_code_column)  # fmt: skip
    summary.update(extra, exclude_broken=not args.include_broken, broken_left_out=broken)
    if summary["lines_checked"] == 0:
        _say(sys.stderr, f"注意：没有检查任何道路（无阈值的等级：{summary['unchecked_classes']}） | note: no line "
             f"was checked (classes without a threshold: {summary['unchecked_classes']})")  # fmt: skip
    layers = [*_grid_layer(args, grid), (("道路", "roads"), lines, {"preset": "lines", "tooltip": args.name_column}),
              (("缺口", "gaps"), result, {"preset": "gaps", "tooltip": "line_name"}),
              (("点", "points"), points, {"preset": "points", "fit": False})]  # fmt: skip
    return result, summary, layers


def _proposals(args: argparse.Namespace, inputs: _Inputs):
    from geo import siting
    from geo.network import StreetNetwork

    targets, existing = inputs.read("targets"), inputs.read("facilities")
    pool, lines = inputs.read("candidates"), inputs.read("network")
    if pool is None and lines is None:
        raise CliError("需要 --candidates（候选点），或 --network（沿街每隔 --spacing-m 米取候选点）",
                       "give --candidates, or --network to place candidates every --spacing-m metres")  # fmt: skip
    if args.metric == "network" and lines is None:
        raise CliError("--metric network 需要 --network（街道线）", "--metric network needs --network (street lines)")
    if pool is None:
        pool = siting.candidates_along(lines, args.spacing_m)
    network = StreetNetwork.from_lines(lines) if args.metric == "network" else None
    result, summary = siting.propose_sites(targets, pool, args.radius_m, count=args.count, existing_gdf=existing,
                                           metric=args.metric, network=network, weight_column=args.weight_column,
                                           method=args.method, time_limit_s=args.time_limit_s)  # fmt: skip
    layers = [(("目标", "targets"), targets, "targets")]
    if existing is not None:
        layers.append((("现有设施", "existing facilities"), existing, "facilities"))
    layers.append((("建议点位", "proposed sites"), result, "proposals"))
    return result, summary, layers


def _hotspots(args: argparse.Namespace, inputs: _Inputs):
    from geo import hotspots

    points = inputs.read("points")
    if args.category is not None:
        if args.category_column not in points.columns:
            raise CliError(f"点图层没有分类列 {args.category_column!r}",
                           f"the points have no category column {args.category_column!r}")  # fmt: skip
        points = points[points[args.category_column].astype(str) == args.category]
    if points.empty:
        raise CliError("没有可分析的点", "there are no points to analyse")
    cells = hotspots.hotspots(points, cell=args.cell, size_m=args.size_m, distance_band_m=args.distance_band_m,
                              weight_column=args.weight_column)  # fmt: skip
    summary = {"points": len(points), "cells": len(cells), "size_m": args.size_m, "cell": args.cell,
               "distance_band_m": cells.attrs.get("distance_band_m"),
               "classes": {str(k): int(v) for k, v in cells["class"].value_counts().items()}}  # fmt: skip
    return cells, summary, [(("热点", "hot spots (Gi*)"), cells, "hotspots"), (("点", "points"), points, "points")]


_COMMANDS = {"coverage": _coverage, "gaps": _gaps, "proposals": _proposals, "hotspots": _hotspots}
_TITLES = {"coverage": ("覆盖分析", "coverage"), "gaps": ("缺口分析", "gaps"), "proposals": ("选址建议", "proposals"),
           "hotspots": ("热点分析", "hot spots")}  # fmt: skip


# -- output ----------------------------------------------------------------------------------------------------
def _plain(value):
    """The summary as plain JSON: numpy numbers as numbers, NaN as null, anything else odd as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _say(stream, text: str, *, one_line: bool = True) -> None:
    """Text in UTF-8, whatever the locale of the terminal; a message as one line."""
    data = ((" ".join(text.splitlines()) if one_line else text) + "\n").encode("utf-8")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8"))


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse unusable output paths before any work is done."""
    paths = [(args.output, tuple(OUTPUT_FORMATS)), (args.html, (".html", ".htm")), (args.summary, None)]
    for path, suffixes in paths:
        if path is None:
            continue
        target = Path(split_layer(path)[0])
        if suffixes is not None and target.suffix.lower() not in suffixes:
            raise CliError(f"{path} 的扩展名应为 {', '.join(suffixes)} 之一",
                           f"{path} must end in one of {', '.join(suffixes)}")  # fmt: skip
        if not target.parent.is_dir():
            raise CliError(f"输出目录不存在：{target.parent}", f"no such directory: {target.parent}")
    if args.inline and not args.html:
        raise CliError("--inline 需要 --html", "--inline needs --html")


def _run(args: argparse.Namespace) -> dict:
    _check_outputs(args)
    inputs = _Inputs(args)
    result, summary, layers = _COMMANDS[args.command](args, inputs)
    for zh, en in write_layer(result, args.output):
        _say(sys.stderr, f"注意：{zh} | note: {en}")
    summary = {**summary, "inputs": inputs.info, "output": args.output}
    if args.html:
        from geo.webmap import write_map

        summary["html"] = args.html
        shown = {k: v for k, v in summary.items() if k not in ("inputs", "output", "html")}
        write_map(args.html, layers, summary=shown, inline=args.inline, title=_TITLES[args.command],
                  attribution=inputs.credits)  # fmt: skip
    return _plain(summary)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 done, 2 bad argument or input)."""
    args = build_parser().parse_args(argv)
    try:
        summary = _run(args)
        text = json.dumps(summary, ensure_ascii=False, indent=2, allow_nan=False)
        if args.summary:
            try:
                Path(args.summary).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CliError(f"无法写入摘要 {args.summary}：{exc.strerror}",
                               f"cannot write the summary {args.summary}: {exc.strerror}") from None  # fmt: skip
    except (CliError, LayerFileError) as exc:
        _say(sys.stderr, f"python -m geo {args.command}: 错误：{exc.zh} | error: {exc.en}")
        return 2
    except (ValueError, TypeError, pyproj.exceptions.CRSError) as exc:
        _say(sys.stderr, f"python -m geo {args.command}: 错误：输入或参数无效（{exc}） | error: {exc}")
        return 2
    _say(sys.stdout, text, one_line=False)
    return 0
