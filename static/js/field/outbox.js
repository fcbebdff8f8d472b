// The field view's outbox: every write (a transition, a note, a photo, a new report) is first kept in
// IndexedDB with its own Idempotency-Key and, for a change to a case, the ETag of the version the user
// was looking at; then sent in order, at once and whenever the server can be reached. An item leaves the
// outbox only when the server has answered it (2xx, or a replay of an earlier answer). A network failure
// keeps it for later; a 409 that is a rule of the workflow (same person, after photo) drops it with a plain
// message; 412 (the case changed meanwhile) and 409 (the step is no longer allowed) set it
// aside as a conflict for the user to discard or re-apply on the current version; other refusals set it
// aside as failed. Items belong to the user who made them and are sent only in that user's session.
//
// Whether the server answers is the only test of being "online". navigator.onLine is no such test: on a
// LAN or 政务内网 with no route to the internet Chromium reports false although the server is right there,
// and it fires no "online" event when such a network comes back. So sending never waits for it; its
// "online" event only makes the outbox try again at once, and after a network failure the outbox tries
// again by itself, soon (RETRY_AFTER_FAILURE_MS), then less often.

import { ITEMS, openOutboxStore, RESULTS } from "./fieldOutboxStore.js";
import { apiError, errorRecord, parseBody } from "./serverAnswers.js";

const RETRY_MS = 30_000;
// Delays before trying again after successive network failures (the last one repeats).
const RETRY_AFTER_FAILURE_MS = [2_000, 4_000, 8_000, 15_000];
const CONFLICT_STATUSES = new Set([409, 412]);
// 409s that are the workflow's rules, not someone else's change: sending again can never succeed (the
// fixer may not verify their own fix; "fixed" needs an after photo first). The write is dropped and its
// refusal shown as a plain message instead of a conflict card.
const RULE_CODES = new Set(["same_person", "after_photo_required"]);

/** A fresh Idempotency-Key: a UUID, or 32 random hex digits where randomUUID is missing (old webviews). */
export function newIdempotencyKey() {
  const crypto = globalThis.crypto;
  if (crypto && typeof crypto.randomUUID === "function") {
    try {
      return crypto.randomUUID();
    } catch {
      // randomUUID exists but refuses outside a secure context in some builds: fall through
    }
  }
  const bytes = new Uint8Array(16);
  if (crypto && typeof crypto.getRandomValues === "function") {
    crypto.getRandomValues(bytes);
  } else {
    for (let i = 0; i < bytes.length; i += 1) {
      bytes[i] = Math.floor(Math.random() * 256);
    }
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  /**
   * @param {object} options
   * @param {import("../common/api.js").Api} options.api its csrfToken goes along with every write
   * @param {string} options.user the logged-in user's name: only that user's items are sent
   */
  constructor({ api, user }) {
    this.api = api;
    this.user = user;
    // Whether the server answered the last request the field view made: true, false (a network failure)
    // or null (nothing known since the page started or the browser last said it went on- or offline).
    this.reachable = null;
    this.failures = 0; // network failures in a row
    this.retryTimer = null;
    this.backend = null;
    this.persistent = false;
    this.items = []; // this user's items, oldest first (a copy of the store, kept current)
    this.listeners = new Set();
    this.sentListeners = new Set();
    this.refusedListeners = new Set();
    this.flushing = null;
    this.again = false;
    this.authLost = false;
    this.timer = null;
  }

  /** Open the store (IndexedDB, or memory when it is unavailable) and start sending. */
  async start() {
    this.backend = await openOutboxStore();
    this.persistent = this.backend.persistent;
    await this.reload();
    // The browser's word is a hint only: it replaces what was known until the next answer, and "online"
    // means "try now".
    globalThis.addEventListener("online", () => {
      this.heard(null);
      this.flush();
    });
    globalThis.addEventListener("offline", () => this.heard(null));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        this.flush();
      }
    });
    this.timer = setInterval(() => this.flush(), RETRY_MS);
    this.flush();
    return this;
  }

  async reload() {
    const all = await this.backend.all(ITEMS);
    this.items = all.filter((item) => item.user === this.user).sort((a, b) => a.id - b.id);
    this.emit();
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** ``listener(item, body)`` after the server accepted an item (body: its answer). */
  onSent(listener) {
    this.sentListeners.add(listener);
    return () => this.sentListeners.delete(listener);
  }

  /** ``listener(item, error)`` after the server refused an item by a rule of the workflow (it is dropped). */
  onRefused(listener) {
    this.refusedListeners.add(listener);
    return () => this.refusedListeners.delete(listener);
  }

  /**
   * Record whether the server answered a request (``true``), could not be reached (``false``), or that
   * nothing is known (``null``). The case book reports its own fresh answers here too.
   */
  heard(reached) {
    if (reached !== false) {
      this.failures = 0;
    }
    if (this.reachable !== reached) {
      this.reachable = reached;
      this.emit();
    }
  }

  /** Whether the server looks unreachable: its last word, else (nothing known) the browser's hint. */
  offline() {
    return this.reachable === false || (this.reachable === null && globalThis.navigator?.onLine === false);
  }

  emit() {
    for (const listener of this.listeners) {
      listener(this);
    }
  }

  /** Items still to send. */
  queued() {
    return this.items.filter((item) => item.state === "queued");
  }

  /** Items set aside: conflicts and refusals, waiting for the user. */
  setAside() {
    return this.items.filter((item) => item.state !== "queued");
  }

  forCase(caseId) {
    return this.items.filter((item) => item.caseId === caseId);
  }

  find(id) {
    return this.items.find((item) => item.id === id) || null;
  }

  /**
   * Keep a write and try to send it. ``entry``: {kind, path, json?|blob+fileName+form?, caseId?, etag?,
   * photoRefs?, photoField?, summary?}. Returns the stored item (with its id).
   */
  async add(entry) {
    const item = {
      ...entry,
      user: this.user,
      key: newIdempotencyKey(),
      baseEtag: entry.etag ?? null,
      state: "queued",
      attempts: 0,
      createdAt: new Date().toISOString(),
    };
    item.id = await this.backend.put(ITEMS, item);
    this.items.push(item);
    this.emit();
    this.flush();
    return item;
  }

  async save(item) {
    await this.backend.put(ITEMS, item);
    this.emit();
  }

  async remove(item) {
    await this.backend.delete(ITEMS, item.id);
    this.items = this.items.filter((other) => other.id !== item.id);
    this.emit();
  }

  /** The stored answer of an uploaded photo item (a later report names its photo id). */
  result(itemId) {
    return this.backend.get(RESULTS, itemId);
  }

  /** Drop a conflict or refusal: the queued change is given up. */
  async discard(id) {
    const item = this.find(id);
    if (item) {
      await this.remove(item);
      await this.backend.delete(RESULTS, id);
    }
  }

  /** Send a conflict again on the case as it is now (``etag``), as a new request (a new key). */
  async reapply(id, etag) {
    const item = this.find(id);
    if (!item) {
      return;
    }
    Object.assign(item, { state: "queued", key: newIdempotencyKey(), error: null, current: null });
    if (etag) {
      item.etag = etag;
    }
    await this.save(item);
    this.flush();
  }

  /** Send every sendable item in order; one run at a time (a call during a run asks for another). */
  flush() {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          await this.run();
        } while (this.again);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  async run() {
    if (!this.backend) {
      return;
    }
    this.authLost = false;
    for (const item of [...this.items]) {
      if (item.state !== "queued" || !this.items.includes(item) || this.blocked(item)) {
        continue;
      }
      const outcome = await this.send(item);
      if (outcome === "stop") {
        return;
      }
    }
  }

  /** Wait behind an earlier set-aside change of the same case, or a photo a report still needs. */
  blocked(item) {
    const before = this.items.filter((other) => other.id < item.id);
    if (item.caseId && before.some((other) => other.caseId === item.caseId && other.state !== "queued")) {
      return true;
    }
    return (item.photoRefs || []).some((ref) => before.some((other) => other.id === ref));
  }

  async body(item) {
    if (item.blob) {
      const form = new FormData();
      for (const [name, value] of Object.entries(item.form || {})) {
        form.append(name, value);
      }
      form.append("file", item.blob, item.fileName || "photo.jpg");
      return form;
    }
    if (item.kind === "report" || item.photoField) {
      const photoIds = [];
      for (const ref of item.photoRefs || []) {
        const uploaded = await this.result(ref);
        if (uploaded) {
          photoIds.push(uploaded.photo.id);
        }
      }
      // A report names its photos as a list; another write (an inspection answer) names one in photoField.
      const named = item.photoField ? { [item.photoField]: photoIds[0] ?? null } : { photo_ids: photoIds };
      return JSON.stringify({ ...item.json, ...named });
    }
    return JSON.stringify(item.json);
  }

  /** One request; "ok", "aside" or "stop" (offline, server trouble, logged out: try again later). */
  async send(item) {
    const headers = { Accept: "application/json", "Idempotency-Key": item.key };
    if (this.api.csrfToken) {
      headers["X-CSRF-Token"] = this.api.csrfToken;
    }
    if (item.etag) {
      headers["If-Match"] = item.etag;
    }
    const body = await this.body(item);
    if (typeof body === "string") {
      headers["Content-Type"] = "application/json";
    }
    item.attempts += 1;
    let response;
    try {
      response = await fetch(item.path, { method: item.method || "POST", headers, body, credentials: "same-origin" });
    } catch {
      item.unreached = true; // the field view tells "waiting for the network" from "sending"
      this.failures += 1;
      this.heard(false);
      this.retrySoon();
      await this.save(item);
      return "stop"; // no connection: everything waits for the next chance
    }
    item.unreached = false;
    this.heard(true);
    const answer = await parseBody(response);
    if (response.ok || response.headers.get("Idempotent-Replayed") === "true") {
      await this.accepted(item, answer);
      return "ok";
    }
    const error = apiError(response.status, answer);
    if (response.status === 403 && error.code === "csrf_failed") {
      // The page's token is older than the session (it logged in again elsewhere): ask for the current
      // one, and try again at once only if it changed.
      const before = this.api.csrfToken;
      try {
        await this.api.session();
      } catch {
        // offline again, or logged out: the next run asks again
      }
      this.again = this.again || this.api.csrfToken !== before;
      await this.save(item);
      return "stop";
    }
    if (response.status === 401 || response.status >= 500 || response.status === 429) {
      item.error = errorRecord(error);
      this.authLost = response.status === 401;
      await this.save(item);
      return "stop";
    }
    if (response.status === 409 && RULE_CODES.has(error.code)) {
      await this.remove(item);
      for (const listener of this.refusedListeners) {
        listener(item, errorRecord(error));
      }
      return "aside";
    }
    item.state = CONFLICT_STATUSES.has(response.status) ? "conflict" : "failed";
    item.error = errorRecord(error);
    item.current = answer?.error?.current ?? null;
    await this.save(item);
    return "aside";
  }

  /** Try again after a network failure, without waiting for an "online" event that may never come. */
  retrySoon() {
    clearTimeout(this.retryTimer);
    const delay = RETRY_AFTER_FAILURE_MS[Math.min(this.failures, RETRY_AFTER_FAILURE_MS.length) - 1];
    this.retryTimer = setTimeout(() => this.flush(), delay);
  }

  async accepted(item, answer) {
    if (item.kind === "loose_photo" && answer) {
      await this.backend.put(RESULTS, { id: item.id, photo: answer });
    }
    if (item.kind === "report" || item.photoField) {
      for (const ref of item.photoRefs || []) {
        await this.backend.delete(RESULTS, ref);
      }
    }
    // Later changes of this case were made on the version this one started from: they now build on
    // the version it produced.
    const etag = answer && answer.id === item.caseId ? answer.etag : null;
    if (etag) {
      for (const other of this.items) {
        if (other !== item && other.caseId === item.caseId && other.state === "queued"
          && (other.etag === item.etag || other.etag === item.baseEtag)) {
          other.etag = etag;
          await this.backend.put(ITEMS, other);
        }
      }
    }
    await this.remove(item);
    for (const listener of this.sentListeners) {
      listener(item, answer);
    }
  }
}
