// A Leaflet CRS for GCJ-02 tile servers (AMap/Gaode): Web Mercator of the GCJ-02 shifted position.
// Our data stays WGS 84; projecting it through wgs84ToGcj02 lines it up with GCJ-02 tiles, and
// unprojecting screen positions through gcj02ToWgs84 gives back WGS 84 (map.getBounds, clicks).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { gcj02ToWgs84, wgs84ToGcj02 } from "./chinacoords.js";

const mercator = L.Projection.SphericalMercator;

function shifted(convert, lng, lat) {
  if (!Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) {
    return null; // off the globe (panning past the antimeridian): leave unshifted
  }
  try {
    return convert(lng, lat);
  } catch {
    return null;
  }
}

export const GcjMercator = {
  bounds: mercator.bounds,
  R: mercator.R,

  project(latlng) {
    const ll = L.latLng(latlng);
    const gcj = shifted(wgs84ToGcj02, ll.lng, ll.lat);
    return mercator.project(gcj ? L.latLng(gcj[1], gcj[0]) : ll);
  },

  unproject(point) {
    const ll = mercator.unproject(point);
    const wgs = shifted(gcj02ToWgs84, ll.lng, ll.lat);
    return wgs ? L.latLng(wgs[1], wgs[0]) : ll;
  },
};

/** EPSG:3857 over GCJ-02 positions; everything else (scale, transformation, distance) as EPSG:3857. */
export const GCJ02 = L.Util.extend({}, L.CRS.EPSG3857, { code: "GCJ02", projection: GcjMercator });

/** The Leaflet CRS for a basemap preset's `crs` ("wgs84" or "gcj02"). */
export function crsFor(name) {
  return name === "gcj02" ? GCJ02 : L.CRS.EPSG3857;
}
