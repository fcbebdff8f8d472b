// The field view's small map: the project's own roads, buildings and grid as the base map (each layer
// fetched whole, once, at a fixed address the service worker keeps for offline use), the worklist's
// cases as category icons, the phone's position, a pin for a new report and a planned round (its route
// and numbered stops). State for tests is mirrored into data attributes (see mapStatus.js, and
// data-cases, data-route-points, data-stops, data-base-features, data-pin here).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { Basemaps, MAP_MAX_ZOOM, plainAttribution } from "../common/tilePresets.js";
import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";
import { crsFor } from "../common/gcjCrs.js";
import { LabelLayout } from "../common/labelLayout.js";
import { MapStatus } from "../common/mapStatus.js";
import { orderedCanvas } from "../common/orderedCanvas.js";
import { isBaseLayer } from "../common/styles.js";
import { VectorLayer } from "../common/vectorLayer.js";

const FALLBACK_VIEW = { center: L.latLng(35, 105), zoom: 4 };
const CASE_ZOOM = 18;
const SMALL_MARKERS_BELOW_ZOOM = 17;
// Our markers draw above the base layers' name labels (Leaflet's tooltip pane is at z-index 650).
const PANES = { fvCases: 655, fvStops: 656, fvPin: 657 };

function caseMarkerIcon(view, selected) {
  const classes = ["fv-marker", `fv-marker-${view.state_group || "open"}`];
  if (view.overdue) {
    classes.push("is-overdue");
  }
  if (view.pending) {
    classes.push("is-pending");
  }
  if (selected) {
    classes.push("is-selected");
  }
  const html = el("span", { className: classes.join(" "), dataset: { caseId: view.id } },
    [categoryIcon(view.icon, "fv-marker-icon")]);
  const size = selected ? 40 : 32;
  return L.divIcon({ html, className: "fv-marker-wrap", iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
}

function stopIcon(number) {
  const html = el("span", { className: "fv-stop", text: String(number), dataset: { stop: number } });
  return L.divIcon({ html, className: "fv-stop-wrap", iconSize: [26, 26], iconAnchor: [13, 13] });
}

export class FieldMap {
  /**
   * @param {object} options
   * @param {HTMLElement} options.element
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {object} options.config /api/config
   * @param {HTMLSelectElement} options.basemapSelect the tile chooser (disabled when only "none" exists)
   * @param {Storage} options.storage
   * @param {function(number): void} options.onCaseClick
   */
  constructor({ element, api, i18n, config, basemapSelect, storage, onCaseClick }) {
    this.element = element;
    this.api = api;
    this.i18n = i18n;
    this.config = config;
    this.onCaseClick = onCaseClick;
    this.basemaps = new Basemaps({ presets: config.basemaps || [], defaultId: config.default_basemap,
      select: basemapSelect, i18n, storage });
    this.renderer = orderedCanvas({ padding: 0.3, tolerance: 8 });
    this.map = null;
    this.cases = L.layerGroup();
    this.caseMarkers = new Map();
    this.selected = null;
    this.route = L.layerGroup();
    this.here = L.layerGroup();
    this.pin = null;
    this.pickHandler = null;
    this.baseLayers = [];
    this.gridNames = new Map(); // grid cell code -> name, from the base layer "grid"
  }

  start() {
    const map = L.map(this.element, {
      crs: crsFor(this.basemaps.crsName()),
      zoomControl: false,
      maxZoom: MAP_MAX_ZOOM,
      minZoom: 2,
      zoomSnap: this.basemaps.zoomSnap(),
      renderer: this.renderer,
      tapTolerance: 15,
    });
    this.map = map;
    plainAttribution(map);
    for (const [name, zIndex] of Object.entries(PANES)) {
      map.createPane(name).style.zIndex = String(zIndex);
    }
    const markerSize = () => this.element.classList.toggle("fv-small-markers",
      map.getZoom() < SMALL_MARKERS_BELOW_ZOOM);
    map.on("zoomend", markerSize);
    this.zoom = this.zoomControl().addTo(map);
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    this.fitExtent();
    markerSize();
    this.basemaps.start(map);
    new MapStatus({ map, crsName: () => this.basemaps.crsName() }).start();
    this.labels = new LabelLayout({ map }).start();
    this.route.addTo(map);
    this.cases.addTo(map);
    this.here.addTo(map);
    map.on("click", (event) => {
      if (this.pickHandler) {
        this.setPin(event.latlng.lng, event.latlng.lat);
        this.pickHandler([event.latlng.lng, event.latlng.lat]);
      }
    });
    this.i18n.onChange(() => {
      this.basemaps.relabel();
      this.zoom.remove();
      this.zoom = this.zoomControl().addTo(map);
    });
    return this;
  }

  zoomControl() {
    return L.control.zoom({ position: "topright", zoomInTitle: this.i18n.t("zoom.in"),
      zoomOutTitle: this.i18n.t("zoom.out") });
  }

  fitExtent() {
    const extent = this.config.extent;
    if (Array.isArray(extent) && extent.length === 4 && extent.every(Number.isFinite)) {
      const [minLon, minLat, maxLon, maxLat] = extent;
      this.map.fitBounds(L.latLngBounds([minLat, minLon], [maxLat, maxLon]), { padding: L.point(8, 8), maxZoom: 18 });
    } else {
      this.map.setView(FALLBACK_VIEW.center, FALLBACK_VIEW.zoom);
    }
  }

  /** Size changed (the map was shown, hidden or resized by the layout). */
  resize() {
    if (this.map) {
      this.map.invalidateSize({ pan: false });
    }
  }

  /**
   * Draw the base layers (roads, buildings, grid: every layer styled ``base``) from whole-layer requests.
   * Resolves with the number of features drawn; a layer that fails (offline and never stored) is skipped.
   */
  async loadBase(definitions, limit) {
    const base = definitions.filter(isBaseLayer);
    const counts = await Promise.all(base.map(async (definition) => {
      const layer = new VectorLayer({ definition, api: this.api, renderer: this.renderer,
        onLabelsChanged: this.labels.schedule });
      try {
        let page = await this.api.featurePage(definition.id, { limit });
        while (page) {
          layer.addFeatures(page.features || []);
          this.noteGridNames(definition, page.features || []);
          page = await this.api.nextPage(page);
        }
      } catch (error) {
        if (error.redirecting) {
          throw error;
        }
        console.warn(`base layer ${definition.id} not drawn:`, error);
      }
      layer.group.addTo(this.map);
      this.baseLayers.push(layer);
      return layer.features.size;
    }));
    const total = counts.reduce((a, b) => a + b, 0);
    this.element.dataset.baseFeatures = String(total);
    return total;
  }

  /** Keep the names of the grid cells drawn (the detail and the round planner name cells, not codes). */
  noteGridNames(definition, features) {
    if (definition.id !== "grid") {
      return;
    }
    for (const feature of features) {
      const { code, name } = feature.properties || {};
      if (code && name) {
        this.gridNames.set(code, name);
      }
    }
  }

  /** The name of grid cell ``code``, or the code while the grid is unknown. */
  gridName(code) {
    return this.gridNames.get(code) || code;
  }

  /** Show or hide the case icons (a planned round shows its numbered stops instead). */
  showCases(shown) {
    if (shown) {
      this.cases.addTo(this.map);
    } else {
      this.cases.remove();
    }
  }

  /** Show ``views`` (cases as view() gives them) as icons; ``selectedId`` is drawn larger. */
  setCases(views, selectedId = this.selected) {
    this.selected = selectedId;
    this.cases.clearLayers();
    this.caseMarkers.clear();
    for (const view of views) {
      if (!Number.isFinite(view.lon) || !Number.isFinite(view.lat)) {
        continue;
      }
      const selected = view.id === selectedId;
      const marker = L.marker([view.lat, view.lon], {
        icon: caseMarkerIcon(view, selected),
        title: this.i18n.pick(view.category_name, view.category || ""),
        keyboard: true,
        pane: "fvCases",
        zIndexOffset: selected ? 1000 : 0,
      });
      marker.on("click", () => this.onCaseClick(view.id));
      marker.addTo(this.cases);
      this.caseMarkers.set(view.id, marker);
    }
    this.element.dataset.cases = String(this.caseMarkers.size);
  }

  /** Centre on a case (when it is not in view already). */
  focusCase(view) {
    if (!view || !Number.isFinite(view.lat)) {
      return;
    }
    const latlng = L.latLng(view.lat, view.lon);
    const inner = this.map.getBounds().pad(-0.15);
    if (!inner.contains(latlng) || this.map.getZoom() < CASE_ZOOM - 2) {
      this.map.setView(latlng, Math.max(this.map.getZoom(), CASE_ZOOM), { animate: false });
    }
  }

  /** Fit the view to the listed cases (and the phone when known). */
  fitCases(views, here) {
    const points = views.filter((view) => Number.isFinite(view.lat)).map((view) => [view.lat, view.lon]);
    if (here) {
      points.push([here[1], here[0]]);
    }
    if (points.length === 0) {
      return;
    }
    this.map.fitBounds(L.latLngBounds(points), { padding: L.point(24, 24), maxZoom: CASE_ZOOM });
  }

  /** The phone's position as a blue dot with its accuracy circle. */
  setHere(position) {
    this.here.clearLayers();
    if (!position) {
      delete this.element.dataset.here;
      return;
    }
    const latlng = L.latLng(position.lat, position.lon);
    if (Number.isFinite(position.accuracy_m) && position.accuracy_m > 5) {
      L.circle(latlng, { radius: position.accuracy_m, renderer: this.renderer, interactive: false, weight: 1,
        color: "#1e88e5", fillColor: "#1e88e5", fillOpacity: 0.1, drawRank: 30000 }).addTo(this.here);
    }
    L.circleMarker(latlng, { radius: 7, renderer: this.renderer, interactive: false, weight: 3, color: "#ffffff",
      fillColor: "#1e88e5", fillOpacity: 1, drawRank: 30001 }).addTo(this.here);
    this.element.dataset.here = `${position.lon.toFixed(6)},${position.lat.toFixed(6)}`;
  }

  centreOn(lonLat) {
    if (lonLat) {
      this.map.setView(L.latLng(lonLat[1], lonLat[0]), Math.max(this.map.getZoom(), CASE_ZOOM - 1), { animate: false });
    }
  }

  /** Tapping the map calls ``handler([lon, lat])`` and moves the pin there, until stopPicking(). */
  startPicking(handler) {
    this.pickHandler = handler;
    this.element.classList.add("is-picking");
  }

  stopPicking() {
    this.pickHandler = null;
    this.element.classList.remove("is-picking");
  }

  setPin(lon, lat) {
    const latlng = L.latLng(lat, lon);
    if (!this.pin) {
      const html = el("span", { className: "fv-pin" });
      this.pin = L.marker(latlng, { icon: L.divIcon({ html, className: "fv-pin-wrap", iconSize: [30, 40],
        iconAnchor: [15, 40] }), interactive: false, pane: "fvPin" });
    }
    this.pin.setLatLng(latlng).addTo(this.map);
    this.element.dataset.pin = `${lon.toFixed(7)},${lat.toFixed(7)}`;
  }

  clearPin() {
    if (this.pin) {
      this.pin.remove();
    }
    delete this.element.dataset.pin;
  }

  /** Draw a planned round: its route (GeoJSON geometry) and the numbered stops. */
  showRound(round) {
    this.route.clearLayers();
    const latlngs = [];
    const geometry = round.route;
    if (geometry && (geometry.type === "LineString" || geometry.type === "MultiLineString")) {
      const lines = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
      const parts = lines.map((line) => line.map(([lon, lat]) => L.latLng(lat, lon)));
      latlngs.push(...parts.flat());
      L.polyline(parts, { color: "#ffffff", weight: 9, opacity: 0.9, renderer: this.renderer, interactive: false,
        drawRank: 20000 }).addTo(this.route);
      L.polyline(parts, { color: "#1565c0", weight: 5, opacity: 0.95, renderer: this.renderer, interactive: false,
        dashArray: round.method === "straight" ? "8 6" : null, drawRank: 20001 }).addTo(this.route);
    }
    round.cases.forEach((stop, index) => {
      const latlng = L.latLng(stop.lat, stop.lon);
      latlngs.push(latlng);
      const marker = L.marker(latlng, { icon: stopIcon(index + 1), pane: "fvStops", keyboard: false });
      marker.on("click", () => this.onCaseClick(stop.id));
      marker.addTo(this.route);
    });
    this.element.dataset.routePoints = String(latlngs.length - round.cases.length);
    this.element.dataset.stops = String(round.cases.length);
    if (latlngs.length) {
      this.map.fitBounds(L.latLngBounds(latlngs), { padding: L.point(24, 24), maxZoom: CASE_ZOOM });
    }
  }

  clearRound() {
    this.route.clearLayers();
    delete this.element.dataset.routePoints;
    delete this.element.dataset.stops;
  }
}
