// GeoJSON geometries (WGS 84 lon/lat) to Leaflet layers drawn on the shared canvas renderer.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

/** A polygon that, when unfilled (fill: false), reacts only near its outline, not inside it. */
export const OutlinePolygon = L.Polygon.extend({
  _containsPoint(p) {
    if (this.options.fill) {
      return L.Polygon.prototype._containsPoint.call(this, p);
    }
    return L.Polyline.prototype._containsPoint.call(this, p, true);
  },
});

const DEPTH = { LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2 };

/**
 * A Leaflet layer for one GeoJSON geometry, or null for an empty/unknown one.
 * @param {object} geometry GeoJSON geometry
 * @param {function(string): object} optionsFor path options for a geometry type
 */
export function geometryToLayer(geometry, optionsFor) {
  if (!geometry || !geometry.type) {
    return null;
  }
  const { type, coordinates } = geometry;
  switch (type) {
    case "Point":
      return L.circleMarker(L.GeoJSON.coordsToLatLng(coordinates), optionsFor(type));
    case "MultiPoint":
      return L.featureGroup(coordinates.map((c) => L.circleMarker(L.GeoJSON.coordsToLatLng(c), optionsFor(type))));
    case "LineString":
    case "MultiLineString":
      return L.polyline(L.GeoJSON.coordsToLatLngs(coordinates, DEPTH[type]), optionsFor(type));
    case "Polygon":
    case "MultiPolygon":
      return new OutlinePolygon(L.GeoJSON.coordsToLatLngs(coordinates, DEPTH[type]), optionsFor(type));
    case "GeometryCollection": {
      const parts = (geometry.geometries || []).map((g) => geometryToLayer(g, optionsFor)).filter(Boolean);
      return parts.length ? L.featureGroup(parts) : null;
    }
    default:
      return null;
  }
}
