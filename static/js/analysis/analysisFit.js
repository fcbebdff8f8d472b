// Bringing a drawn result into view on the part of the map a person can see: clear of the map's edges (the
// zoom buttons, half a marker) and, on a phone, of the bottom sheet over it.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

/**
 * The part of the map not under the bottom sheet (``covered`` pixels at the bottom) and clear of the
 * edges, as lat/lng bounds, with the margins used.
 */
export function visibleArea(map, covered) {
  const size = map.getSize();
  const topLeft = L.point(40, 40);
  const bottomRight = L.point(56, 40 + covered);
  const bounds = L.latLngBounds(map.containerPointToLatLng(topLeft),
    map.containerPointToLatLng(L.point(Math.max(topLeft.x + 1, size.x - bottomRight.x),
      Math.max(topLeft.y + 1, size.y - bottomRight.y))));
  return { bounds, topLeft, bottomRight };
}

/** Fit ``bounds`` (null: nothing drawn) into the visible area, unless it is there already (``always``: fit). */
export function fitInView(map, bounds, { covered = 0, always = false } = {}) {
  if (!bounds) {
    return;
  }
  const visible = visibleArea(map, covered);
  if (!always && visible.bounds.contains(bounds)) {
    return;
  }
  map.fitBounds(bounds, { paddingTopLeft: visible.topLeft, paddingBottomRight: visible.bottomRight, maxZoom: 18 });
}
