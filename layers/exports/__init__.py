"""Layers and tables as downloadable files (GeoJSON, GeoPackage, shapefile, KML, CSV, XLSX)."""

from layers.exports.layerfile import (
    EXPORT_FORMATS,
    export,
    layer_export_frame,
)

__all__ = [
    "EXPORT_FORMATS",
    "export",
    "layer_export_frame",
]
