// An analysis result drawn over every other layer on the shared canvas: coverage targets coloured by
// state with their service areas beneath, dark stretches as thick red lines, proposed sites as numbered
// markers, hotspot cells by class and recurring places sized by their count. Clicking a result feature
// calls back with it (the panel opens its popup).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import {
  COVERAGE_STATES, RESULT_RANK, coverageOptions, coverageState, gapOptions, hotspotOptions, proposalRadiusOptions,
  recurrenceOptions, serviceAreaOptions,
} from "./analysisStyles.js";
import { el } from "../common/dom.js";
import { geometryToLayer } from "../common/geometry.js";

// Numbered markers go in a pane of their own above the road-name labels (tooltips), below popups.
const MARKER_PANE = "analysisMarkers";
const HOTSPOT_RANKS = { hot_99: 7, cold_99: 6, hot_95: 5, cold_95: 4, hot_90: 3, cold_90: 2, not_significant: 1 };
const COVERAGE_RANKS = { uncovered: 3, unreachable: 2, covered: 1 };

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

  /** Draw ``answer`` (the API's FeatureCollection) of analysis ``kind``; returns what was drawn, counted. */
  show(kind, answer, params) {
    this.clear();
    const features = Array.isArray(answer?.features) ? answer.features : [];
    const counts = { drawn: 0 };
    const draw = {
      coverage: () => this.drawCoverage(features, answer.service_areas, counts),
      gaps: () => this.drawGaps(features, counts),
      proposals: () => this.drawProposals(features, params, counts),
      hotspots: () => this.drawHotspots(features, counts),
      recurrence: () => this.drawRecurrence(features, counts),
    }[kind];
    draw?.();
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

  /** Proposed-site markers carry translated titles: redo them in the current language. */
  relabel() {
    for (const { marker, rank } of this.markers) {
      const title = this.i18n.t("analysis.proposal_title", { rank });
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

  drawCoverage(features, serviceAreas, counts) {
    for (const state of COVERAGE_STATES) {
      counts[state] = 0;
    }
    counts.areas = 0;
    for (const area of serviceAreas?.features || []) {
      if (this.add(area, serviceAreaOptions, { rank: RESULT_RANK, interactive: false })) {
        counts.areas += 1;
      }
    }
    for (const feature of features) {
      const state = coverageState(feature.properties);
      if (this.add(feature, (type) => coverageOptions(state, type), { rank: RESULT_RANK + 100 + COVERAGE_RANKS[state] })) {
        counts[state] += 1;
        counts.drawn += 1;
      }
    }
  }

  drawGaps(features, counts) {
    for (const feature of features) {
      this.add(feature, () => gapOptions({ casing: true }), { rank: RESULT_RANK + 100, interactive: false });
      if (this.add(feature, () => gapOptions(), { rank: RESULT_RANK + 101 })) {
        counts.drawn += 1;
      }
    }
  }

  drawProposals(features, params, counts) {
    const sorted = [...features].sort((a, b) => (a.properties?.rank ?? 0) - (b.properties?.rank ?? 0));
    for (const feature of sorted) {
      const coords = feature.geometry?.type === "Point" ? feature.geometry.coordinates : null;
      if (!coords) {
        continue;
      }
      const latlng = L.latLng(coords[1], coords[0]);
      const rank = feature.properties?.rank ?? counts.drawn + 1;
      if (params?.metric !== "network" && params?.radius_m > 0) {
        this.group.addLayer(L.circle(latlng, {
          ...proposalRadiusOptions(), radius: params.radius_m, renderer: this.renderer, drawRank: RESULT_RANK + 50,
          interactive: false,
        }));
      }
      const title = this.i18n.t("analysis.proposal_title", { rank });
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
      this.markers.push({ marker, rank });
      this.group.addLayer(marker);
      counts.drawn += 1;
    }
  }

  drawHotspots(features, counts) {
    counts.significant = 0;
    for (const feature of features) {
      const cls = feature.properties?.class;
      const rank = RESULT_RANK + 100 + (HOTSPOT_RANKS[cls] ?? 0);
      if (this.add(feature, () => hotspotOptions(cls), { rank })) {
        counts.drawn += 1;
        counts.significant += cls && cls !== "not_significant" ? 1 : 0;
      }
    }
  }

  drawRecurrence(features, counts) {
    for (const feature of features) {
      const count = feature.properties?.recurrence_count ?? 0;
      // Smaller circles above bigger ones, so each stays clickable.
      const rank = RESULT_RANK + 100 + Math.max(0, 100 - Math.min(99, count));
      if (this.add(feature, () => recurrenceOptions(count), { rank })) {
        counts.drawn += 1;
      }
    }
  }
}
