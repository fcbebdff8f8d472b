"""Running each ``python -m geo`` command: reading the inputs named on the command line, calling the analysis
in ``geo/`` and choosing the layers of its map.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd

from geo import i18n
from geo.cli.output import CliError, say
from geo.formats.layerio import LayerFileError, read_layer

OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
_OSM_SUFFIXES = (".pbf", ".osm")
_TABLE_SUFFIXES = (".csv", ".tsv")


class Inputs:
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
            say(sys.stderr, " | ".join(i18n.pair("cli.note.no_geometry", path=path, count=dropped)))
        if Path(path).suffix.lower() in _OSM_SUFFIXES and OSM_CREDIT not in self.credits:
            self.credits.append(OSM_CREDIT)
        self.info[role] = {"path": path, "layer": getattr(a, f"{role}_layer"), "where": getattr(a, f"{role}_where"),
                           "features": len(gdf), "dropped": dropped, "crs": gdf.crs.to_string()}  # fmt: skip
        return gdf


def _coverage(args: argparse.Namespace, inputs: Inputs):
    if args.metric == "network" and args.network is None:
        raise CliError(*i18n.pair("cli.error.network_needed"))
    if args.max_snap_m is not None and args.metric != "network":
        raise CliError(*i18n.pair("cli.error.max_snap_network_only"))
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
            layers.append((i18n.pair("cli.layer.streets"), lines, "lines"))
        layers += [(i18n.pair("cli.layer.service_areas"), areas, "service_areas"),
                   (i18n.pair("cli.layer.coverage"), result, "coverage"),
                   (i18n.pair("cli.layer.facilities"), facilities, "facilities")]  # fmt: skip
    return result, summary, layers


def _grid_layer(args: argparse.Namespace, grid: gpd.GeoDataFrame | None) -> list[tuple]:
    if grid is None:
        return []
    style = {"preset": "areas", "fill_opacity": 0.04, "label": i18n.pair("cli.layer.grid_cell"), "fit": False,
             "tooltip": args.grid_code_column}  # fmt: skip
    return [(i18n.pair("cli.layer.grid_cells"), grid, style)]


def _gap_thresholds(args: argparse.Namespace, lines: gpd.GeoDataFrame) -> tuple[object, dict]:
    from geo import gaps

    if args.preset is None:
        return args.max_gap_m, {"preset": None}
    if args.class_column not in lines.columns:
        raise CliError(*i18n.pair("cli.error.no_class_column", column=repr(args.class_column)))
    if args.preset == "lamps":
        preset = gaps.lamp_gap_thresholds(args.pole_height_m, args.distribution)
    else:
        preset = gaps.bin_gap_thresholds()
    return preset["thresholds"], {"preset": args.preset, "source": preset["source"]}


def _gaps(args: argparse.Namespace, inputs: Inputs):
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
        say(sys.stderr, " | ".join(i18n.pair("cli.note.nothing_checked", classes=summary["unchecked_classes"])))
    layers = [*_grid_layer(args, grid), (i18n.pair("cli.layer.roads"), lines, {"preset": "lines",
                                                                               "tooltip": args.name_column}),
              (i18n.pair("cli.layer.gaps"), result, {"preset": "gaps", "tooltip": "line_name"}),
              (i18n.pair("cli.layer.points"), points, {"preset": "points", "fit": False})]  # fmt: skip
    return result, summary, layers


def _proposals(args: argparse.Namespace, inputs: Inputs):
    from geo import siting
    from geo.network import StreetNetwork

    targets, existing = inputs.read("targets"), inputs.read("facilities")
    pool, lines = inputs.read("candidates"), inputs.read("network")
    if pool is None and lines is None:
        raise CliError(*i18n.pair("cli.error.no_candidates"))
    if args.metric == "network" and lines is None:
        raise CliError(*i18n.pair("cli.error.network_needed"))
    if pool is None:
        pool = siting.candidates_along(lines, args.spacing_m)
    network = StreetNetwork.from_lines(lines) if args.metric == "network" else None
    result, summary = siting.propose_sites(targets, pool, args.radius_m, count=args.count, existing_gdf=existing,
                                           metric=args.metric, network=network, weight_column=args.weight_column,
                                           method=args.method, time_limit_s=args.time_limit_s)  # fmt: skip
    layers = [(i18n.pair("cli.layer.targets"), targets, "targets")]
    if existing is not None:
        layers.append((i18n.pair("cli.layer.existing"), existing, "facilities"))
    layers.append((i18n.pair("cli.layer.proposed"), result, "proposals"))
    return result, summary, layers


def _hotspots(args: argparse.Namespace, inputs: Inputs):
    from geo import hotspots

    points = inputs.read("points")
    if args.category is not None:
        if args.category_column not in points.columns:
            raise CliError(*i18n.pair("cli.error.no_category_column", column=repr(args.category_column)))
        points = points[points[args.category_column].astype(str) == args.category]
    if points.empty:
        raise CliError(*i18n.pair("cli.error.no_points"))
    cells = hotspots.hotspots(points, cell=args.cell, size_m=args.size_m, distance_band_m=args.distance_band_m,
                              weight_column=args.weight_column)  # fmt: skip
    summary = {"points": len(points), "cells": len(cells), "size_m": args.size_m, "cell": args.cell,
               "distance_band_m": cells.attrs.get("distance_band_m"),
               "classes": {str(k): int(v) for k, v in cells["class"].value_counts().items()}}  # fmt: skip
    return cells, summary, [(i18n.pair("cli.layer.hotspots"), cells, "hotspots"),
                            (i18n.pair("cli.layer.points"), points, "points")]


COMMANDS = {"coverage": _coverage, "gaps": _gaps, "proposals": _proposals, "hotspots": _hotspots}
TITLES = {"coverage": i18n.pair("cli.title.coverage"), "gaps": i18n.pair("cli.title.gaps"),
           "proposals": i18n.pair("cli.title.proposals"), "hotspots": i18n.pair("cli.title.hotspots")}  # fmt: skip
