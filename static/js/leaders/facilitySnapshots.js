// The public facilities (garbage collection points, public toilets) as they stood at a date, for the
// leaders' before/after maps: each layer read once per instant with ?at= (a few dozen points) and drawn in
// the layer's own catalogue style beneath the cases, so a new toilet shows on the later map only.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { geometryToLayer } from "../common/geometry.js";
import { featureClassKey, pathOptions } from "../common/styles.js";

// Not bins: a hundred small green dots would read as closed cases; the coverage table gives their figures.
export const FACILITY_LAYERS = ["collection_points", "toilets"];

export class FacilitySnapshots {
  /**
   * @param {object} options
   * @param {import("./leadersApi.js").LeadersApi} options.leaders
   * @param {Array<object>} options.definitions every layer of /api/layers
   */
  constructor({ leaders, definitions }) {
    this.leaders = leaders;
    this.definitions = FACILITY_LAYERS.map((id) => definitions.find((d) => d.id === id)).filter(Boolean);
    this.cache = new Map(); // "layer|instant" -> Promise<features>
  }

  features(layerId, at) {
    const key = `${layerId}|${at}`;
    if (!this.cache.has(key)) {
      const promise = this.leaders.features(layerId, { at }).then((page) => page.features || []);
      promise.catch(() => this.cache.delete(key));
      this.cache.set(key, promise);
    }
    return this.cache.get(key);
  }

  /**
   * One layer group per facility layer as it stood at ``at``, on ``renderer``: [{id, group, count}].
   * @param {string} at ISO 8601 instant
   */
  async layers(at, renderer) {
    return Promise.all(this.definitions.map(async (definition) => {
      const group = L.layerGroup();
      const features = await this.features(definition.id, at);
      for (const feature of features) {
        const key = featureClassKey(definition, feature.properties);
        const layer = geometryToLayer(feature.geometry, (type) => ({
          ...pathOptions(definition.style || {}, key, type), renderer, interactive: false }));
        if (layer) {
          group.addLayer(layer);
        }
      }
      return { id: definition.id, group, count: features.length };
    }));
  }
}
