// A map for the leaders' pages on the project's own base layers (roads, buildings, grid cells: the catalogue
// layers with style.base, loaded by view like the main map), with zoom and scale controls, fitted to the
// data's extent. Tiles only when the page's basemap chooser picks a preset: by default (basemap "none")
// the pages work with no internet, like the main map.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { MAP_MAX_ZOOM, plainAttribution } from "../common/tilePresets.js";
import { crsFor } from "../common/gcjCrs.js";
import { LabelLayout } from "../common/labelLayout.js";
import { MapStatus } from "../common/mapStatus.js";
import { orderedCanvas } from "../common/orderedCanvas.js";
import { isBaseLayer } from "../common/styles.js";
import { VectorLayer } from "../common/vectorLayer.js";

const SETTLED = new Set(["ready", "error", "zoom", "hidden"]);

/** The base layer definitions of /api/layers. */
export function baseDefinitions(definitions) {
  return definitions.filter((definition) => isBaseLayer(definition));
}

/** Fit ``map`` to the /api/config extent (or a view of China when there is no data). */
export function fitExtent(map, extent) {
  if (Array.isArray(extent) && extent.length === 4 && extent.every(Number.isFinite)) {
    const [minLon, minLat, maxLon, maxLat] = extent;
    map.fitBounds(L.latLngBounds([minLat, minLon], [maxLat, maxLon]), { padding: L.point(8, 8), maxZoom: 18 });
  } else {
    map.setView(L.latLng(35, 105), 4);
  }
}

/**
 * Make a map in ``element``. Resolves nothing; returns {map, renderer, ready} where ``ready`` resolves when
 * the base layers have drawn their first view (element[data-base-ready="1"]).
 * @param {object} options
 * @param {HTMLElement} options.element
 * @param {Array<object>} options.definitions base layer definitions
 * @param {import("../common/api.js").Api} options.api
 * @param {import("../common/i18n.js").I18n} options.i18n
 * @param {Array<number>} [options.extent]
 * @param {boolean} [options.zoomControl]
 * @param {import("../common/tilePresets.js").Basemaps} [options.basemaps] the page's tile chooser (none: no tiles)
 */
export function createBaseMap({ element, definitions, api, i18n, extent, zoomControl = true, basemaps = null }) {
  const coarse = globalThis.matchMedia("(pointer: coarse)").matches;
  const renderer = orderedCanvas({ padding: 0.3, tolerance: coarse ? 8 : 3 });
  const map = L.map(element, { zoomControl: false, maxZoom: MAP_MAX_ZOOM, minZoom: 2, renderer, tapTolerance: 15,
    crs: crsFor(basemaps ? basemaps.crsName() : "wgs84"), zoomSnap: basemaps ? basemaps.zoomSnap() : 0.5 });
  plainAttribution(map);
  if (zoomControl) {
    L.control.zoom({ position: "topright", zoomInTitle: i18n.t("zoom.in"), zoomOutTitle: i18n.t("zoom.out") }).addTo(map);
  }
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  fitExtent(map, extent);
  basemaps?.start(map);
  new MapStatus({ map, crsName: () => (basemaps ? basemaps.crsName() : "wgs84") }).start();
  const labels = new LabelLayout({ map }).start();
  const waiting = new Set(definitions.map((d) => d.id));
  let resolveReady;
  const ready = new Promise((resolve) => {
    resolveReady = resolve;
  });
  const settle = (id, status) => {
    if (waiting.has(id) && SETTLED.has(status)) {
      waiting.delete(id);
      if (waiting.size === 0) {
        element.dataset.baseReady = "1";
        resolveReady();
      }
    }
  };
  for (const definition of definitions) {
    new VectorLayer({
      definition, api, renderer, pageLimit: 5000, onLabelsChanged: labels.schedule,
      onStatus: (state) => settle(definition.id, state.status),
    }).show(map);
  }
  if (definitions.length === 0) {
    element.dataset.baseReady = "1";
    resolveReady();
  }
  return { map, renderer, ready };
}

/** A canvas renderer on a new pane of ``map`` (above the base layers), for what must be clipped or ordered apart. */
export function paneRenderer(map, name, zIndex) {
  const pane = map.createPane(name);
  pane.style.zIndex = String(zIndex);
  return { pane, renderer: L.canvas({ pane: name, padding: 0.3 }) };
}
