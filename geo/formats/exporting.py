"""A layer (a GeoDataFrame in WGS 84 with typed columns) as a downloadable file: GeoJSON, GeoPackage, zipped
shapefile (UTF-8 with a ``.cpg``), KML, CSV (WKT geometry) or XLSX. Chinese text survives each of them;
every file is built in memory or a temporary folder and handed back as bytes, whole or not at all."""

from __future__ import annotations

import io
import json
import math
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.formats.cells import csv_text_cell, starts_like_formula
from geo.formats.layerio import write_layer

__all__ = ["EXPORT_FORMATS", "XLSX_CELL_LIMIT", "export_layer"]

#: format -> (media type, file extension)
EXPORT_FORMATS = {
    "geojson": ("application/geo+json", ".geojson"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", ".zip"),
    "kml": ("application/vnd.google-earth.kml+xml", ".kml"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
XLSX_CELL_LIMIT = 32_767  # characters in one spreadsheet cell


def _value(value):
    """A JSON/spreadsheet-ready value: numpy scalars as Python, missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[list]:
    columns = [frame[c].astype(object).tolist() for c in frame.columns]
    return [[_value(v) for v in row] for row in zip(*columns)] if columns else [[] for _ in range(len(frame))]


def _attributes(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name))


def _geojson(gdf: gpd.GeoDataFrame, name: str) -> bytes:
    attrs = _attributes(gdf)
    ids = attrs.pop("id").tolist() if "id" in attrs.columns else [None] * len(attrs)
    columns = list(attrs.columns)
    geoms = shapely.to_geojson(np.asarray(gdf.geometry.values, dtype=object))
    parts = []
    for fid, geom, row in zip(ids, geoms, _records(attrs)):
        props = json.dumps(dict(zip(columns, row)), ensure_ascii=False, allow_nan=False)
        ident = json.dumps(_value(fid))
        parts.append(f'{{"type":"Feature","id":{ident},"geometry":{geom or "null"},"properties":{props}}}')
    head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
    return (head + ',"features":[' + ",".join(parts) + "]}").encode("utf-8")


def _gdal_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nullable booleans as 0/1 integers (GDAL has no nullable boolean column)."""
    out = gdf.copy()
    for column in out.columns:
        if column != out.geometry.name and str(out[column].dtype) == "boolean":
            out[column] = out[column].astype("Int64")
    return out


def _via_file(gdf: gpd.GeoDataFrame, driver: str, suffix: str, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="cw-export-") as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(_gdal_ready(gdf), path, driver=driver, layer=name)
        return path.read_bytes()


def _shapefile(gdf: gpd.GeoDataFrame, name: str) -> tuple[bytes, list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="cw-export-") as tmp:
        notes = write_layer(_gdal_ready(gdf), str(Path(tmp) / f"{name}.shp"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
        return buffer.getvalue(), notes


def _table(gdf: gpd.GeoDataFrame) -> tuple[list[str], list[list]]:
    """Header and rows for CSV/XLSX: WKT first, lon/lat for point layers, then the attributes."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    wkt = shapely.to_wkt(geoms, rounding_precision=-1, trim=True)
    attrs = _attributes(gdf)
    header, front = ["WKT"], [list(wkt)]
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) and bool(np.all(shapely.get_type_id(present) == 0)):
        header += ["lon", "lat"]
        front += [list(shapely.get_x(geoms)), list(shapely.get_y(geoms))]
    rows = [[_value(w), *(_value(v) for v in extra), *row]
            for w, *extra, row in zip(*front, _records(attrs))]  # fmt: skip
    return header + [str(c) for c in attrs.columns], rows


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(csv_text_cell(value))


def _csv(gdf: gpd.GeoDataFrame) -> bytes:
    import csv

    header, rows = _table(gdf)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(v) for v in header])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value):
    if not starts_like_formula(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl would store text starting with "=" as a live formula
    return cell


def _xlsx(gdf: gpd.GeoDataFrame, name: str) -> bytes:
    from openpyxl import Workbook

    header, rows = _table(gdf)
    for i, row in enumerate(rows):  # before the workbook exists: a write-only sheet cannot be abandoned
        for value in row:
            if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
                raise ValueError(f"row {i + 1}: a value of {len(value)} characters does not fit in a spreadsheet "
                                 f"cell (at most {XLSX_CELL_LIMIT}); export as GeoPackage or GeoJSON instead")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31] or "layer")
    sheet.append([_xlsx_cell(sheet, v) for v in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_layer(gdf: gpd.GeoDataFrame, fmt: str, name: str = "layer") -> tuple[bytes, list[tuple[str, str]]]:
    """The file of ``gdf`` in ``fmt`` (one of :data:`EXPORT_FORMATS`) and notes in Chinese and English.

    Parameters
    ----------
    gdf : GeoDataFrame
        WGS 84 geometry; an ``id`` column becomes the GeoJSON feature id (and a column elsewhere; in KML,
        whose placemarks have ids of their own, ``feature_id``). Nullable integer (``Int64``) and boolean
        (``boolean``) columns keep their type where the format has one.
    fmt : str
        ``geojson``, ``gpkg``, ``shp`` (a zip of .shp/.shx/.dbf/.prj/.cpg, UTF-8; names longer than 10
        bytes are cut, see the notes), ``kml``, ``csv`` (WKT geometry, UTF-8 with a byte-order mark for
        Excel) or ``xlsx`` (WKT geometry).
    name : str
        The layer name inside the file (ASCII letters, digits, ``_``).

    Examples
    --------
    >>> gdf = gpd.GeoDataFrame({"id": [1], "name": ["东门"]}, geometry=[shapely.Point(113.3, 23.1)], crs=4326)
    >>> data, _ = export_layer(gdf, "csv")
    >>> data.decode("utf-8-sig").splitlines()
    ['WKT,lon,lat,id,name', 'POINT (113.3 23.1),113.3,23.1,1,东门']
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"gdf must be a GeoDataFrame, got {type(gdf).__name__}")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}")
    if gdf.crs is None or not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.set_crs("EPSG:4326", allow_override=True) if gdf.crs is None else gdf.to_crs("EPSG:4326")
    if fmt == "geojson":
        return _geojson(gdf, name), []
    if fmt == "gpkg":
        return _via_file(gdf, "GPKG", ".gpkg", name), []
    if fmt == "shp":
        return _shapefile(gdf, name)
    if fmt == "kml":
        return _via_file(gdf.rename(columns={"id": "feature_id"}), "KML", ".kml", name), []
    if fmt == "csv":
        return _csv(gdf), []
    return _xlsx(gdf, name), []
