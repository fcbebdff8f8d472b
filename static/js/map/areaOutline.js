// The area the map page is scoped to (the breadcrumb's): its boundary drawn as a dashed outline, and the
// view fitted to it unless the address already names a view (#zoom/lat/lon).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

export class AreaOutline {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {import("../common/api.js").Api} options.api
   */
  constructor({ map, api }) {
    this.map = map;
    this.api = api;
    this.layer = null;
  }

  /** Draw ``area`` (an answer of /api/areas/{code}; null: the whole city, nothing to draw). */
  async show(area) {
    if (!area || !area.bbox) {
      return;
    }
    if (!globalThis.location.hash) {
      const [minLon, minLat, maxLon, maxLat] = area.bbox;
      this.map.fitBounds(L.latLngBounds([minLat, minLon], [maxLat, maxLon]), { padding: L.point(16, 16), maxZoom: 18 });
    }
    const body = await this.api.json(this.api.url(`/areas/${area.code}?geometry=true`));
    if (!body.geometry) {
      return;
    }
    this.layer = L.geoJSON(body.geometry, {
      interactive: false,
      style: { color: "#1f5e3b", weight: 3, dashArray: "8 6", fill: false },
    }).addTo(this.map);
  }
}
