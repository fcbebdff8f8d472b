// An analysis result drawn over every other layer on the shared canvas, as its kind declares (``result``):
// each feature in the paint of its class (coverage targets by state, hotspot cells by class), with a casing
// beneath (gaps), sized by a property (recurring places), over an extra collection (service areas), or as
// numbered markers (proposed sites). Clicking a result feature calls back with it (the panel opens its popup).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { applies, classOf, paintFor } from "./analysisKinds.js";
import { RESULT_RANK, sizedRadius } from "./analysisStyles.js";
import { el } from "../common/dom.js";
import { geometryToLayer } from "../common/geometry.js";

// Numbered markers go in a pane of their own above the road-name labels (tooltips), below popups.
const MARKER_PANE = "analysisMarkers";

export class AnalysisOverlay {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {L.Renderer} options.renderer the shared canvas (ranks decide what draws on top, see orderedCanvas.js)
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(object): void} options.onFeatureClick ({feature, latlng})
   */
  constructor({ map, renderer, i18n, onFeatureClick }) {
    this.map = map;
    this.renderer = renderer;
    this.i18n = i18n;
    this.onFeatureClick = onFeatureClick;
    if (!map.getPane(MARKER_PANE)) {
      map.createPane(MARKER_PANE); // stacked by CSS: .leaflet-analysisMarkers-pane
    }
    this.group = L.featureGroup();
    this.extent = L.latLngBounds([]); // of the result features (not their service areas)
    this.markers = [];
    this.counts = {};
  }

  /**
   * Draw ``answer`` (the API's FeatureCollection) of analysis ``kind`` (its declaration) computed with
   * ``params``; returns what was drawn, counted (drawn, and per class when the kind counts them).
   */
  show(kind, answer, params) {
    this.clear();
    const result = kind?.result || {};
    const features = Array.isArray(answer?.features) ? answer.features : [];
    const counts = { drawn: 0 };
    if (result.counted) {
      for (const cls of result.classes) {
        counts[cls.id] = 0;
      }
    }
    if (result.areas) {
      counts.areas = 0;
      for (const area of answer?.[result.areas.key]?.features || []) {
        if (this.add(area, (type) => paintFor(result.areas.paint, type), { rank: RESULT_RANK, interactive: false })) {
          counts.areas += 1;
        }
      }
    }
    if (result.markers) {
      this.drawMarkers(features, result, params, counts);
    } else {
      this.drawFeatures(features, result, counts);
    }
    this.group.addTo(this.map);
    // Cluster badges are markers, drawn above every canvas: the map dims them while a result shows.
    this.map.getContainer().classList.add("has-analysis");
    this.counts = counts;
    return counts;
  }

  clear() {
    this.group.clearLayers();
    this.group.remove();
    this.map.getContainer().classList.remove("has-analysis");
    this.extent = L.latLngBounds([]);
    this.markers = [];
    this.counts = {};
  }

  /** The extent of the result's features (service areas left out), or null when nothing is drawn. */
  bounds() {
    return this.extent.isValid() ? this.extent : null;
  }

  /** Numbered markers carry translated titles: redo them in the current language. */
  relabel() {
    for (const { marker, rank, titleKey } of this.markers) {
      const title = this.i18n.t(titleKey, { rank });
      marker.getElement()?.setAttribute("title", title);
      marker.getElement()?.setAttribute("aria-label", title);
      marker.options.title = title;
    }
  }

  add(feature, optionsFor, { rank, interactive = true } = {}) {
    const layer = geometryToLayer(feature.geometry, (type) => ({
      ...optionsFor(type), renderer: this.renderer, drawRank: rank, interactive, bubblingMouseEvents: false,
    }));
    if (!layer) {
      return null;
    }
    if (interactive) {
      layer.on("click", (event) => this.onFeatureClick({ feature, latlng: event.latlng }));
      this.extent.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
    }
    this.group.addLayer(layer);
    return layer;
  }

  /** Each feature in its class's paint; a sized kind's smaller points above its bigger ones. */
  drawFeatures(features, result, counts) {
    for (const feature of features) {
      const cls = classOf(result, feature.properties);
      if (!cls) {
        continue;
      }
      let rank = RESULT_RANK + 100 + (cls.rank ?? 0);
      let optionsFor = (type) => paintFor(cls.paint, type);
      if (result.size) {
        const value = feature.properties?.[result.size.property] ?? 0;
        rank = RESULT_RANK + 100 + Math.max(0, 100 - Math.min(99, value)); // each stays clickable
        optionsFor = (type) => ({ ...paintFor(cls.paint, type), radius: sizedRadius(result.size, value) });
      }
      if (result.casing) {
        this.add(feature, (type) => paintFor(result.casing, type), { rank: RESULT_RANK + 100, interactive: false });
      }
      if (this.add(feature, optionsFor, { rank })) {
        counts.drawn += 1;
        if (result.counted) {
          counts[cls.id] += 1;
        }
      }
    }
  }

  /** Numbered markers in the order of their number, each with a circle of the run's radius when declared. */
  drawMarkers(features, result, params, counts) {
    const { number, title: titleKey } = result.markers;
    const circle = result.circle && applies(result.circle, params) && params?.[result.circle.radius] > 0
      ? result.circle : null;
    const sorted = [...features].sort((a, b) => (a.properties?.[number] ?? 0) - (b.properties?.[number] ?? 0));
    for (const feature of sorted) {
      const coords = feature.geometry?.type === "Point" ? feature.geometry.coordinates : null;
      if (!coords) {
        continue;
      }
      const latlng = L.latLng(coords[1], coords[0]);
      const rank = feature.properties?.[number] ?? counts.drawn + 1;
      if (circle) {
        this.group.addLayer(L.circle(latlng, {
          ...circle.paint, radius: params[circle.radius], renderer: this.renderer, drawRank: RESULT_RANK + 50,
          interactive: false,
        }));
      }
      const title = this.i18n.t(titleKey, { rank });
      const badge = el("span", { className: "analysis-proposal-rank", text: String(rank), dataset: { rank } });
      const marker = L.marker(latlng, {
        icon: L.divIcon({ html: badge, className: "analysis-proposal-marker", iconSize: L.point(30, 30) }),
        title,
        alt: title,
        keyboard: true,
        riseOnHover: true,
        pane: MARKER_PANE,
        zIndexOffset: 1000 - rank,
      });
      marker.on("click", () => this.onFeatureClick({ feature, latlng }));
      this.extent.extend(latlng);
      this.markers.push({ marker, rank, titleKey });
      this.group.addLayer(marker);
      counts.drawn += 1;
    }
  }
}
