// The import API (web/imports.py) for the import page: upload a file as multipart/form-data, read and
// change the preview, commit. Errors come back as ApiError like every other call.

import { ApiError } from "../common/api.js";

export class ImportClient {
  /** @param {import("../common/api.js").Api} api the page's API (its session, CSRF token and 401 handling) */
  constructor(api) {
    this.api = api;
  }

  /** Upload ``file`` for ``layer`` (source coordinate system ``crs``, "" for the file's own); the preview. */
  async upload(file, { layer, crs }) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (layer) {
      form.append("layer", layer);
    }
    if (crs) {
      form.append("crs", crs);
    }
    const response = await fetch(this.api.url("/imports"), {
      method: "POST",
      body: form,
      headers: { Accept: "application/json", "X-CSRF-Token": this.api.csrfToken || "" },
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = body && body.error ? body.error : {};
      throw new ApiError({ status: response.status, code: error.code, message: error.message || `HTTP ${response.status}`,
        messageZh: error.message_zh, details: error.details || [] });
    }
    return body;
  }

  preview(id, { rows = "all", code = "", offset = 0, limit = 50 } = {}) {
    const params = new URLSearchParams({ rows, offset: String(offset), limit: String(limit) });
    if (code) {
      params.set("code", code);
    }
    return this.api.json(this.api.url(`/imports/${encodeURIComponent(id)}?${params}`));
  }

  change(id, changes) {
    return this.api.send("PATCH", `/imports/${encodeURIComponent(id)}`, changes);
  }

  commit(id, expectedValid) {
    return this.api.send("POST", `/imports/${encodeURIComponent(id)}/commit`, { expected_valid: expectedValid });
  }

  /** The refused rows' CSV with their problems in ``lang``. */
  refusedUrl(id, lang) {
    return this.api.url(`/imports/${encodeURIComponent(id)}/refused.csv?lang=${encodeURIComponent(lang)}`);
  }
}
