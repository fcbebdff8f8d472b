// The server's REST API (see web/api.py). Every call returns parsed data or throws ApiError.

/** An error answer from the API ({"error": {status, code, message, message_zh, details}}). */
export class ApiError extends Error {
  constructor({ status, code = "http_error", message = "", messageZh = "", details = [] }) {
    super(message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.messageZh = messageZh;
    this.details = details;
  }

  /** The message in ``lang`` (the server sends English and Chinese). */
  localized(lang) {
    return (lang === "zh-CN" && this.messageZh) ? this.messageZh : this.message;
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && typeof body === "object" ? body.error : null;
  if (error && typeof error === "object") {
    return new ApiError({
      status: response.status, code: error.code, message: error.message, messageZh: error.message_zh,
      details: Array.isArray(error.details) ? error.details : [],
    });
  }
  return new ApiError({
    status: response.status,
    message: `HTTP ${response.status} ${response.statusText}`.trim(),
    messageZh: `服务器错误（HTTP ${response.status}）`,
  });
}

/** Same-origin path + query of a link the server built (its host may differ behind a proxy). */
export function sameOriginPath(href, base = globalThis.location?.href) {
  const url = new URL(href, base);
  return url.pathname + url.search;
}

export class Api {
  /**
   * @param {object} [options]
   * @param {string} [options.root] prefix of every API path
   */
  constructor({ root = "/api" } = {}) {
    this.root = root;
  }

  /** Fetch ``url`` (a path already under the API root); throw ApiError on an error status. */
  async request(url, { signal, accept = "application/json" } = {}) {
    const response = await fetch(url, {
      headers: { Accept: accept },
      signal,
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw await errorFrom(response);
    }
    return response;
  }

  async json(url, options = {}) {
    const response = await this.request(url, options);
    return response.json();
  }

  url(path) {
    return this.root + path;
  }

  config(options) {
    return this.json(this.url("/config"), options);
  }

  async layers(options) {
    const body = await this.json(this.url("/layers"), options);
    return body.layers;
  }

  /** One page of a layer's features; ``bbox`` is [minLon, minLat, maxLon, maxLat]. */
  featurePage(layerId, { bbox, limit, offset, signal } = {}) {
    const params = new URLSearchParams();
    if (bbox) {
      params.set("bbox", bbox.map((v) => v.toFixed(7)).join(","));
    }
    if (limit) {
      params.set("limit", String(limit));
    }
    if (offset) {
      params.set("offset", String(offset));
    }
    return this.json(this.url(`/layers/${encodeURIComponent(layerId)}/features?${params}`),
      { signal, accept: "application/geo+json" });
  }

  /** Follow a page's rel=next link (null when there is none). */
  nextPage(page, { signal } = {}) {
    const next = (page.links || []).find((link) => link.rel === "next");
    if (!next) {
      return null;
    }
    return this.json(sameOriginPath(next.href), { signal, accept: "application/geo+json" });
  }

  feature(layerId, fid, { signal } = {}) {
    return this.json(this.url(`/layers/${encodeURIComponent(layerId)}/features/${encodeURIComponent(fid)}`),
      { signal, accept: "application/geo+json" });
  }

  /** The CWP1 point payload of a point layer as an ArrayBuffer (see pointpack.js). */
  async points(layerId, { signal } = {}) {
    const response = await this.request(this.url(`/layers/${encodeURIComponent(layerId)}/points`),
      { signal, accept: "application/octet-stream" });
    return response.arrayBuffer();
  }
}
