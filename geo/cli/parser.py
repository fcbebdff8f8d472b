"""The ``python -m geo`` command line as argparse definitions: one subcommand per analysis, the options of
each input and output, and bilingual refusals with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import sys

from geo import i18n
from geo.cli.output import say

__all__ = ["ROLES", "build_parser"]

#: What each input is, in Chinese and English, for help and messages.
ROLES = {"facilities": i18n.pair("cli.role.facilities"), "targets": i18n.pair("cli.role.targets"),
         "network": i18n.pair("cli.role.network"), "points": i18n.pair("cli.role.points"),
         "lines": i18n.pair("cli.role.lines"), "candidates": i18n.pair("cli.role.candidates"),
         "grid": i18n.pair("cli.role.grid")}  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse that answers a bad command line with one bilingual line and exit status 2."""

    def error(self, message: str):
        say(sys.stderr, f"{self.prog}: " + " | ".join(i18n.pair("cli.error.bad_argument", message=message)))
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
    group = parser.add_argument_group(i18n.bilingual("cli.group.output"))
    group.add_argument("-o", "--output", required=True, metavar="OUT",
                       help=".geojson/.json (WGS 84), .gpkg[:layer], .shp (UTF-8) or .csv (WKT)")  # fmt: skip
    group.add_argument("--html", metavar="MAP", help="also write a standalone HTML map (no internet needed)")
    group.add_argument("--inline", action="store_true", help="with --html: one self-contained file")
    group.add_argument("--summary", metavar="FILE", help="also write the summary JSON to FILE")
    group.add_argument("--attribution", action="append", default=[], metavar="TEXT", help="data credit on the map")
    defaults = parser.add_argument_group(i18n.bilingual("cli.group.every_input"))
    defaults.add_argument("--x-column", metavar="COLUMN", help="x (longitude) column of every CSV input")
    defaults.add_argument("--y-column", metavar="COLUMN", help="y (latitude) column of every CSV input")
    defaults.add_argument("--crs", metavar="CRS", help="CRS of every input that declares none")


def _coverage_parser(sub) -> None:
    p = sub.add_parser("coverage", help=" ".join(i18n.pair("cli.command.coverage")))
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
    p = sub.add_parser("gaps", help=" ".join(i18n.pair("cli.command.gaps")))
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
    p = sub.add_parser("proposals", help=" ".join(i18n.pair("cli.command.proposals")))
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
    p = sub.add_parser("hotspots", help=" ".join(i18n.pair("cli.command.hotspots")))
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
    parser = _Parser(prog="python -m geo", description=" / ".join(i18n.pair("cli.parser.description")))
    sub = parser.add_subparsers(dest="command", required=True, metavar="{coverage,gaps,proposals,hotspots}",
                                parser_class=_Parser)  # fmt: skip
    for add in (_coverage_parser, _gaps_parser, _proposals_parser, _hotspots_parser):
        add(sub)
    return parser
