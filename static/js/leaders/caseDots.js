// A snapshot of cases (caseSnapshots.js) drawn as dots coloured by state group on one canvas renderer:
// closed cases first, open ones on top. Groups can be hidden. The dots drawn per group are counted so the
// page can write them into data attributes (tests compare them with the API at the same instant).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { GROUPS, groupOptions } from "./caseColors.js";

const DRAW_ORDER = { closed: 0, fixed: 1, open: 2 };

export class CaseDots {
  /**
   * @param {object} options
   * @param {L.Renderer} options.renderer the canvas the dots go on (its pane decides what clips them)
   * @param {Set<string>} [options.groups] state groups shown
   * @param {function(object): void} [options.onClick] ({item, latlng})
   */
  constructor({ renderer, groups = new Set(GROUPS), onClick = null }) {
    this.renderer = renderer;
    this.groups = new Set(groups);
    this.onClick = onClick;
    this.group = L.layerGroup();
    this.snapshot = null;
    this.counts = { cases: 0, open: 0, fixed: 0, closed: 0 };
  }

  addTo(map) {
    this.group.addTo(map);
    return this;
  }

  remove() {
    this.group.remove();
    return this;
  }

  /** Draw ``snapshot`` ({items, counts}) instead of what is drawn now. */
  setSnapshot(snapshot) {
    this.snapshot = snapshot;
    this.draw();
  }

  setGroups(groups) {
    this.groups = new Set(groups);
    this.draw();
  }

  draw() {
    this.group.clearLayers();
    this.counts = { cases: 0, open: 0, fixed: 0, closed: 0 };
    if (!this.snapshot) {
      return;
    }
    const items = this.snapshot.items.filter((item) => this.groups.has(item.group));
    items.sort((a, b) => (DRAW_ORDER[a.group] ?? 0) - (DRAW_ORDER[b.group] ?? 0));
    const options = Object.fromEntries(GROUPS.map((g) => [g, { ...groupOptions(g), renderer: this.renderer,
      interactive: Boolean(this.onClick), bubblingMouseEvents: false }]));
    for (const item of items) {
      const latlng = L.latLng(item.lat, item.lng);
      const marker = L.circleMarker(latlng, options[item.group] || options.closed);
      if (this.onClick) {
        marker.on("click", () => this.onClick({ item, latlng }));
      }
      this.group.addLayer(marker);
      this.counts.cases += 1;
      this.counts[item.group] = (this.counts[item.group] || 0) + 1;
    }
  }
}
