// The field view's cases: the worklist (GET /api/cases?mine=true&status=open,fixed, nearest first when
// the position is known), the case details seen so far, and the outbox's unsent changes laid over them
// ("optimistic": a queued transition shows at once, marked 待同步). Answers the outbox receives replace
// the stored case, so the view always shows the server's word once it has one.

import { pageArea } from "../common/areaBreadcrumb.js";

const LIST_LIMIT = 500;

/** "open" | "fixed" | "closed" of a state, from the workflow table. */
function groupOf(workflow, status) {
  return workflow.states[status]?.group ?? null;
}

export class CaseBook {
  /**
   * @param {object} options
   * @param {import("../common/api.js").Api} options.api
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {object} options.workflow GET /api/workflow
   * @param {object} options.user the session's user (its permissions pick the transitions offered)
   */
  constructor({ api, outbox, workflow, user }) {
    this.api = api;
    this.outbox = outbox;
    this.workflow = workflow;
    this.permissions = new Set(user.permissions || []);
    this.userName = user.name ?? null;
    this.clockStates = new Set(workflow.clock_states || []);
    this.summaries = new Map(); // id -> summary (list properties)
    this.order = []; // ids in the server's order
    this.details = new Map(); // id -> detail
    this.listCachedAt = null; // the Date of a stored answer shown offline, else null
    this.loaded = false;
    this.listeners = new Set();
    outbox.onChange(() => this.emit());
    outbox.onSent((item, body) => this.applyAnswer(item, body));
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit() {
    for (const listener of this.listeners) {
      listener(this);
    }
  }

  /** Fetch the worklist (``near``: [lon, lat] orders it nearest first). */
  async loadList(near = null) {
    const params = new URLSearchParams({ mine: "true", status: "open,fixed", limit: String(LIST_LIMIT) });
    const area = pageArea(); // the breadcrumb's scope; without it the account's own area
    if (area) {
      params.set("area", area);
    }
    if (near) {
      params.set("near", `${near[0].toFixed(6)},${near[1].toFixed(6)}`);
    }
    const response = await this.api.request(this.api.url(`/cases?${params}`), { accept: "application/geo+json" });
    const body = await response.json();
    this.listCachedAt = response.headers.get("X-Field-Cache") ? (response.headers.get("Date") || "") : null;
    if (this.listCachedAt === null) {
      this.outbox.heard(true); // the server answered: it can be reached, whatever navigator.onLine says
    }
    const features = body.features || [];
    this.summaries = new Map(features.map((feature) => [feature.properties.id, feature.properties]));
    this.order = features.map((feature) => feature.properties.id);
    for (const [id, detail] of this.details) {
      const summary = this.summaries.get(id);
      if (summary && summary.version > detail.version) {
        this.details.delete(id); // the list knows a newer version: fetch the detail again when opened
      }
    }
    this.loaded = true;
    this.emit();
    return this;
  }

  /** Fetch one case's detail (transitions, notes, photos, allowed transitions); a stored one offline. */
  async loadDetail(id) {
    const response = await this.api.request(this.api.url(`/cases/${encodeURIComponent(id)}`));
    const detail = await response.json();
    detail.cachedAt = response.headers.get("X-Field-Cache") ? (response.headers.get("Date") || "") : null;
    if (detail.cachedAt === null) {
      this.outbox.heard(true);
    }
    this.storeDetail(detail);
    return detail;
  }

  storeDetail(detail) {
    const known = this.details.get(detail.id);
    if (known && known.version > detail.version) {
      return; // an older stored copy answered while offline; keep the newer one
    }
    this.details.set(detail.id, detail);
    if (this.summaries.has(detail.id) || groupOf(this.workflow, detail.status) !== "closed") {
      const { transitions, notes, photos, duplicates, allowed_transitions: _, cachedAt, ...summary } = detail;
      this.summaries.set(detail.id, { ...this.summaries.get(detail.id), ...summary });
      if (!this.order.includes(detail.id)) {
        this.order.unshift(detail.id);
      }
    }
    this.emit();
  }

  /** Take in what the server answered to an item of the outbox. */
  applyAnswer(item, body) {
    if (!body) {
      return;
    }
    if (item.kind === "transition" || item.kind === "note" || item.kind === "report") {
      this.storeDetail(body);
    } else if (item.kind === "case_photo") {
      const detail = this.details.get(item.caseId);
      if (detail && detail.photos && !detail.photos[body.kind]?.some((photo) => photo.id === body.id)) {
        detail.photos[body.kind] = [...(detail.photos[body.kind] || []), body];
      }
      this.emit();
    }
  }

  /** Whether ``id`` is known at all (in the list or seen in detail). */
  has(id) {
    return this.summaries.has(id) || this.details.has(id);
  }

  /**
   * The case as the user should see it: the stored detail (or list summary) with the outbox's queued
   * changes applied. Adds ``pendingItems`` (queued), ``asideItems`` (conflicts, refusals),
   * ``pendingPhotos`` {before, after} and ``pendingNotes`` (outbox items), ``isDetail`` and ``pending``.
   */
  view(id) {
    const base = this.details.get(id) || this.summaries.get(id);
    if (!base) {
      return null;
    }
    const out = { ...base, isDetail: this.details.has(id), pendingItems: [], asideItems: [], pendingNotes: [],
      pendingPhotos: { before: [], after: [] } };
    for (const item of this.outbox.forCase(id)) {
      if (item.state !== "queued") {
        out.asideItems.push(item);
        continue;
      }
      out.pendingItems.push(item);
      if (item.kind === "transition") {
        const to = item.json.to;
        out.status = to;
        out.status_label = this.workflow.states[to]?.label ?? to;
        out.state_group = groupOf(this.workflow, to);
        out.overdue = Boolean(out.overdue) && this.clockStates.has(to);
      }
      if (item.json?.note) {
        out.pendingNotes.push(item);
      }
      if (item.kind === "case_photo") {
        out.pendingPhotos[item.form.kind]?.push(item);
      }
    }
    out.pending = out.pendingItems.length > 0;
    return out;
  }

  /** Every case of the worklist as view() shows it, in the server's order. */
  views() {
    return this.order.map((id) => this.view(id)).filter(Boolean);
  }

  /** The transitions offered on ``view``: the server's list while it still applies, else the workflow's. */
  allowed(view) {
    const detail = this.details.get(view.id);
    if (detail && detail.status === view.status && Array.isArray(detail.allowed_transitions)) {
      return detail.allowed_transitions;
    }
    // Offline, the workflow's table decides, with its same-person rule ("not_by": the fixer may not verify).
    return (this.workflow.transitions || [])
      .filter((step) => step.from === view.status && this.permissions.has(step.permission))
      .filter((step) => !(step.not_by && this.userName !== null && view[step.not_by] === this.userName))
      .map((step) => ({ to: step.to, label: step.label }));
  }

  /** The ETag of the version the user is looking at (queued changes build on it; see outbox.js). */
  etagOf(id) {
    return (this.details.get(id) || this.summaries.get(id))?.etag ?? null;
  }

  /** New reports still in the outbox (they have no id yet). */
  pendingReports() {
    return this.outbox.items.filter((item) => item.kind === "report");
  }
}
