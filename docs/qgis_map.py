"""Render the QGIS map of docs/qgis.png: every layer view of a PostGIS store (``server.py qgis-views``) opened
by QGIS through a plain PostGIS connection, styled after the layer catalogue (``layers/catalogue/*.json``:
colours, widths, classes by a property), drawn headless to a PNG.

Run it with Debian's Python, whose ``python3-qgis`` bindings the project's Python cannot import:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 docs/qgis_map.py \\
        --db "dbname=chuangwei host=127.0.0.1 port=5432 user=planner_qgis password=…" --schema qgis --out docs/qgis.png

It reads only the views, so the read-only role of docs/deployment.md is enough. Labels are the layers' own
names (zh-CN) in a legend box; the extent is the grid cells'.
"""

import argparse
import json
import os
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[1] / "layers" / "catalogue"
# Drawn bottom to top: areas, then lines, then points (the biggest symbols first).
ORDER = ("grid", "buildings", "roads", "collection_points", "toilets", "streetlights", "bins", "blackspots")


def _catalogue() -> dict:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in CATALOGUE.glob("*.json")}


def _symbol(kind: str, style: dict, overrides: dict):
    from qgis.core import QgsFillSymbol, QgsLineSymbol, QgsMarkerSymbol

    style = {**style, **overrides}
    stroke, fill = style.get("color", "#555555"), style.get("fillColor", style.get("color", "#999999"))
    if kind == "point":
        return QgsMarkerSymbol.createSimple({"name": "circle", "color": fill, "outline_color": stroke,
                                             "size": str(style.get("radius", 4) * 0.55), "outline_width": "0.2"})
    if kind == "line":
        return QgsLineSymbol.createSimple({"line_color": stroke, "line_width": str(style.get("weight", 2) * 0.22),
                                           "capstyle": "round"})
    opacity = float(style.get("fillOpacity", 0.5))
    return QgsFillSymbol.createSimple({
        "color": fill if opacity > 0 else "0,0,0,0", "outline_color": stroke,
        "outline_width": str(style.get("weight", 1) * 0.15),
        "outline_style": "dash" if style.get("dashArray") else "solid",
    })


def _renderer(kind: str, style: dict):
    from qgis.core import QgsCategorizedSymbolRenderer, QgsRendererCategory, QgsSingleSymbolRenderer

    if not style.get("by") or not style.get("classes"):
        return QgsSingleSymbolRenderer(_symbol(kind, style, {}))
    categories = [QgsRendererCategory(value if value not in ("true", "false") else value == "true",
                                      _symbol(kind, style, overrides), str(value))
                  for value, overrides in style["classes"].items()]
    categories.append(QgsRendererCategory(None, _symbol(kind, style, {}), ""))
    return QgsCategorizedSymbolRenderer(style["by"], categories)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="libpq connection string of a role that may read the views")
    parser.add_argument("--schema", default="qgis", help="the schema of the views (default qgis)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("qgis.png")))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import (
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QFont, QPainter

    app = QgsApplication([], False)  # noqa: F841 - must stay alive while QGIS draws
    app.initQgis()
    catalogue = _catalogue()
    layers, legend = [], []
    for layer_id in ORDER:
        definition = catalogue[layer_id]
        layer = QgsVectorLayer(f"{args.db} key='fid' srid=4326 table=\"{args.schema}\".\"{layer_id}\" (geom)",
                               layer_id, "postgres")  # fmt: skip
        if not layer.isValid():
            raise SystemExit(f"QGIS cannot open {args.schema}.{layer_id}: {layer.error().summary()}")
        kind = {"Point": "point", "LineString": "line"}.get(definition["geometry_types"][0], "polygon")
        layer.setRenderer(_renderer(kind, definition.get("style", {})))
        layers.append(layer)
        legend.append((definition["title"]["zh-CN"], definition["title"]["en"], layer.featureCount(), definition))
    settings = QgsMapSettings()
    settings.setLayers(list(reversed(layers)))  # the first is drawn on top
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    extent = layers[0].extent()  # the grid cells, in WGS 84
    from qgis.core import QgsCoordinateTransform, QgsProject

    to_map = QgsCoordinateTransform(layers[0].crs(), settings.destinationCrs(), QgsProject.instance())
    extent = to_map.transformBoundingBox(extent)
    extent.scale(1.08)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(args.width, args.height))
    settings.setBackgroundColor(QColor("#f5f3ef"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    font = QFont("Noto Sans CJK SC", 11)
    painter.setFont(font)
    box_h = 28 + 22 * len(legend)
    painter.fillRect(12, 12, 390, box_h, QColor(255, 255, 255, 230))
    painter.drawText(24, 34, "QGIS · PostGIS 视图 views (schema " + args.schema + ")")
    for i, (zh, en, count, definition) in enumerate(legend):
        style = definition.get("style", {})
        painter.fillRect(24, 44 + 22 * i, 14, 14, QColor(style.get("fillColor", style.get("color", "#999999"))))
        painter.drawText(46, 56 + 22 * i, f"{zh} {en}: {count}")
    painter.end()
    image.save(args.out)
    print(f"{args.out}: {args.width}x{args.height}, layers {', '.join(f'{c[0]} {c[2]}' for c in legend)}")
    os._exit(0)  # QGIS 3.22 may crash while tearing down its providers; the image is written


if __name__ == "__main__":
    main()
