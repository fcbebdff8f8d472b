"""Uploaded files into rows for import: GeoJSON, zipped shapefiles, GeoPackage, KML/KMZ, CSV and XLSX with
coordinate, WKT or address columns, and OpenStreetMap extracts. Each reader gives the attributes as read,
the geometry converted to WGS 84 from any EPSG code or from GCJ-02/BD-09, and the problems of each row
(undecodable text, bad numbers, coordinates out of range or swapped, projected values...). Pure: files
come in as bytes (archives already unpacked and checked by the caller); nothing here touches a database.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from geo import chinacoords, i18n
from geo.formats import tables
from geo.formats.charsets import cpg_encoding, decode, has_undecodable
from geo.formats.importchecks import check_ranges, empty_problems, problems
from geo.formats.integrity import shapefile_problem
from geo.formats.osm import UNREADABLE, OsmReadError, read_osm
from geo.formats.reasons import reason
from geo.formats.shapefiles import scan_dbf

__all__ = ["KINDS", "SourceError", "SourceTable", "parse_crs", "read_source"]

KINDS = ("geojson", "csv", "xlsx", "shapefile", "geopackage", "kml", "kmz", "osm_pbf")
CHINESE_SYSTEMS = {"gcj02": i18n.both("formats.crs.gcj02"), "bd09": i18n.both("formats.crs.bd09")}
_WGS84 = pyproj.CRS.from_epsg(4326)


class SourceError(ValueError):
    """A file that cannot be imported at all (as opposed to rows with problems), in Chinese and English."""

    def __init__(self, zh: str, en: str, code: str = "unreadable_file", field: str = "file") -> None:
        super().__init__(en)
        self.zh, self.en, self.code, self.field = zh, en, code, field


@dataclass
class SourceTable:
    """What was read: attributes as read (index 0..n-1), geometry in WGS 84 (None where there is none or
    it was refused), the geometry as read (for refused rows, None for tables), problems and facts."""

    frame: pd.DataFrame
    geometry: np.ndarray
    problems: pd.DataFrame
    info: dict = field(default_factory=dict)
    source_geometry: np.ndarray | None = None


def parse_crs(text: str | None) -> tuple[str | None, pyproj.CRS | None]:
    """``"gcj02"``/``"bd09"`` (a Chinese web-map system, returned as the first item) or any CRS pyproj
    knows (``"EPSG:3857"``, ``"4490"``) as the second; ValueError for anything else.

    >>> parse_crs("GCJ-02"), parse_crs("EPSG:3857")[1].to_epsg(), parse_crs(None)
    (('gcj02', None), 3857, (None, None))
    """
    if text is None or str(text).strip() == "":
        return None, None
    name = str(text).strip().lower().replace("-", "").replace("_", "")
    if name in CHINESE_SYSTEMS:
        return name, None
    if name.isdigit():
        text = f"EPSG:{name}"
    try:
        return None, pyproj.CRS.from_user_input(str(text).strip())
    except pyproj.exceptions.CRSError:
        raise ValueError(f"unknown coordinate system {text!r}: give an EPSG code (e.g. EPSG:4326), gcj02 or bd09") \
            from None


def _read_gdal(path: Path, layer: str | None, encoding: str | None = None) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            kwargs = {"encoding": encoding} if encoding else {}
            return pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except (DataSourceError, DataLayerError, ValueError, RuntimeError) as exc:
        raise SourceError(*i18n.pair("formats.error.unreadable_source", reason=reason(exc))) from None


def _layers(path: Path) -> list[str]:
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, ValueError) as exc:
        raise SourceError(*i18n.pair("formats.error.unreadable_source", reason=reason(exc))) from None


def _choose(names: list[str], layer: str | None, what: dict) -> str:
    if not names:
        raise SourceError(*i18n.pair("formats.error.nothing_in_file", what=what), "empty_file")
    if layer is None:
        return names[0]
    if layer not in names:
        found = {lang: sep.join(names) for lang, sep in i18n.both("formats.word.list_separator").items()}
        raise SourceError(*i18n.pair("formats.error.no_such_part", what=what, layer=repr(layer), found=found),
                          "unknown_layer", "layer")  # fmt: skip
    return layer


def _split(gdf: gpd.GeoDataFrame) -> tuple[pd.DataFrame, np.ndarray, pyproj.CRS | None]:
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)) if isinstance(gdf, gpd.GeoDataFrame) else gdf
    geoms = np.asarray(gdf.geometry.values, dtype=object) if isinstance(gdf, gpd.GeoDataFrame) else \
        np.full(len(gdf), None, dtype=object)  # fmt: skip
    crs = gdf.crs if isinstance(gdf, gpd.GeoDataFrame) else None
    return frame.reset_index(drop=True).astype(object), geoms, crs


# -- readers: each returns (frame, geometry as read, declared CRS, problems, info) ------------------
def _geojson(files: Mapping[str, bytes], opts: dict):
    decoded = decode(next(iter(files.values())))
    try:
        obj = json.loads(decoded.text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(*i18n.pair("formats.error.invalid_geojson", reason=exc), "invalid_json") from None
    kind = obj.get("type") if isinstance(obj, dict) else None
    features = obj.get("features") if kind == "FeatureCollection" else [obj] if kind == "Feature" else None
    if kind not in ("FeatureCollection", "Feature") or not isinstance(features, list):
        raise SourceError(*i18n.pair("formats.error.not_features"), "invalid_geojson")
    crs = None
    name = ((obj.get("crs") or {}).get("properties") or {}).get("name") if isinstance(obj.get("crs"), dict) else None
    if name and "CRS84" not in str(name):
        try:
            crs = pyproj.CRS.from_user_input(name)
        except pyproj.exceptions.CRSError:
            raise SourceError(*i18n.pair("formats.error.unknown_source_crs", crs=repr(name)), "unsupported_crs") \
                from None
    rows, geoms, bad = [], [], []
    for i, feature in enumerate(features):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        rows.append({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                     for k, v in props.items()})  # fmt: skip
        geom, reason = _geojson_geometry(feature.get("geometry"))
        geoms.append(geom)
        if reason:
            bad.append((i, reason))
    frame = pd.DataFrame.from_records(rows, columns=list(dict.fromkeys(k for r in rows for k in r)))
    found = problems([i for i, _ in bad], "invalid_geometry", "geometry", [r for _, r in bad])
    return frame, np.array(geoms, dtype=object), crs, found, {"encoding": decoded.encoding}


def _geojson_geometry(geometry) -> tuple[object, str | None]:
    if geometry is None:
        return None, None
    if not isinstance(geometry, dict):
        return None, "a geometry must be a GeoJSON object"
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    rings = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in rings if isinstance(rings, list) else []:
        for ring in polygon if isinstance(polygon, list) else []:
            if isinstance(ring, list) and len(ring) >= 2 and ring[0] != ring[-1]:
                return None, "the first and last positions of a ring must be the same"
    try:
        return shapely.geometry.shape(geometry), None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError) as exc:
        return None, f"not a valid {kind or 'geometry'}: {exc}"


def _on_disk(files: Mapping[str, bytes], workdir: Path) -> dict[str, Path]:
    """Write the (already checked) members into ``workdir`` under their own relative names."""
    out = {}
    for name, data in files.items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out[name] = path
    return out


def _shapefile(files: Mapping[str, bytes], opts: dict, workdir: Path):
    paths = _on_disk(files, workdir)
    shps = sorted(n for n in paths if n.lower().endswith(".shp"))
    stems = {n[:-4]: n for n in shps}
    stem = _choose(list(stems), opts.get("layer"), i18n.both("formats.part.shapefile_layer"))
    parts = {n[len(stem):].lower(): n for n in paths if n[: len(stem)] == stem and "." not in n[len(stem) + 1:]}
    dbf = files.get(parts.get(".dbf", ""), b"")
    if broken := shapefile_problem(files[stems[stem]], files.get(parts.get(".shx", "")), dbf or None):
        raise SourceError(*i18n.pair("formats.error.unreadable_source", reason=broken))
    cpg_text = files[parts[".cpg"]].decode("ascii", "replace") if ".cpg" in parts else None
    declared = cpg_encoding(cpg_text) if cpg_text is not None else None
    scan = scan_dbf(dbf, declared)
    if scan.undecodable:  # GDAL would fail or replace them: it reads the fields blanked, the scan names them
        paths[parts[".dbf"]].write_bytes(scan.cleaned)
    gdf = _read_gdal(paths[stems[stem]], None, scan.encoding)
    frame, geoms, crs = _split(gdf)
    bad_rows, bad_fields, raw = [], [], []
    for row, fields in scan.undecodable.items():
        for name, value in fields.items():
            bad_rows.append(row)
            bad_fields.append(name)
            raw.append(value)
            if row < len(frame) and name in frame.columns:
                frame.at[row, name] = value
    found = problems(bad_rows, "undecodable_text", "", [
        f"bytes that are not {scan.encoding} text in {f!r}" for f in bad_fields])  # fmt: skip
    found["field"] = bad_fields
    info = {"encoding": scan.encoding, "encoding_source": "cpg" if declared else "detected", "layers": list(stems),
            "layer": stem, "cpg": cpg_text.strip() if cpg_text else None}  # fmt: skip
    return frame, geoms, crs, found, info


def _gdal_file(files: Mapping[str, bytes], opts: dict, workdir: Path, suffix: str, what: dict):
    path = workdir / f"upload{suffix}"
    path.write_bytes(next(iter(files.values())))
    names = _layers(path)
    if suffix == ".kml" and opts.get("layer") is None and len(names) > 1:
        parts = []
        for name in names:
            gdf = _read_gdal(path, name)
            gdf.insert(0, "folder", name)
            parts.append(gdf)
        gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
        chosen = None
    else:
        chosen = _choose(names, opts.get("layer"), what)
        gdf = _read_gdal(path, chosen)
    frame, geoms, crs = _split(gdf)
    return frame, geoms, crs, empty_problems(), {"layers": names, "layer": chosen}


def _kmz(files: Mapping[str, bytes], opts: dict, workdir: Path):
    roots = sorted((n for n in files if n.lower().endswith(".kml") and "/" not in n),
                   key=lambda n: (n.lower() != "doc.kml", n))  # fmt: skip
    if not roots:
        raise SourceError(*i18n.pair("formats.error.kmz_without_kml"), "empty_file")
    return _gdal_file({roots[0]: files[roots[0]]}, opts, workdir, ".kml", i18n.both("formats.part.kml_folder"))


def _table(files: Mapping[str, bytes], opts: dict, kind: str):
    data = next(iter(files.values()))
    try:
        if kind == "csv":
            frame, info, ragged = tables.read_csv(data)
        else:
            (frame, info), ragged = tables.read_xlsx(data, opts.get("sheet")), []
    except tables.TableError as exc:
        raise SourceError(exc.zh, exc.en, exc.code, "sheet" if exc.code == "unknown_sheet" else "file") from None
    found = [problems([r for r, _ in ragged], "wrong_field_count", "", [
        f"{n} fields; the header has {frame.shape[1]}" for _, n in ragged])]  # fmt: skip
    if info.get("undecodable_bytes"):
        for column in frame.columns:
            hit = np.flatnonzero(frame[column].map(has_undecodable).to_numpy(bool))
            found.append(problems(hit, "undecodable_text", column, f"bytes that are not {info['encoding']} text"))
    geoms, columns = _table_geometry(frame, opts, found)
    info["geometry_columns"] = columns
    return frame, geoms, None, pd.concat(found, ignore_index=True), info


def _table_geometry(frame: pd.DataFrame, opts: dict, found: list) -> tuple[np.ndarray, dict]:
    """Points from x/y columns or geometries from a WKT column (the names given, else recognised)."""
    x, y, wkt = opts.get("x_column"), opts.get("y_column"), opts.get("wkt_column")
    for name, option in ((x, "x_column"), (y, "y_column"), (wkt, "wkt_column")):
        if name is not None and name not in frame.columns:
            raise SourceError(*i18n.pair("formats.error.no_column", column=repr(name)), "unknown_column", option)
    if x is None and y is None and wkt is None:
        pair = tables.find_coordinate_columns(frame.columns)
        wkt = tables.find_column(frame.columns, tables.WKT_NAMES) if pair is None else None
        x, y = pair if pair else (None, None)
    geoms = np.full(len(frame), None, dtype=object)
    if x is not None and y is not None:
        xs, bad_x = tables.parse_numbers(frame[x])
        ys, bad_y = tables.parse_numbers(frame[y])
        for bad, column in ((bad_x, x), (bad_y, y)):
            rows = np.flatnonzero(bad)
            found.append(problems(rows, "invalid_number", column, [
                f"{str(frame[column].iat[i])[:40]!r} is not a number" for i in rows]))  # fmt: skip
        both = np.isfinite(xs) & np.isfinite(ys)
        geoms[both] = shapely.points(xs[both], ys[both])
        half = np.flatnonzero(np.isfinite(xs) ^ np.isfinite(ys) & ~(bad_x | bad_y))
        found.append(problems(half, "empty_geometry", f"{x}/{y}", "only one of the two coordinates is given"))
    elif wkt is not None:
        text = frame[wkt].map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
        with np.errstate(all="ignore"):
            parsed = shapely.from_wkt(text.to_numpy(object), on_invalid="ignore")
        bad = np.flatnonzero(text.notna().to_numpy() & shapely.is_missing(parsed))
        found.append(problems(bad, "invalid_geometry", wkt, "not valid WKT"))
        geoms = np.asarray(parsed, dtype=object)
    return geoms, {"x": x, "y": y, "wkt": wkt}


def _osm(files: Mapping[str, bytes], opts: dict, workdir: Path):
    target = opts.get("osm_target")
    path = workdir / "upload.osm.pbf"
    path.write_bytes(next(iter(files.values())))
    try:
        gdf = read_osm(str(path), target)
    except OsmReadError as exc:
        raise SourceError(*i18n.pair("formats.error.unreadable_source", reason=reason(exc))) from None
    except ValueError as exc:
        raise SourceError(*i18n.pair("formats.error.osm_target", reason=exc), "unsupported_target", "layer") from None
    unreadable = gdf.pop(UNREADABLE).to_numpy(bool) if UNREADABLE in gdf.columns else np.zeros(len(gdf), bool)
    frame, geoms, crs = _split(gdf)
    rows = np.flatnonzero(unreadable)
    found = problems(rows, "invalid_geometry", "geometry", [
        f"OSM {gdf['osm_id'].iloc[i]}: a ring with too few positions (GEOS cannot read it)" for i in rows])
    return frame, geoms, crs, found, {"osm_target": target, "attribution": "© OpenStreetMap contributors"}


# -- coordinates --------------------------------------------------------------------------------------
def _to_wgs84(geoms: np.ndarray, system: str | None, crs: pyproj.CRS) -> np.ndarray:
    out = geoms.copy()
    idx = np.flatnonzero(~shapely.is_missing(geoms))
    if not len(idx):
        return out
    if system is not None:
        def convert(xy):
            lon, lat = chinacoords.convert(xy[:, 0], xy[:, 1], system, "wgs84")
            return np.column_stack([np.atleast_1d(lon), np.atleast_1d(lat)])
    elif crs.equals(_WGS84):
        return out
    else:
        transformer = pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True)

        def convert(xy):
            return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1], errcheck=False))
    out[idx] = shapely.transform(shapely.force_2d(geoms[idx]), convert)
    return out


def _coordinates(geoms: np.ndarray, declared: pyproj.CRS | None, opts: dict, info: dict):
    """Projected sources to degrees, range checks on the degrees, then WGS 84: (geometry, problems)."""
    try:
        system, chosen = parse_crs(opts.get("crs"))
    except ValueError:
        raise SourceError(*i18n.pair("formats.error.unknown_import_crs", crs=repr(opts.get("crs"))), "unknown_crs",
                          "crs") from None  # fmt: skip
    crs = chosen or declared or _WGS84
    info["crs_declared"] = declared.to_string() if declared is not None else None
    info["crs"] = system or crs.to_string()
    info["crs_assumed"] = system is None and chosen is None and declared is None
    found = [empty_problems()]
    if not crs.is_geographic:  # to degrees first; a projection fails (inf) far outside its area of use
        geoms = _to_wgs84(geoms, None, crs)
        present = np.flatnonzero(~shapely.is_missing(geoms))
        rows = present[~np.isfinite(shapely.bounds(geoms[present])).all(axis=1)]
        found.append(problems(rows, "coordinates_out_of_range", "geometry",
                              f"cannot be converted from {crs.to_string()}"))  # fmt: skip
        geoms[rows] = None
        crs = _WGS84
    ranged, ok = check_ranges(geoms)
    found.append(ranged)
    kept = np.where(ok, geoms, None)
    out = _to_wgs84(kept, system, crs)
    return out, pd.concat(found, ignore_index=True)


def read_source(kind: str, files: Mapping[str, bytes], **options) -> SourceTable:
    """Read an upload of ``kind`` (one of :data:`KINDS`).

    Parameters
    ----------
    kind : str
        What the file is (from its bytes, see ``layers.uploads``): ``geojson``, ``csv``, ``xlsx``,
        ``shapefile``, ``geopackage``, ``kml``, ``kmz`` or ``osm_pbf``.
    files : mapping of str to bytes
        The file (one item) or an archive's members (checked and unpacked by the caller).
    **options
        ``crs`` (an EPSG code or any pyproj CRS, ``gcj02``, ``bd09``: the source system, overriding what the
        file declares), ``layer`` (GeoPackage/KML/shapefile layer), ``sheet`` (XLSX), ``x_column``,
        ``y_column``, ``wkt_column`` (tables), ``osm_target`` (the layer an OSM extract fills).

    Returns
    -------
    SourceTable
    """
    if kind not in KINDS:
        raise SourceError(*i18n.pair("formats.error.unsupported_kind", kind=repr(kind)), "unsupported_format")
    if not files:
        raise SourceError(*i18n.pair("formats.error.no_file"), "empty_file")
    with tempfile.TemporaryDirectory(prefix="cw-import-") as tmp:
        work = Path(tmp)
        if kind == "geojson":
            frame, geoms, crs, found, info = _geojson(files, options)
        elif kind in ("csv", "xlsx"):
            frame, geoms, crs, found, info = _table(files, options, kind)
        elif kind in ("geopackage", "kml"):
            gpkg = kind == "geopackage"
            what = i18n.both("formats.part.layer" if gpkg else "formats.part.kml_folder")
            frame, geoms, crs, found, info = _gdal_file(files, options, work, ".gpkg" if gpkg else ".kml", what)
        else:
            reader = {"shapefile": _shapefile, "kmz": _kmz, "osm_pbf": _osm}[kind]
            frame, geoms, crs, found, info = reader(files, options, work)
    info["format"] = kind
    info["rows"] = len(frame)
    wgs84, ranged = _coordinates(geoms, crs, options, info)
    source = None if kind in ("csv", "xlsx") else geoms
    return SourceTable(frame.reset_index(drop=True), wgs84, pd.concat([found, ranged], ignore_index=True), info,
                       source)  # fmt: skip
