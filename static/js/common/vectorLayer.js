// Line, polygon (and mixed) layers loaded by the visible bounding box. The view is covered by a grid
// of lon/lat tiles (slippy-map numbering, zoomed out until a few tiles cover it); each tile's features
// are fetched once (following rel=next pages) and kept, so panning only fetches tiles not seen yet and
// features are drawn once however many tiles return them.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "./dom.js";
import { geometryToLayer } from "./geometry.js";
import { drawRank, featureClassKey, geometryKind, isBaseLayer, pathOptions, resolvedStyle } from "./styles.js";

const MAX_TILE_ZOOM = 15;
const MAX_TILES = 12;
const MAX_LAT = 85.0511;

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

function lngToTileX(lng, z) {
  return clamp(Math.floor(((lng + 180) / 360) * 2 ** z), 0, 2 ** z - 1);
}

function latToTileY(lat, z) {
  const rad = (clamp(lat, -MAX_LAT, MAX_LAT) * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z;
  return clamp(Math.floor(y), 0, 2 ** z - 1);
}

function tileBbox(z, x, y) {
  const n = 2 ** z;
  const lng = (tx) => (tx / n) * 360 - 180;
  const lat = (ty) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI;
  return [lng(x), lat(y + 1), lng(x + 1), lat(y)];
}

/** Tiles covering ``bounds`` (a padded view) at the finest zoom ≤ MAX_TILE_ZOOM with at most MAX_TILES. */
export function tilesFor(bounds, mapZoom) {
  let z = clamp(Math.floor(mapZoom) - 2, 0, MAX_TILE_ZOOM);
  for (;;) {
    const x0 = lngToTileX(bounds.getWest(), z);
    const x1 = lngToTileX(bounds.getEast(), z);
    const y0 = latToTileY(bounds.getNorth(), z);
    const y1 = latToTileY(bounds.getSouth(), z);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_TILES || z === 0) {
      const tiles = [];
      for (let x = x0; x <= x1; x += 1) {
        for (let y = y0; y <= y1; y += 1) {
          tiles.push({ z, x, y, key: `${z}/${x}/${y}` });
        }
      }
      return tiles;
    }
    z -= 1;
  }
}

export class VectorLayer {
  /**
   * @param {object} options
   * @param {object} options.definition the layer from /api/layers
   * @param {import("./api.js").Api} options.api
   * @param {L.Renderer} options.renderer the shared canvas
   * @param {number} [options.pageLimit] features per request (≤ the server's max_limit)
   * @param {number} [options.maxFeaturesPerTile] stop following pages past this many in one tile
   * @param {function(object): void} [options.onStatus] render-state updates (see LayerPanel.setStatus)
   * @param {function(object): void} [options.onFeatureClick] ({definition, feature, latlng})
   * @param {function(): void} [options.onLabelsChanged] labels were added or removed (re-run the layout)
   */
  constructor({ definition, api, renderer, pageLimit = 5000, maxFeaturesPerTile = 50000,
    onStatus = () => {}, onFeatureClick = () => {}, onLabelsChanged = () => {} }) {
    this.definition = definition;
    this.api = api;
    this.renderer = renderer;
    this.pageLimit = pageLimit;
    this.maxFeaturesPerTile = maxFeaturesPerTile;
    this.onStatus = onStatus;
    this.onFeatureClick = onFeatureClick;
    this.onLabelsChanged = onLabelsChanged;
    this.group = L.layerGroup();
    this.features = new Map(); // fid -> Leaflet layer
    this.loaded = new Set(); // tile keys fully fetched
    this.pending = new Map(); // tile key -> Promise
    this.truncated = 0;
    this.generation = 0;
    this.map = null;
    this.minZoom = Number.isFinite(definition.style?.minZoom) ? definition.style.minZoom : null;
    const kind = geometryKind(definition);
    const labelled = isBaseLayer(definition) && definition.label_property
      && (kind === "line" || (kind === "polygon" && (definition.style?.fillOpacity ?? 0.3) > 0));
    this.labelClass = labelled ? (kind === "line" ? "map-label map-label-line" : "map-label map-label-area") : null;
    this.onMoveEnd = () => {
      this.refresh();
    };
  }

  get id() {
    return this.definition.id;
  }

  /** Show on ``map``; resolves when the current view's features are drawn. */
  show(map) {
    this.map = map;
    map.on("moveend", this.onMoveEnd);
    return this.refresh();
  }

  hide() {
    if (this.map) {
      this.map.off("moveend", this.onMoveEnd);
      this.group.remove();
      this.onLabelsChanged();
    }
    this.map = null;
    this.generation += 1;
    this.onStatus({ status: "hidden", rendered: 0 });
  }

  covered(tile) {
    for (let d = 0; d <= tile.z; d += 1) {
      if (this.loaded.has(`${tile.z - d}/${tile.x >> d}/${tile.y >> d}`)) {
        return true;
      }
    }
    return false;
  }

  async refresh() {
    const map = this.map;
    if (!map) {
      return;
    }
    const generation = ++this.generation;
    if (this.minZoom !== null && map.getZoom() < this.minZoom) {
      this.group.remove();
      this.onStatus({ status: "zoom", rendered: 0, minZoom: this.minZoom });
      return;
    }
    if (!map.hasLayer(this.group)) {
      this.group.addTo(map);
    }
    const tiles = tilesFor(map.getBounds().pad(0.2), map.getZoom()).filter((tile) => !this.covered(tile));
    if (tiles.length === 0) {
      this.report(generation);
      return;
    }
    this.onStatus({ status: "loading", rendered: this.features.size });
    const results = await Promise.allSettled(tiles.map((tile) => this.loadTile(tile)));
    const failed = results.find((result) => result.status === "rejected");
    if (generation !== this.generation) {
      return; // a newer refresh (or hide) took over and reports for itself
    }
    if (failed) {
      this.onStatus({ status: "error", rendered: this.features.size, error: failed.reason });
      return;
    }
    this.report(generation);
  }

  report(generation) {
    if (generation === this.generation) {
      this.onStatus({ status: "ready", rendered: this.features.size, truncated: this.truncated || undefined });
    }
  }

  loadTile(tile) {
    let promise = this.pending.get(tile.key);
    if (!promise) {
      promise = this.fetchTile(tile).finally(() => this.pending.delete(tile.key));
      this.pending.set(tile.key, promise);
    }
    return promise;
  }

  async fetchTile(tile) {
    let page = await this.api.featurePage(this.id, { bbox: tileBbox(tile.z, tile.x, tile.y), limit: this.pageLimit });
    let seen = 0;
    for (;;) {
      this.addFeatures(page.features || []);
      seen += (page.features || []).length;
      if (seen >= this.maxFeaturesPerTile) {
        this.truncated = Math.max(this.truncated, seen);
        break;
      }
      const next = this.api.nextPage(page);
      if (!next) {
        break;
      }
      page = await next;
    }
    this.loaded.add(tile.key);
  }

  addFeatures(features) {
    const style = this.definition.style || {};
    let labelled = false;
    for (const feature of features) {
      if (feature.id === undefined || this.features.has(feature.id)) {
        continue;
      }
      const key = featureClassKey(this.definition, feature.properties);
      const layer = geometryToLayer(feature.geometry, (type) => ({
        ...pathOptions(style, key, type), renderer: this.renderer, drawRank: drawRank(this.definition, key),
        hitRank: drawRank(this.definition, key, { forHits: true }), interactive: true,
      }));
      if (!layer) {
        continue;
      }
      layer.on("click", (event) => {
        this.onFeatureClick({ definition: this.definition, feature, latlng: event.latlng });
      });
      labelled = this.label(layer, feature, resolvedStyle(style, key)) || labelled;
      this.features.set(feature.id, layer);
      this.group.addLayer(layer);
    }
    if (labelled) {
      this.onLabelsChanged();
    }
  }

  /** A permanent name label (base layers only); returns whether one was added. */
  label(layer, feature, style) {
    const text = this.labelClass && feature.properties ? feature.properties[this.definition.label_property] : null;
    if (text === null || text === undefined || text === "") {
      return false;
    }
    // Wider roads win label clashes over narrow ones; larger areas over smaller ones (see labelLayout.js).
    let priority;
    if (this.labelClass.includes("line")) {
      priority = 1e6 + (style.weight ?? 2) * 1000;
    } else {
      const bounds = layer.getBounds();
      priority = Math.min(999999, (bounds.getNorth() - bounds.getSouth()) * (bounds.getEast() - bounds.getWest()) * 1e10);
    }
    layer.bindTooltip(el("span", { text: String(text), dataset: { priority } }), {
      permanent: true, direction: "center", className: this.labelClass, opacity: 1, interactive: false,
    });
    return true;
  }
}
