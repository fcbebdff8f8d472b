// The server's REST API (see web/api.py, web/auth.py, web/users.py). Every call returns parsed data or
// throws ApiError. Unsafe requests (POST/PUT/PATCH/DELETE) carry the session's CSRF token in X-CSRF-Token;
// a 401 sends the browser to the login page (except "wrong password" answers, which the form shows).

import { pageArea } from "./areaBreadcrumb.js";
import { loginUrl } from "./session.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** 401 codes that mean "the password you typed is wrong", not "you are not logged in". */
const TYPED_WRONG = new Set(["invalid_credentials"]);

/** An error answer from the API ({"error": {status, code, message, message_zh, details}}). */
export class ApiError extends Error {
  constructor({ status, code = "http_error", message = "", messageZh = "", details = [], retryAfter = null }) {
    super(message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.messageZh = messageZh;
    this.details = details;
    this.retryAfter = retryAfter;
    this.redirecting = false;
  }

  /** The message in ``lang`` (the server sends English and Chinese). */
  localized(lang) {
    return (lang === "zh-CN" && this.messageZh) ? this.messageZh : this.message;
  }
}

function retryAfterSeconds(response) {
  const value = Number(response.headers.get("Retry-After"));
  return Number.isFinite(value) && value > 0 ? value : null;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && typeof body === "object" ? body.error : null;
  const retryAfter = retryAfterSeconds(response);
  if (error && typeof error === "object") {
    return new ApiError({
      status: response.status, code: error.code, message: error.message, messageZh: error.message_zh,
      details: Array.isArray(error.details) ? error.details : [], retryAfter,
    });
  }
  return new ApiError({
    status: response.status,
    message: `HTTP ${response.status} ${response.statusText}`.trim(),
    messageZh: `服务器错误（HTTP ${response.status}）`,
    retryAfter,
  });
}

/** Same-origin path + query of a link the server built (its host may differ behind a proxy). */
export function sameOriginPath(href, base = globalThis.location?.href) {
  const url = new URL(href, base);
  return url.pathname + url.search;
}

/** Send the browser to the login page, coming back here afterwards. */
export function goToLogin() {
  const here = globalThis.location;
  here.assign(loginUrl(here.pathname + here.search + here.hash));
}

export class Api {
  /**
   * @param {object} [options]
   * @param {string} [options.root] prefix of every API path
   * @param {function(ApiError): void|null} [options.onUnauthorized] called on a 401 (default: go to login)
   */
  constructor({ root = "/api", onUnauthorized = goToLogin } = {}) {
    this.root = root;
    this.onUnauthorized = onUnauthorized;
    this.csrfToken = null;
  }

  /** Fetch ``url`` (a path already under the API root); throw ApiError on an error status. */
  async request(url, { method = "GET", body, signal, accept = "application/json" } = {}) {
    const headers = { Accept: accept };
    if (!SAFE_METHODS.has(method) && this.csrfToken) {
      headers["X-CSRF-Token"] = this.csrfToken;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
    if (!response.ok) {
      const error = await errorFrom(response);
      if (error.status === 401 && !TYPED_WRONG.has(error.code) && this.onUnauthorized) {
        error.redirecting = true;
        this.onUnauthorized(error);
      }
      throw error;
    }
    return response;
  }

  async json(url, options = {}) {
    const response = await this.request(url, options);
    return response.json();
  }

  /** A request with a JSON body whose answer may be empty (204). */
  async send(method, path, body) {
    const response = await this.request(this.url(path), { method, body });
    return response.status === 204 ? null : response.json();
  }

  url(path) {
    return this.root + path;
  }

  // -- session --------------------------------------------------------------------------------------

  /** Who is logged in (``user`` null when nobody); remembers the CSRF token for later writes. */
  async session(options) {
    const body = await this.json(this.url("/session"), options);
    this.csrfToken = body.csrf_token || null;
    return body;
  }

  async login(name, password) {
    const body = await this.send("POST", "/login", { name, password });
    this.csrfToken = body.csrf_token || null;
    return body;
  }

  async logout() {
    await this.send("POST", "/logout");
    this.csrfToken = null;
  }

  /** Change one's own password; the server ends every session of the user, this one included, and revokes
   * the user's API tokens unless ``keepTokens``. */
  changePassword(currentPassword, newPassword, keepTokens = false) {
    return this.send("POST", "/me/password", { current_password: currentPassword, new_password: newPassword,
      keep_tokens: keepTokens });
  }

  /** {sessions: [{id, created_at, expires_at, ip, agent, current}]}: one's own live browser sessions. */
  sessions() {
    return this.json(this.url("/me/sessions"));
  }

  endSession(id) {
    return this.send("DELETE", `/me/sessions/${encodeURIComponent(id)}`);
  }

  /** "Log out everywhere": every session of the user ends, this one included. */
  endAllSessions() {
    return this.send("DELETE", "/me/sessions");
  }

  // -- administration -------------------------------------------------------------------------------

  /** {users: [...], roles: {role: {title, description, permissions}}} */
  users() {
    return this.json(this.url("/users"));
  }

  createUser(record) {
    return this.send("POST", "/users", record);
  }

  updateUser(name, changes) {
    return this.send("PATCH", `/users/${encodeURIComponent(name)}`, changes);
  }

  /** A new API token for ``name``, confirmed with the caller's own ``password``; the answer's ``token`` is
   * the secret, shown this once. */
  createToken(name, label, password) {
    return this.send("POST", `/users/${encodeURIComponent(name)}/tokens`, { label, password });
  }

  revokeToken(id) {
    return this.send("DELETE", `/tokens/${encodeURIComponent(id)}`);
  }

  async audit({ limit = 100 } = {}) {
    const body = await this.json(this.url(`/audit?limit=${encodeURIComponent(limit)}`));
    return body.entries;
  }

  // -- analyses -------------------------------------------------------------------------------------

  /** The analyses' distance presets, each with its source (service distances, lamp and bin gap thresholds). */
  analysisPresets(options) {
    return this.json(this.url("/analysis/presets"), options);
  }

  /** The analysis kinds' declarations: parameters, result styles, legends, summaries ({kinds, properties}). */
  analysisKinds(options) {
    return this.json(this.url("/analysis/kinds"), options);
  }

  /**
   * Run analysis ``kind`` (one of analysisKinds()) with ``params``: a
   * FeatureCollection with ``summary`` (and ``service_areas`` for coverage, ``saved_layer`` with save).
   */
  runAnalysis(kind, params, { signal } = {}) {
    return this.json(this.url(`/analysis/${encodeURIComponent(kind)}`),
      { method: "POST", body: params, signal, accept: "application/geo+json" });
  }

  // -- map data -------------------------------------------------------------------------------------

  config(options) {
    return this.json(this.url("/config"), options);
  }

  async layers(options) {
    const body = await this.json(this.url("/layers"), options);
    return body.layers;
  }

  /** Delete a saved analysis result (DELETE /api/layers/{id}; data layers answer 409). */
  deleteLayer(id) {
    return this.send("DELETE", `/layers/${encodeURIComponent(id)}`);
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
    if (pageArea()) {
      params.set("area", pageArea()); // the breadcrumb's scope; without it the account's own area
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
    const scope = pageArea() ? `?area=${pageArea()}` : "";
    const response = await this.request(this.url(`/layers/${encodeURIComponent(layerId)}/points${scope}`),
      { signal, accept: "application/octet-stream" });
    return response.arrayBuffer();
  }
}
