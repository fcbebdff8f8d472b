// What changed between two dates, on the map: a ring around each case that counts in compare's numbers
// (new, fixed, still open, recurring), coloured by its main change (see caseColors.primaryChange). Kinds of
// change can be hidden. ``counts`` holds, per kind, the cases shown that count in it (a case reported and
// fixed in the period counts as new and as fixed, like compare's numbers); ``drawn`` the rings per colour.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { CHANGES, changeOptions, primaryChange } from "./caseColors.js";

export class ChangeRings {
  /**
   * @param {object} options
   * @param {L.Renderer} options.renderer
   * @param {Set<string>} [options.changes] kinds of change shown
   * @param {function(object): void} [options.onClick] ({feature, latlng})
   */
  constructor({ renderer, changes = new Set(CHANGES), onClick = null }) {
    this.renderer = renderer;
    this.changes = new Set(changes);
    this.onClick = onClick;
    this.group = L.layerGroup();
    this.features = [];
    this.counts = {};
    this.drawn = {};
  }

  addTo(map) {
    this.group.addTo(map);
    return this;
  }

  remove() {
    this.group.remove();
    return this;
  }

  /** Draw compare's ``features`` (a FeatureCollection's features, each with properties.changes). */
  setFeatures(features) {
    this.features = features || [];
    this.draw();
  }

  setChanges(changes) {
    this.changes = new Set(changes);
    this.draw();
  }

  draw() {
    this.group.clearLayers();
    this.counts = Object.fromEntries(CHANGES.map((c) => [c, 0]));
    this.drawn = Object.fromEntries(CHANGES.map((c) => [c, 0]));
    // Fixed ones underneath: what is still wrong stays clickable on top.
    const order = (f) => -CHANGES.indexOf(primaryChange(f.properties?.changes));
    const shown = this.features.filter((f) => this.changes.has(primaryChange(f.properties?.changes)));
    for (const feature of shown.sort((a, b) => order(a) - order(b))) {
      const change = primaryChange(feature.properties.changes);
      const [lng, lat] = feature.geometry.coordinates;
      const latlng = L.latLng(lat, lng);
      const ring = L.circleMarker(latlng, { ...changeOptions(change), renderer: this.renderer,
        interactive: Boolean(this.onClick), bubblingMouseEvents: false });
      if (this.onClick) {
        ring.on("click", () => this.onClick({ feature, latlng }));
      }
      this.group.addLayer(ring);
      this.drawn[change] += 1;
      for (const kind of feature.properties.changes) {
        this.counts[kind] = (this.counts[kind] || 0) + 1;
      }
    }
  }
}
