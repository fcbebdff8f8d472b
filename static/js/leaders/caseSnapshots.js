// The cases as they stood at an instant (the store's `at=`), kept once fetched so that flipping dates and
// playing the weeks back never asks twice. Without grid or category filters this reads the blackspot
// layer's compact CWP1 point payload (a few bytes a case, its state in the payload's classes); with them,
// /api/cases, which filters on the server.

import { decodePointPack } from "../common/pointpack.js";

export const CASE_LAYER = "blackspots";
const MAX_CACHED = 300;

/**
 * @typedef {{id: number, lng: number, lat: number, status: string, group: string}} CaseDot
 * @typedef {{at: string, items: CaseDot[], counts: {cases: number, open: number, fixed: number, closed: number}}} Snapshot
 */

function counted(at, items) {
  const counts = { cases: items.length, open: 0, fixed: 0, closed: 0 };
  for (const item of items) {
    counts[item.group] = (counts[item.group] || 0) + 1;
  }
  return { at, items, counts };
}

export class CaseSnapshots {
  /**
   * @param {object} options
   * @param {import("./leadersApi.js").LeadersApi} options.leaders
   * @param {Object<string, string>} options.groupOf state -> state group (from /api/workflow)
   */
  constructor({ leaders, groupOf }) {
    this.leaders = leaders;
    this.groupOf = groupOf;
    this.cache = new Map(); // key -> Promise<Snapshot>
  }

  /** The cases at ``at`` (ISO 8601) matching ``filters`` ({grid, category}); resolves a Snapshot. */
  get(at, filters = {}) {
    const key = JSON.stringify([at, filters.grid || "", filters.category || ""]);
    let promise = this.cache.get(key);
    if (promise) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, promise);
      return promise;
    }
    promise = (filters.grid || filters.category ? this.fromCases(at, filters) : this.fromPoints(at));
    promise.catch(() => this.cache.delete(key));
    this.cache.set(key, promise);
    while (this.cache.size > MAX_CACHED) {
      this.cache.delete(this.cache.keys().next().value);
    }
    return promise;
  }

  /** Whether ``at`` with ``filters`` has been fetched already (or is being fetched). */
  has(at, filters = {}) {
    return this.cache.has(JSON.stringify([at, filters.grid || "", filters.category || ""]));
  }

  async fromPoints(at) {
    const data = decodePointPack(await this.leaders.points(CASE_LAYER, at));
    const classes = data.classes || [null];
    const items = new Array(data.count);
    for (let i = 0; i < data.count; i += 1) {
      const status = String(classes[data.classIndex ? data.classIndex[i] : 0] ?? "");
      items[i] = { id: data.ids[i], lng: data.lng[i], lat: data.lat[i], status, group: this.groupOf[status] || "closed" };
    }
    return counted(at, items);
  }

  async fromCases(at, filters) {
    const features = await this.leaders.cases({ at, grid: filters.grid, category: filters.category });
    const items = features.map((f) => {
      const p = f.properties || {};
      const [lng, lat] = f.geometry.coordinates;
      return { id: f.id, lng, lat, status: p.status, group: p.state_group || this.groupOf[p.status] || "closed" };
    });
    return counted(at, items);
  }
}
