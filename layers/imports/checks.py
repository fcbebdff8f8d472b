"""The checks at an import session's door: what an upload is, judged from its bytes (``layers.uploads``:
archives are unpacked with its zip-slip and bomb checks), and which options a client may set."""

from __future__ import annotations

from geo.formats.charsets import decode
from layers import uploads
from layers.errors import Detail, ValidationFailed

READ_OPTIONS = ("crs", "source_layer", "sheet", "x_column", "y_column", "wkt_column")
OPTIONS = (*READ_OPTIONS, "layer", "address_column", "duplicate_m", "check_duplicates", "min_confidence", "extent",
           "mapping", "defaults", "values")  # fmt: skip


def refuse(field: str, code: str, reason: str, key: str) -> ValidationFailed:
    """The one error shape of an import's refusals: a ValidationFailed (message ``key``) with one detail on
    ``field``."""
    return ValidationFailed(key=key, code=code, details=[Detail(field, code, reason)])


def _mostly_text(data: bytes) -> bool:
    """Text with a few bytes that decode in no encoding (they are reported per row): no NULs or binary
    controls, and at most one undecodable byte in a thousand."""
    head = data[: 1 << 20]
    if b"\0" in head or any(b in head for b in (b"\x01", b"\x02", b"\x03", b"\x04", b"\x05", b"\x06", b"\x07")):
        return False
    decoded = decode(head)
    return decoded.undecodable_bytes <= max(4, len(head) // 1000)


# The members each kind of archive is read for; nothing else in the archive is ever inflated.
_WANTED = {
    "kmz": lambda name: name.lower().endswith(".kml") and "/" not in name,
    "shapefile": lambda name: name.lower().endswith((".shp", ".shx", ".dbf", ".prj", ".cpg")),
    "geopackage": lambda name: name.lower().endswith(".gpkg"),
}


def detect_kind(data: bytes, *, unpack: bool = True, max_unzipped_bytes: int = 200 * 1024 * 1024
                ) -> tuple[str, dict[str, bytes]]:  # fmt: skip
    """What an upload is, from its bytes, and its files (an archive's members, checked and unpacked, at most
    ``max_unzipped_bytes`` in all; with ``unpack`` false, an archive is judged from its directory alone and
    no files are returned)."""
    kind = uploads.sniff(data)
    if kind == "json":
        return "geojson", {"upload.geojson": data}
    if kind == "text" or (kind == "unknown" and _mostly_text(data)):
        return "csv", {"upload.csv": data}
    if kind == "xml":
        head = data[:4096].decode("utf-8", "replace")
        if "<kml" in head:
            return "kml", {"upload.kml": data}
    if kind == "osm_pbf":
        return "osm_pbf", {"upload.osm.pbf": data}
    if kind == "sqlite" and data[68:72] in (b"GPKG", b"GP10", b"GP11"):
        return "geopackage", {"upload.gpkg": data}
    if kind == "zip":
        archive = uploads.archive_kind(uploads.zip_members(data))
        if archive == "xlsx":
            return "xlsx", {"upload.xlsx": data}
        if archive in _WANTED and not unpack:
            return archive, {}
        members = (uploads.read_zip(data, wanted=_WANTED[archive], max_total_bytes=max_unzipped_bytes)
                   if archive in _WANTED else {})  # fmt: skip
        if archive == "kmz":
            return "kmz", members
        if archive == "shapefile":
            return "shapefile", members
        if archive == "geopackage":
            name = sorted(n for n in members if n.lower().endswith(".gpkg"))[0]
            return "geopackage", {"upload.gpkg": members[name]}
    raise refuse("file", "unsupported_format", f"the content is '{kind}' (judged from its bytes); import takes "
                 "GeoJSON, zipped shapefiles, GeoPackage, KML/KMZ, CSV, XLSX and .osm.pbf",
                 "errors.import.unsupported_format")  # fmt: skip


def check_options(changes: dict) -> dict:
    """``changes`` if it is an object of known options with values of the right types and ranges, else
    one ValidationFailed naming every bad option."""
    if not isinstance(changes, dict):
        raise refuse("", "wrong_type", "send an object of options", "errors.import.options_not_an_object")
    unknown = sorted(set(changes) - set(OPTIONS))
    details = [Detail(k, "unknown_field", f"not an import option; options: {', '.join(OPTIONS)}") for k in unknown]
    for key in ("duplicate_m", "min_confidence"):
        value = changes.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0
                                  or value > (1000 if key == "duplicate_m" else 1)):  # fmt: skip
            details.append(Detail(key, "invalid_value", "0-1000 metres" if key == "duplicate_m" else "0-1"))
    if changes.get("check_duplicates") is not None and not isinstance(changes["check_duplicates"], bool):
        details.append(Detail("check_duplicates", "wrong_type", "true or false"))
    extent = changes.get("extent")
    if extent is not None and not (isinstance(extent, list) and len(extent) == 4 and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in extent)
            and extent[0] <= extent[2] and extent[1] <= extent[3]):  # fmt: skip
        details.append(Detail("extent", "invalid_value", "[minLon, minLat, maxLon, maxLat] in WGS 84"))
    for key in ("crs", "source_layer", "sheet", "x_column", "y_column", "wkt_column", "address_column", "layer"):
        if changes.get(key) is not None and not isinstance(changes[key], str):
            details.append(Detail(key, "wrong_type", "must be text"))
    if details:
        raise ValidationFailed(key="errors.import.options_refused", details=details)
    return changes
