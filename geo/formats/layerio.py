"""Vector files for the command line: read any layer GDAL knows (a CRS is required, never guessed) and
write results by file extension (WGS 84 GeoJSON, GeoPackage, UTF-8 shapefile, CSV with WKT)."""

from __future__ import annotations

import json
import math
import numbers
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
from pyogrio.errors import DataLayerError, DataSourceError

from geo import i18n
from geo.formats.cells import csv_text_cell

__all__ = ["OUTPUT_FORMATS", "LayerFileError", "read_layer", "shapefile_names", "split_layer", "write_layer"]

#: Output drivers by file extension.
OUTPUT_FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile",
                  ".csv": "CSV"}  # fmt: skip
_TABLE_SUFFIXES = (".csv", ".tsv")  # read with GDAL's CSV driver: points come from x/y columns
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")
_DBF_NAME_BYTES = 10
_WGS84 = pyproj.CRS.from_epsg(4326)


class LayerFileError(ValueError):
    """A file, layer or option that cannot be used, with the reason in Chinese (``zh``) and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def split_layer(path: str) -> tuple[str, str | None]:
    """``"roads.gpkg:streets"`` -> ``("roads.gpkg", "streets")``; a path that exists as given is kept whole.

    Examples
    --------
    >>> split_layer("/no/such/dir/roads.gpkg:streets")
    ('/no/such/dir/roads.gpkg', 'streets')
    >>> split_layer("roads.geojson")
    ('roads.geojson', None)
    """
    text = str(path)
    if Path(text).exists() or ":" not in text:
        return text, None
    head, _, layer = text.rpartition(":")
    if not head or not layer or "/" in layer or "\\" in layer:
        return text, None
    return head, layer


def _choose_layer(path: str, layer: str | None) -> str | None:
    """The layer to read: the one asked for (which must exist), or the only one; several is an error."""
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError) as exc:
        raise LayerFileError(*i18n.pair("formats.error.unreadable_file", path=path, reason=exc)) from None
    if layer is not None:
        if layer not in names:
            raise LayerFileError(*i18n.pair("formats.error.no_such_layer", path=path, layer=repr(layer),
                                            layers=", ".join(names)))  # fmt: skip
        return layer
    if len(names) > 1:
        raise LayerFileError(*i18n.pair("formats.error.several_layers", path=path, count=len(names),
                                        layers=", ".join(names)))  # fmt: skip
    return None


def _parse_crs(crs: str | None) -> pyproj.CRS | None:
    if crs is None:
        return None
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise LayerFileError(*i18n.pair("formats.error.unknown_crs", crs=repr(crs))) from None


def _check_crs(gdf: gpd.GeoDataFrame, path: str, crs: str | None, default_crs: str | None) -> gpd.GeoDataFrame:
    given, fallback = _parse_crs(crs), _parse_crs(default_crs)
    if gdf.crs is None and given is None and fallback is not None:
        return gdf.set_crs(fallback)
    if gdf.crs is None and given is None:
        raise LayerFileError(*i18n.pair("formats.error.no_crs", path=path))
    if gdf.crs is None:
        return gdf.set_crs(given)
    if given is not None and not gdf.crs.equals(given):
        raise LayerFileError(*i18n.pair("formats.error.other_crs", path=path, declared=gdf.crs.to_string(), crs=crs))
    return gdf


def read_layer(
    path: str, *, layer: str | None = None, where: str | None = None, x_column: str | None = None,
    y_column: str | None = None, crs: str | None = None, default_crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, int]:
    """Read one layer of any vector source GDAL opens, refusing a layer without a CRS.

    Parameters
    ----------
    path : str
        GeoJSON, GeoPackage, Shapefile (plain or zipped), KML, OSM PBF, CSV...; ``file.gpkg:layer``
        names a layer.
    layer : str, optional
        The layer; required when the source has several (an OSM PBF has points, lines, multipolygons...).
    where : str, optional
        An OGR SQL filter on attributes, e.g. ``"highway IS NOT NULL"``.
    x_column, y_column : str, optional
        CSV only: the columns holding x (longitude) and y (latitude); a UTF-8 byte-order mark is skipped.
    crs : str, optional
        The CRS of a source that declares none (e.g. ``"EPSG:4326"`` for a CSV of lon/lat); a source
        declaring another CRS is refused, not reprojected.
    default_crs : str, optional
        As ``crs``, but a source declaring its own CRS keeps it (one option for several inputs).

    Returns
    -------
    gdf : GeoDataFrame
        The features that have a geometry.
    dropped : int
        How many rows had no (or an empty) geometry and were left out.

    Examples
    --------
    >>> import tempfile
    >>> path = f"{tempfile.mkdtemp()}/bins.csv"
    >>> _ = Path(path).write_text(encoding="utf-8-sig", data="名称,经度,纬度\\n东门,113.3,23.1\\n坏行,,\\n")
    >>> bins, dropped = read_layer(path, x_column="经度", y_column="纬度", crs="EPSG:4326")
    >>> bins["名称"].tolist(), dropped, bins.crs.to_epsg()
    (['东门'], 1, 4326)
    """
    path, named = split_layer(path)
    if named is not None and layer is not None and named != layer:
        raise LayerFileError(*i18n.pair("formats.error.two_layers", first=repr(named), second=repr(layer)))
    layer = layer if layer is not None else named
    if not Path(path).exists():
        raise LayerFileError(*i18n.pair("formats.error.no_such_file", path=path))
    if (x_column is None) != (y_column is None):
        raise LayerFileError(*i18n.pair("formats.error.x_and_y"))
    is_table = Path(path).suffix.lower() in _TABLE_SUFFIXES
    if x_column is not None and not is_table:
        raise LayerFileError(*i18n.pair("formats.error.xy_not_csv", path=path))
    options = {"X_POSSIBLE_NAMES": x_column, "Y_POSSIBLE_NAMES": y_column} if x_column is not None else {}
    chosen = _choose_layer(path, layer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes on odd records; failures still raise
            frame = pyogrio.read_dataframe(path, layer=chosen, where=where, fid_as_index=True, **options)
    except (DataSourceError, DataLayerError, ValueError) as exc:
        raise LayerFileError(*i18n.pair("formats.error.unreadable", path=path, reason=exc)) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        key = "formats.error.no_geometry_csv" if is_table else "formats.error.no_geometry"
        raise LayerFileError(*i18n.pair(key, path=path))
    frame = _check_crs(frame, path, crs, default_crs)
    geoms = frame.geometry
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    if x_column is not None:
        present &= np.isfinite(frame.geometry.x.to_numpy(na_value=np.nan))
    frame = frame[present]
    _check_degrees(frame, path)
    return frame.reset_index(drop=True), int((~present).sum())


def _check_degrees(frame: gpd.GeoDataFrame, path: str) -> None:
    """Refuse longitudes beyond ±180 or latitudes beyond ±90 in a geographic CRS (swapped or mistyped),
    naming the features (their FID), rather than fail later with a less helpful message."""
    if not frame.crs.is_geographic or not len(frame):
        return
    b = frame.geometry.bounds
    bad = ((b["minx"] < -180) | (b["maxx"] > 180) | (b["miny"] < -90) | (b["maxy"] > 90)).to_numpy()
    if bad.any():
        fids = ", ".join(str(f) for f in frame.index[bad][:5]) + (" …" if bad.sum() > 5 else "")
        raise LayerFileError(*i18n.pair("formats.error.out_of_range", path=path, count=bad.sum(), fids=fids))


def shapefile_names(columns: list[str]) -> dict[str, str]:
    """DBF field names for ``columns``: at most 10 bytes of UTF-8, cut between characters, made unique.

    GDAL would cut at the 10th byte, which can split a Chinese character and leave a file that no
    UTF-8 reader opens; only the columns that change are returned.

    Examples
    --------
    >>> shapefile_names(["covered", "distance_m", "nearest_id", "households_total", "households_covered"])
    {'households_total': 'households', 'households_covered': 'household1'}
    >>> shapefile_names(["段、號及其他註明"])
    {'段、號及其他註明': '段、號'}
    """
    taken, renamed = set(), {}
    for column in columns:
        name = _cut_utf8(str(column), _DBF_NAME_BYTES)
        k = 0
        while name.lower() in taken:
            k += 1
            suffix = str(k)
            name = _cut_utf8(str(column), _DBF_NAME_BYTES - len(suffix)) + suffix
        taken.add(name.lower())
        if name != column:
            renamed[column] = name
    return renamed


def _cut_utf8(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _plain_value(value):
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Object columns as one type GDAL can store: integers (nullable), text, or JSON text for lists."""
    out = gdf.copy()
    for column in out.columns:
        if column == out.geometry.name or out[column].dtype != object:
            continue
        values = [None if _missing(v) else _plain_value(v) for v in out[column]]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in present):
            out[column] = pd.array(values, dtype="Int64")
        else:
            if not all(isinstance(v, str) for v in present):
                values = [None if v is None else str(v) for v in values]
            out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def _remove_previous(path: Path, driver: str) -> None:
    if driver == "ESRI Shapefile":
        for suffix in _SHAPEFILE_PARTS:
            path.with_suffix(suffix).unlink(missing_ok=True)
    elif driver != "GPKG":
        path.unlink(missing_ok=True)


def write_layer(gdf: gpd.GeoDataFrame, path: str) -> list[tuple[str, str]]:
    """Write a result by the extension of ``path``, replacing a previous file (or GeoPackage layer).

    ``.geojson``/``.json``: RFC 7946 GeoJSON in WGS 84.  ``.gpkg``: the layer named after ``:layer`` or
    the file.  ``.shp``: UTF-8 with a ``.cpg``; names longer than 10 bytes are cut (a warning says how).
    ``.csv``: WGS 84 geometry as WKT in the first column, UTF-8 with a byte-order mark (for Excel).

    Returns
    -------
    list of (str, str)
        Warnings in Chinese and English.
    """
    target, layer = split_layer(path)
    target_path = Path(target)
    driver = OUTPUT_FORMATS.get(target_path.suffix.lower())
    if driver is None:
        known = ", ".join(OUTPUT_FORMATS)
        suffix = target_path.suffix or i18n.both("formats.word.no_suffix")
        raise LayerFileError(*i18n.pair("formats.error.output_format", suffix=suffix, known=known))
    if layer is not None and driver != "GPKG":
        raise LayerFileError(*i18n.pair("formats.error.layer_needs_gpkg", path=path))
    if not target_path.parent.is_dir():
        raise LayerFileError(*i18n.pair("formats.error.no_directory", directory=target_path.parent))
    out, notes, options = _plain_columns(gdf), [], {}
    if driver in ("GeoJSON", "CSV") and out.crs is not None and not out.crs.equals(_WGS84):
        out = out.to_crs(_WGS84)
    if driver == "GeoJSON":
        options = {"RFC7946": "YES"}
    elif driver == "CSV":
        options = {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"}
        text = [c for c in out.columns if c != out.geometry.name and pd.api.types.is_string_dtype(out[c])]
        out = out.assign(**{c: out[c].map(csv_text_cell) for c in text})  # formula injection, see geo.formats.cells
    elif driver == "ESRI Shapefile":
        renamed = shapefile_names([c for c in out.columns if c != out.geometry.name])
        if renamed:
            out = out.rename(columns=renamed)
            pairs = ", ".join(f"{a} → {b}" for a, b in renamed.items())
            notes.append(i18n.pair("formats.note.shapefile_names", pairs=pairs))
    _remove_previous(target_path, driver)
    encoding = {"encoding": "UTF-8"} if driver == "ESRI Shapefile" else {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            pyogrio.write_dataframe(out, target_path, driver=driver, layer=layer or target_path.stem,
                                    layer_options=options, **encoding)  # fmt: skip
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        raise LayerFileError(*i18n.pair("formats.error.unwritable", path=path, reason=exc)) from None
    notes += [i18n.pair("formats.note.gdal", message=w.message) for w in caught
              if issubclass(w.category, RuntimeWarning)]  # fmt: skip
    if driver == "ESRI Shapefile":
        target_path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")
    return notes
