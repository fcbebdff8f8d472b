// The view in the URL hash, #zoom/lat/lng (like OpenStreetMap), so a view can be linked and reloaded.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

/** {zoom, center} from "#18/23.1/113.3", or null when the hash is not a view. */
export function parseViewHash(hash) {
  const match = /^#?(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(hash || "");
  if (!match) {
    return null;
  }
  const [zoom, lat, lng] = match.slice(1).map(Number);
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180 || zoom > 24) {
    return null;
  }
  return { zoom, center: L.latLng(lat, lng) };
}

export function formatViewHash(map) {
  const zoom = map.getZoom();
  const center = map.getCenter();
  const digits = Math.max(0, Math.ceil(Math.log10(2 ** zoom) + 0.5)); // about a pixel's precision
  return `#${Math.round(zoom * 100) / 100}/${center.lat.toFixed(digits)}/${center.lng.toFixed(digits)}`;
}

/** Keeps the hash and the map's view in step both ways. */
export class ViewHash {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {Window} [options.window]
   */
  constructor({ map, window: win = globalThis }) {
    this.map = map;
    this.window = win;
    this.written = null;
    this.onMoveEnd = () => {
      const hash = formatViewHash(this.map);
      if (hash !== this.window.location.hash) {
        this.written = hash;
        this.window.history.replaceState(this.window.history.state, "", hash);
      }
    };
    this.onHashChange = () => {
      if (this.window.location.hash === this.written) {
        return;
      }
      const view = parseViewHash(this.window.location.hash);
      if (view) {
        this.map.setView(view.center, view.zoom);
      }
    };
  }

  start() {
    this.map.on("moveend", this.onMoveEnd);
    this.window.addEventListener("hashchange", this.onHashChange);
    return this;
  }
}
