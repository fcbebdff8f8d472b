"""Names and boundaries of areas from a file: a table (CSV or XLSX with columns code, name and optionally
parent) or a file of boundaries (GeoJSON, GeoPackage, zipped shapefile with code and name attributes and
polygons). All or nothing: every problem of every row is reported at once and nothing is written."""

from __future__ import annotations

import math

import shapely

from geo.formats import tables
from geo.formats.importing import SourceError, read_source
from layers.areas.codes import level_of, parent_of
from layers.areas.hierarchy import bump_revision
from layers.errors import Detail, ValidationFailed
from layers.imports.checks import detect_kind
from layers.store import Store

CODE_COLUMNS = ("code", "编码", "代码", "区划代码", "area_code")
NAME_COLUMNS = ("name", "名称", "area_name")
PARENT_COLUMNS = ("parent", "上级", "上级编码", "parent_code")
MAX_NAME = 100
MAX_DETAILS = 200
TABLE_KINDS = ("csv", "xlsx")
BOUNDARY_KINDS = ("geojson", "geopackage", "shapefile")


def _text(value) -> str | None:
    """A cell as text: integral numbers (a spreadsheet's 510104.0) as their digits, blanks as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _refuse(details: list[Detail]) -> ValidationFailed:
    shown = details[:MAX_DETAILS]
    return ValidationFailed(key="errors.area.import_refused", params={"count": len(details)},
                            code="areas_refused", details=shown)  # fmt: skip


def _read(data: bytes):
    """(frame, geometries or None) of an upload."""
    if not data:
        raise _refuse([Detail("file", "empty_file", "the file is empty")])
    kind, files = detect_kind(data)
    if kind not in TABLE_KINDS + BOUNDARY_KINDS:
        raise _refuse(
            [
                Detail(
                    "file",
                    "unsupported_format",
                    f"a {kind} file; areas come from CSV, XLSX, GeoJSON, GeoPackage or a zipped shapefile",
                )
            ]
        )
    try:
        if kind in TABLE_KINDS:
            frame = tables.read_csv(data)[0] if kind == "csv" else tables.read_xlsx(data)[0]
            return frame, None
        table = read_source(kind, files)
    except (SourceError, tables.TableError) as exc:
        raise _refuse([Detail("file", getattr(exc, "code", "unreadable_file"), str(exc))]) from None
    return table.frame, table.geometry


def _check_geometry(geom, row: int) -> tuple[dict | None, list | None, list[Detail]]:
    field = f"rows[{row}].geometry"
    if geom is None:
        return None, None, [Detail(field, "missing", "no boundary")]
    if shapely.get_type_id(geom) not in (3, 6):
        return None, None, [Detail(field, "wrong_type", f"a {geom.geom_type}; a boundary is a Polygon or MultiPolygon")]
    if not shapely.is_valid(geom):
        return None, None, [Detail(field, "invalid_geometry", shapely.is_valid_reason(geom))]
    return shapely.geometry.mapping(geom), list(shapely.bounds(geom).tolist()), []


def parse_areas(data: bytes) -> list[dict]:
    """The area records of an upload, or the 422 listing every problem."""
    frame, geoms = _read(data)
    code_col, name_col = (
        tables.find_column(frame.columns, CODE_COLUMNS),
        tables.find_column(frame.columns, NAME_COLUMNS),
    )
    parent_col = tables.find_column(frame.columns, PARENT_COLUMNS)
    wanted = (("code", code_col, CODE_COLUMNS), ("name", name_col, NAME_COLUMNS))
    missing = [Detail(f, "missing_column", f"a column named {' / '.join(n)}") for f, c, n in wanted if c is None]
    if missing:
        raise _refuse(missing)
    if frame.empty:
        raise _refuse([Detail("file", "no_rows", "no rows")])
    records, details, seen = [], [], {}
    for row, values in enumerate(frame.to_dict("records")):
        code, name = _text(values.get(code_col)), _text(values.get(name_col))
        parent = _text(values.get(parent_col)) if parent_col else None
        level = level_of(code)
        if level is None:
            details.append(Detail(f"rows[{row}].code", "invalid_value", f"{code!r} is not 6, 9, 12 or 15 digits"))
        elif code in seen:
            details.append(Detail(f"rows[{row}].code", "duplicate", f"{code} is also on row {seen[code]}"))
        else:
            seen[code] = row
        if name is None or len(name) > MAX_NAME:
            details.append(Detail(f"rows[{row}].name", "invalid_value", f"1 to {MAX_NAME} characters"))
        if level is not None and parent is not None and parent != parent_of(code):
            reason = f"the parent of {code} is {parent_of(code) or 'the city'}, not {parent}"
            details.append(Detail(f"rows[{row}].parent", "invalid_value", reason))
        geometry, bbox = None, None
        if geoms is not None:
            geometry, bbox, problems = _check_geometry(geoms[row], row)
            details += problems
        records.append({"code": code, "level": level, "parent": parent_of(code) if level else None, "name": name,
                        "geometry": geometry, "bbox": bbox})  # fmt: skip
    if details:
        raise _refuse(details)
    return records


def import_areas(store: Store, data: bytes, author: str) -> dict:
    """Read an upload and store its areas in one transaction; how many of each level were written."""
    records = parse_areas(data)
    with store.atomic():
        store.put_areas(records, author)
        bump_revision(store)
        counts = {}
        for r in records:
            counts[r["level"]] = counts.get(r["level"], 0) + 1
        store.audit(
            author, "areas.import", "areas", {"levels": counts, "boundaries": records[0]["geometry"] is not None}
        )
    return {"written": len(records), "levels": counts, "boundaries": records[0]["geometry"] is not None}
