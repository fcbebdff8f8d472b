"""A corpus of broken uploads, made in the test from valid files: XLSX (truncated sheet XML, undefined
entity, billion laughs, external entity, broken workbook.xml and styles.xml, a missing sheet), KML and KMZ,
zips (truncated, bad CRC, a member that is itself broken), zipped shapefiles (truncated .shp, .shx or .dbf,
mismatched parts), GeoPackages (truncated, a corrupt page, not SQLite) and OSM files (truncated PBF, XML
with entities, bad XML). Every entry is ``(name, bytes, filename)``; none of them is importable."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from openpyxl import Workbook
from shapely.geometry import Point

DATA = Path(__file__).resolve().parents[1] / "data"
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i + 1} "{("&lol" + (str(i) if i else "") + ";") * 10}">' for i in range(9))
    + "]>\n"
)
UNDEFINED_ENTITY = '<?xml version="1.0"?>\n'
EXTERNAL_ENTITY = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def valid_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "bins"
    sheet.append(["名称", "经度", "纬度"])
    for i in range(20):
        sheet.append([f"垃圾桶{i}", 113.30 + i / 1000, 23.10 + i / 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _gdf() -> gpd.GeoDataFrame:
    points = [Point(113.30 + i / 1000, 23.10 + i / 1000) for i in range(20)]
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(20)]}, geometry=points, crs="EPSG:4326")


def valid_gdal(driver: str, suffix: str, workdir: Path) -> bytes:
    path = workdir / f"valid{suffix}"
    pyogrio.write_dataframe(_gdf(), path, driver=driver)
    return path.read_bytes()


def _with_prolog(xml: bytes, prolog: str, body_entity: str) -> bytes:
    """``xml`` with its declaration replaced by ``prolog`` and ``body_entity`` inside its first text."""
    text = xml.decode("utf-8")
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2 :].lstrip()
    first_close = text.index(">", text.index("<", 1) if text.startswith("<") else 0)
    text = text[: first_close + 1] + body_entity + text[first_close + 1 :]
    return (prolog + text).encode("utf-8")


def xlsx_corpus() -> list[tuple[str, bytes, str]]:
    good = valid_xlsx()
    parts = members(good)
    sheet, book, styles = "xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"

    def variant(**changes) -> bytes:
        files = dict(parts)
        for name, data in changes.items():
            key = {"sheet": sheet, "book": book, "styles": styles}[name]
            if data is None:
                del files[key]
            else:
                files[key] = data
        return zip_of(files)

    out = [
        ("xlsx_truncated_file", good[: len(good) // 2]),
        ("xlsx_truncated_sheet_xml", variant(sheet=parts[sheet][: len(parts[sheet]) // 2])),
        ("xlsx_undefined_entity", variant(sheet=_with_prolog(parts[sheet], UNDEFINED_ENTITY, "&nowhere;"))),
        ("xlsx_billion_laughs_sheet", variant(sheet=_with_prolog(parts[sheet], BILLION_LAUGHS, "&lol9;"))),
        ("xlsx_external_entity", variant(sheet=_with_prolog(parts[sheet], EXTERNAL_ENTITY, "&xxe;"))),
        ("xlsx_broken_workbook_xml", variant(book=parts[book][: len(parts[book]) // 2])),
        ("xlsx_billion_laughs_workbook", variant(book=_with_prolog(parts[book], BILLION_LAUGHS, "&lol9;"))),
        ("xlsx_workbook_missing", variant(book=None)),
        ("xlsx_broken_styles_xml", variant(styles=parts[styles][: len(parts[styles]) // 3])),
        ("xlsx_styles_not_xml", variant(styles=b"\x00\x01 not xml at all")),
        ("xlsx_billion_laughs_styles", variant(styles=_with_prolog(parts[styles], BILLION_LAUGHS, "&lol9;"))),
        ("xlsx_sheet_missing", variant(sheet=None)),
        ("xlsx_sheet_binary", variant(sheet=bytes(range(256)) * 8)),
        ("xlsx_content_types_missing", zip_of({k: v for k, v in parts.items() if k != "[Content_Types].xml"})),
    ]
    return [(name, data, f"{name}.xlsx") for name, data in out]


def kml_corpus(workdir: Path) -> list[tuple[str, bytes, str]]:
    good = valid_gdal("KML", ".kml", workdir)
    out = [
        ("kml_truncated", good[: len(good) // 2], "broken.kml"),
        ("kml_billion_laughs", _with_prolog(good, BILLION_LAUGHS, "&lol9;"), "lol.kml"),
        ("kml_undefined_entity", _with_prolog(good, UNDEFINED_ENTITY, "&nowhere;"), "entity.kml"),
        ("kml_external_entity", _with_prolog(good, EXTERNAL_ENTITY, "&xxe;"), "xxe.kml"),
        ("kml_not_xml", b"<kml xmlns='http://www.opengis.net/kml/2.2'><Document><Placemark>\x00\xff", "bad.kml"),
        ("kmz_truncated", zip_of({"doc.kml": good})[:-40], "broken.kmz"),
        ("kmz_truncated_kml", zip_of({"doc.kml": good[: len(good) // 2]}), "half.kmz"),
        ("kmz_billion_laughs", zip_of({"doc.kml": _with_prolog(good, BILLION_LAUGHS, "&lol9;")}), "lol.kmz"),
        ("kmz_without_kml", zip_of({"images/a.png": b"\x89PNG\r\n\x1a\n"}), "empty.kmz"),
    ]
    return out


def _flip_crc(data: bytes) -> bytes:
    """A zip whose first member's stored CRC no longer matches its bytes."""
    raw = bytearray(data)
    at = raw.index(b"PK\x03\x04") + 14
    raw[at] ^= 0xFF
    central = raw.index(b"PK\x01\x02") + 16
    raw[central] ^= 0xFF
    return bytes(raw)


def shapefile_corpus() -> list[tuple[str, bytes, str]]:
    folder = DATA / "snow_soho_1854"
    parts = {f"SohoWater{ext}": (folder / f"SohoWater{ext}").read_bytes() for ext in (".shp", ".shx", ".dbf", ".prj")}
    other = (folder / "Soho_Network.shp").read_bytes()

    def variant(**changes) -> bytes:
        files = dict(parts)
        for ext, data in changes.items():
            key = f"SohoWater.{ext}"
            if data is None:
                del files[key]
            else:
                files[key] = data
        return zip_of(files)

    good = zip_of(parts)
    out = [
        ("shp_zip_truncated", good[: len(good) // 2]),
        ("shp_zip_bad_crc", _flip_crc(good)),
        ("shp_truncated_shp", variant(shp=parts["SohoWater.shp"][:120])),
        ("shp_garbage_shp", variant(shp=b"\x00\x00\x27\x0a" + b"\xff" * 200)),
        ("shp_truncated_shx", variant(shx=parts["SohoWater.shx"][:60])),
        ("shp_truncated_dbf", variant(dbf=parts["SohoWater.dbf"][:40])),
        ("shp_garbage_dbf", variant(dbf=b"\x03" + b"\xff" * 100)),
        ("shp_mismatched_parts", variant(shp=other)),
        ("shp_without_shp", variant(shp=None)),
        ("shp_broken_prj", variant(prj=b"PROJCS[\"broken\", GEOGCS[")),
    ]
    return [(name, data, f"{name}.zip") for name, data in out]


def zip_corpus() -> list[tuple[str, bytes, str]]:
    good = zip_of({"points.geojson": b'{"type": "FeatureCollection", "features": []}'})
    return [
        ("zip_empty_archive", zip_of({}), "empty.zip"),
        ("zip_only_header", good[:30], "header.zip"),
        ("zip_bad_crc", _flip_crc(zip_of({"a.csv": "名称,经度,纬度\n桶,113.3,23.1\n".encode() * 50})), "crc.zip"),
        ("zip_nested_zip", zip_of({"inner.zip": zip_of({"inner2.zip": good})}), "nested.zip"),
        ("zip_of_nothing_importable", zip_of({"readme.txt": b"hello", "a.bin": b"\x00" * 100}), "other.zip"),
        ("zip_truncated_member", zip_of({"x.geojson": b'{"type": "FeatureCollection", "features": ['}), "t.zip"),
    ]


def _corrupt_pages(data: bytes, first: int) -> bytes:
    """The file with every page from ``first`` on overwritten (page 0 holds the header and the schema)."""
    size = int.from_bytes(data[16:18], "big")
    size = 65536 if size == 1 else size
    return data[: size * first] + b"\xa5" * (len(data) - size * first)


def gpkg_corpus(workdir: Path) -> list[tuple[str, bytes, str]]:
    good = valid_gdal("GPKG", ".gpkg", workdir)
    out = [
        ("gpkg_truncated", good[: len(good) // 3]),
        ("gpkg_header_only", good[:100]),
        ("gpkg_schema_page_corrupt", good[:100] + _corrupt_pages(good, 0)[100:]),
        ("gpkg_data_pages_corrupt", _corrupt_pages(good, 1)),
        ("gpkg_not_sqlite", b"SQLite format 3\x00" + b"\xff" * 4000),
        ("gpkg_sqlite_without_tables", _empty_sqlite(workdir)),
    ]
    return [(name, data, f"{name}.gpkg") for name, data in out]


def _empty_sqlite(workdir: Path) -> bytes:
    import sqlite3

    path = workdir / "empty.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    return path.read_bytes()


OSM_XML = (
    b"<osm version='0.6'>"
    b"<node id='1' lat='23.10' lon='113.30'><tag k='amenity' v='toilets'/></node>"
    b"<node id='2' lat='23.11' lon='113.31'><tag k='amenity' v='waste_basket'/></node>"
    b"</osm>"
)


def osm_corpus() -> list[tuple[str, bytes, str]]:
    pbf = (DATA / "monaco" / "monaco-20211203.osm.pbf").read_bytes()
    return [
        ("osm_pbf_truncated", pbf[: len(pbf) // 2], "monaco.osm.pbf"),
        ("osm_pbf_header_only", pbf[:64], "header.osm.pbf"),
        ("osm_pbf_garbage_blob", pbf[:40] + b"\xff" * 3000, "garbage.osm.pbf"),
        ("osm_xml_truncated", OSM_XML[: len(OSM_XML) // 2], "half.osm"),
        ("osm_xml_billion_laughs", _with_prolog(OSM_XML, BILLION_LAUGHS, "&lol9;"), "lol.osm"),
        ("osm_xml_external_entity", _with_prolog(OSM_XML, EXTERNAL_ENTITY, "&xxe;"), "xxe.osm"),
        ("osm_xml_undefined_entity", _with_prolog(OSM_XML, UNDEFINED_ENTITY, "&nowhere;"), "entity.osm"),
    ]


def corpus(workdir: Path) -> list[tuple[str, bytes, str]]:
    """Every broken upload, each a ``(name, bytes, filename)``."""
    return (
        xlsx_corpus()
        + kml_corpus(workdir)
        + zip_corpus()
        + shapefile_corpus()
        + gpkg_corpus(workdir)
        + osm_corpus()
    )
