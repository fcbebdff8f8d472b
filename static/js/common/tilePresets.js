// Tile basemaps from /api/config presets. Default "none": no tiles at all, the project's own roads,
// buildings and grid are the map. A GCJ-02 preset (AMap) switches the map to the GCJ02 CRS so our
// WGS 84 data lines up with its tiles; the map keeps its layers and is reset in place.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { crsFor } from "./gcjCrs.js";
import { el } from "./dom.js";

const STORAGE_KEY = "chuangwei.basemap";
const MAP_MAX_ZOOM = 20;

export class Basemaps {
  /**
   * @param {object} options
   * @param {Array<object>} options.presets /api/config basemaps
   * @param {string} options.defaultId /api/config default_basemap
   * @param {HTMLSelectElement} options.select the chooser in the panel
   * @param {import("./i18n.js").I18n} options.i18n
   * @param {Storage} options.storage remembers the choice
   * @param {function(string): void} [options.onChange] called with the new preset id
   */
  constructor({ presets, defaultId, select, i18n, storage, onChange = () => {} }) {
    this.maps = new Map(); // map -> its tile layers
    this.presets = presets.filter((preset) => preset.available !== false);
    this.select = select;
    this.i18n = i18n;
    this.storage = storage;
    this.onChange = onChange;
    const saved = storage.getItem(STORAGE_KEY);
    const fallback = this.find(defaultId) ? defaultId : (this.presets[0]?.id ?? "none");
    this.current = this.find(saved) ? saved : fallback;
    this.select.addEventListener("change", () => this.use(this.select.value));
    this.relabel();
  }

  find(id) {
    return this.presets.find((preset) => preset.id === id) || null;
  }

  /** The CRS name ("wgs84" | "gcj02") of the chosen preset; the map is created with it. */
  crsName() {
    return this.find(this.current)?.crs === "gcj02" ? "gcj02" : "wgs84";
  }

  relabel() {
    const options = this.presets.map((preset) => el("option", {
      text: this.i18n.pick(preset.title, preset.id), attrs: { value: preset.id },
    }));
    if (options.length === 0) {
      options.push(el("option", { text: "—", attrs: { value: "none" } }));
    }
    this.select.replaceChildren(...options);
    this.select.value = this.current;
    this.select.disabled = this.presets.length <= 1;
  }

  /**
   * Put the current preset's tiles on ``map`` (created with crsFor(this.crsName())). One chooser may
   * serve several maps (the leaders' side-by-side maps): each gets the same preset.
   */
  start(map) {
    this.maps.set(map, []);
    this.addTiles(map);
    return this;
  }

  /** Stop serving ``map`` (it is being removed). */
  detach(map) {
    (this.maps.get(map) || []).forEach((layer) => layer.remove());
    this.maps.delete(map);
  }

  /** Whether the chosen preset draws tiles (the map then keeps to whole zoom levels). */
  hasTiles() {
    return Boolean(this.find(this.current)?.url);
  }

  /** Zoom step: half levels fit the community better; tiles stay sharp only at whole levels. */
  zoomSnap() {
    return this.hasTiles() ? 1 : 0.5;
  }

  addTiles(map) {
    const preset = this.find(this.current);
    const tiles = this.maps.get(map);
    tiles.forEach((layer) => layer.remove());
    tiles.length = 0;
    map.options.zoomSnap = this.zoomSnap();
    if (!preset || !preset.url) {
      map.getContainer().classList.remove("has-tiles");
      return;
    }
    if (!Number.isInteger(map.getZoom())) {
      map.setZoom(Math.round(map.getZoom()), { animate: false });
    }
    const common = {
      maxNativeZoom: preset.max_zoom ?? 18,
      maxZoom: MAP_MAX_ZOOM,
      subdomains: preset.subdomains || "abc",
      crossOrigin: false,
    };
    tiles.push(L.tileLayer(preset.url, { ...common, attribution: preset.attribution || "" }));
    if (preset.overlay_url) {
      tiles.push(L.tileLayer(preset.overlay_url, common));
    }
    tiles.forEach((layer) => layer.addTo(map));
    map.getContainer().classList.add("has-tiles");
  }

  /** Switch to preset ``id``; changing between WGS 84 and GCJ-02 tiles resets each map's CRS in place. */
  use(id) {
    if (!this.maps.size || !this.find(id) || id === this.current) {
      return;
    }
    const before = this.crsName();
    this.current = id;
    this.storage.setItem(STORAGE_KEY, id);
    for (const [map, tiles] of this.maps) {
      tiles.forEach((layer) => layer.remove());
      tiles.length = 0;
      if (this.crsName() !== before) {
        const center = map.getCenter();
        const zoom = map.getZoom();
        map.options.crs = crsFor(this.crsName());
        map.setView(center, zoom, { reset: true });
      }
      this.addTiles(map);
    }
    this.onChange(id);
  }
}

/**
 * The attribution's prefix as plain "Leaflet", as the offline folium maps write it: Leaflet 1.9's default
 * adds a national flag, which does not belong on a Chinese government office's map.
 */
export function plainAttribution(map) {
  map.attributionControl?.setPrefix("Leaflet");
  return map;
}

export { MAP_MAX_ZOOM };
