// The leaders' endpoints (web/leaders.py: /api/compare, /api/dashboard and its downloads) and the reads their
// pages need besides: the lifecycle table, categories, grid cells, cases and points as they were at an
// instant, saved analysis results. Every call goes through api.js (errors, login redirects).

import { query } from "./leadersUrl.js";

export class LeadersApi {
  /** @param {import("../common/api.js").Api} api */
  constructor(api) {
    this.api = api;
  }

  get(path, params = {}, options = {}) {
    const search = query(params);
    return this.api.json(this.api.url(search ? `${path}?${search}` : path), options);
  }

  /** GET /api/compare (from, to, grid, category, coverage, weeks). */
  compare(params, options) {
    return this.get("/compare", params, options);
  }

  /** GET /api/dashboard (at, since, grid, category). */
  dashboard(params, options) {
    return this.get("/dashboard", params, options);
  }

  /** The address of a dashboard table's download (GET /api/dashboard/export). */
  exportUrl(table, format, params, lang) {
    return this.api.url(`/dashboard/export?${query({ table, format, lang, ...params })}`);
  }

  workflow() {
    return this.get("/workflow");
  }

  async categories() {
    return (await this.get("/categories")).categories || [];
  }

  /** Every grid cell as {code, name, responsible_unit, geometry}, sorted by code. */
  async gridCells() {
    let page;
    try {
      page = await this.api.json(this.api.url("/layers/grid/features?limit=10000"), { accept: "application/geo+json" });
    } catch (error) {
      if (error.status === 404) {
        return [];
      }
      throw error;
    }
    return (page.features || [])
      .filter((f) => typeof f.properties?.code === "string" && f.properties.code)
      .map((f) => ({ code: f.properties.code, name: String(f.properties.name ?? f.properties.code),
        responsible_unit: f.properties.responsible_unit ?? null, geometry: f.geometry }))
      .sort((a, b) => a.code.localeCompare(b.code));
  }

  /** Every case (GET /api/cases, page by page) matching ``params`` (at, grid, category, overdue, ...). */
  async cases(params, { signal, pageSize = 5000 } = {}) {
    const features = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.get("/cases", { ...params, limit: pageSize, offset }, { signal, accept: "application/geo+json" });
      features.push(...(page.features || []));
      if (!page.features || page.features.length < pageSize || features.length >= (page.numberMatched ?? 0)) {
        return features;
      }
    }
  }

  /** A point layer's CWP1 payload as it was at ``at`` (see pointpack.js). */
  async points(layerId, at, { signal } = {}) {
    const url = this.api.url(`/layers/${encodeURIComponent(layerId)}/points?${query({ at })}`);
    const response = await this.api.request(url, { signal, accept: "application/octet-stream" });
    return response.arrayBuffer();
  }

  /** A layer's features (up to 10,000), as now or as they were at ``at``. */
  features(layerId, { at, limit = 10000, signal } = {}) {
    return this.get(`/layers/${encodeURIComponent(layerId)}/features`, { at, limit }, {
      signal, accept: "application/geo+json" });
  }
}
