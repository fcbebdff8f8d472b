// The public facilities as they stood at a date, for the leaders' before/after maps: the facility layers
// whose role says so (roles.facility.leaders.on_maps: collection points and toilets, a few dozen points,
// not bins: a hundred small green dots would read as closed cases), each read once per instant with ?at=
// and drawn in the layer's own catalogue style beneath the cases, so a new toilet shows on the later map only.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { geometryToLayer } from "../common/geometry.js";
import { leadersFacilities } from "../common/layerRoles.js";
import { featureClassKey, pathOptions } from "../common/styles.js";

export class FacilitySnapshots {
  /**
   * @param {object} options
   * @param {import("./leadersApi.js").LeadersApi} options.leaders
   * @param {Array<object>} options.definitions every layer of /api/layers
   */
  constructor({ leaders, definitions }) {
    this.leaders = leaders;
    this.definitions = leadersFacilities(definitions).filter((f) => f.leaders.on_maps).map((f) => f.definition);
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
