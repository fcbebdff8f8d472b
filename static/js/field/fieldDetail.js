// One case on the phone: what and where it is, its grid cell, responsible unit and deadline, navigation
// links for the usual map apps, before/after photos side by side, the transitions the user may make, a
// note box and the two camera inputs, then the history. Every change goes into the outbox and shows at
// once as 待同步 (fieldCases.js lays the queued changes over the case).

import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";
import { FieldPhotos } from "./fieldPhotos.js";
import { FieldTimeline } from "./fieldTimeline.js";
import { queueCasePhoto, queueNote, queueTransition } from "./fieldWrites.js";
import { deadlineBadge } from "./fieldDeadline.js";
import { DATE_TIME } from "./fieldDeadline.js";
import { inWeChat } from "../common/inAppBrowser.js";

// The navigation apps in the order offered, with their translation keys.
const NAV_APPS = [
  ["amap", "field.nav_amap"],
  ["baidu", "field.nav_baidu"],
  ["geo", "field.nav_geo"],
  ["apple", "field.nav_apple"],
  ["osm", "field.nav_osm"],
];

export class FieldDetail {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the detail view (its parts are found by id)
   * @param {import("./fieldCases.js").CaseBook} options.book
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {object} options.workflow
   * @param {string} options.timeZone
   * @param {function(object|null): void} options.onShow the case now shown (null when closed)
   */
  constructor({ root, book, outbox, i18n, workflow, timeZone, onShow, gridName = (code) => code }) {
    this.gridName = gridName; // a grid cell's name from its code (the map's grid layer knows them)
    this.root = root;
    this.book = book;
    this.outbox = outbox;
    this.i18n = i18n;
    this.workflow = workflow;
    this.timeZone = timeZone;
    this.onShow = onShow;
    this.id = null;
    this.part = (name) => root.querySelector(`[data-part="${name}"]`);
    this.photos = new FieldPhotos({ container: this.part("photos"), i18n });
    this.timeline = new FieldTimeline({ container: this.part("timeline"), i18n, workflow, timeZone });
    this.note = this.part("note");
    this.message = this.part("message");
  }

  start() {
    this.part("note-send").addEventListener("click", () => this.sendNote());
    for (const input of this.root.querySelectorAll("input[type=file][data-kind]")) {
      input.addEventListener("change", () => this.addPhotos(input));
    }
    this.part("actions").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-to]");
      if (button) {
        this.transition(button.dataset.to);
      }
    });
    this.book.onChange(() => {
      if (this.id !== null) {
        this.render();
      }
    });
    this.i18n.onChange(() => {
      if (this.id !== null) {
        this.render();
      }
    });
    return this;
  }

  /** Show case ``id``: what is known at once, then the server's detail (or the stored one offline). */
  async open(id) {
    const changed = id !== this.id;
    this.id = id;
    if (changed) {
      this.note.value = "";
      this.say("", null);
    }
    this.root.dataset.caseId = String(id);
    this.root.dataset.loaded = "0";
    this.render();
    try {
      await this.book.loadDetail(id);
    } catch (error) {
      if (error.redirecting || this.id !== id) {
        return;
      }
      if (!this.book.has(id)) {
        this.say(this.i18n.t("field.detail_failed", { message: this.i18n.errorMessage(error) }), "error");
      }
    }
    if (this.id === id) {
      this.root.dataset.loaded = this.book.details.has(id) ? "1" : "offline";
      this.render();
    }
  }

  close() {
    this.id = null;
    delete this.root.dataset.caseId;
    this.onShow(null);
  }

  say(text, kind) {
    this.message.textContent = text;
    this.message.hidden = !text;
    if (kind) {
      this.message.dataset.kind = kind;
    } else {
      delete this.message.dataset.kind;
    }
  }

  render() {
    const view = this.book.view(this.id);
    if (!view) {
      this.part("head").replaceChildren(el("h2", { className: "fv-detail-title", text: `#${this.id}` }));
      return;
    }
    this.root.dataset.status = view.status;
    this.root.dataset.pending = String(view.pendingItems.length);
    this.renderHead(view);
    this.renderInfo(view);
    this.renderNavigation(view);
    this.photos.render(view);
    this.renderActions(view);
    this.timeline.render(view);
    const cached = this.book.details.get(this.id)?.cachedAt;
    const stale = this.part("stale");
    stale.hidden = !cached && view.isDetail;
    stale.textContent = view.isDetail ? this.i18n.t("field.detail_cached") : this.i18n.t("field.detail_summary_only");
    this.onShow(view);
  }

  renderHead(view) {
    const t = (key, params) => this.i18n.t(key, params);
    const badges = [
      el("span", { className: `fv-status fv-status-${view.state_group || "open"}`, dataset: { part: "status" },
        text: this.i18n.pick(view.status_label, view.status) }),
      deadlineBadge(this.i18n, this.book, view),
      view.recurrence > 0
        ? el("span", { className: "fv-badge fv-badge-recur", text: t("field.recurrence", { n: view.recurrence }) }) : null,
      view.pending ? el("span", { className: "fv-badge fv-badge-pending", text: t("field.pending") }) : null,
      view.asideItems.length ? el("span", { className: "fv-badge fv-badge-conflict", text: t("field.conflict_badge") })
        : null,
    ];
    this.part("head").replaceChildren(
      el("h2", { className: "fv-detail-title" }, [
        categoryIcon(view.icon, "fv-detail-icon"),
        el("span", { text: this.i18n.pick(view.category_name, view.category || "") }),
        el("span", { className: "fv-detail-id", text: `#${view.id}` }),
      ]),
      el("div", { className: "fv-detail-badges" }, badges),
    );
  }

  renderInfo(view) {
    const t = (key) => this.i18n.t(key);
    const when = (text) => (text ? this.i18n.formatDateTime(text, this.timeZone, DATE_TIME) : t("value.unset"));
    const rows = [
      ["field.address", view.address || t("value.unset")],
      ["field.grid", (view.grid_code && this.gridName(view.grid_code)) || t("value.unset")],
      ["field.unit", view.responsible_unit || t("value.unset")],
      ["field.deadline", [when(view.deadline), deadlineBadge(this.i18n, this.book, view)?.textContent]
        .filter(Boolean).join(" · "), view.overdue ? "is-overdue" : ""],
      ["field.reported", `${when(view.reported_at)}${view.reporter ? ` · ${view.reporter}` : ""}`],
    ];
    if (view.assignee) {
      rows.push(["field.assignee", view.assignee]);
    }
    this.part("info").replaceChildren(
      el("p", { className: "fv-detail-description", text: view.description || t("field.no_description") }),
      el("dl", { className: "fv-facts" }, rows.flatMap(([key, value, className]) => [
        el("dt", { text: t(key) }),
        el("dd", { className: className || undefined, text: value }),
      ])),
    );
  }

  renderNavigation(view) {
    const links = view.navigation || {};
    const items = NAV_APPS.filter(([app]) => typeof links[app] === "string").map(([app, key]) => el("li", {}, [
      el("a", { className: "fv-nav-link", text: this.i18n.t(key), dataset: { app },
        attrs: { href: links[app], rel: "noopener noreferrer", target: app === "geo" ? undefined : "_blank" } }),
    ]));
    const nav = this.part("nav");
    nav.hidden = items.length === 0;
    // In WeChat the app links are blocked: say how to open the page in the browser, above the links.
    const hint = inWeChat() ? el("li", { className: "fv-nav-wechat", dataset: { part: "wechat-hint" },
      text: this.i18n.t("field.wechat_nav") }) : null;
    this.part("nav-list").replaceChildren(...(hint ? [hint] : []), ...items);
  }

  renderActions(view) {
    const allowed = this.book.allowed(view);
    const buttons = allowed.map((step) => el("button", {
      className: `button fv-action${step.to === "fixed" || step.to === "closed" ? " button-primary" : ""}`,
      text: this.i18n.pick(step.label, step.to),
      attrs: { type: "button" },
      dataset: { to: step.to },
    }));
    if (buttons.length === 0) {
      buttons.push(el("p", { className: "muted fv-no-actions", text: this.i18n.t("field.no_actions") }));
    }
    this.part("actions").replaceChildren(...buttons);
    // As the server decides (layers/case_photos.py): no photo on a closed case; "after" photos while the
    // deadline clock runs or once fixed.
    const closed = view.state_group === "closed";
    const afterStates = new Set([...(this.workflow.clock_states || []), "fixed"]);
    for (const input of this.root.querySelectorAll("input[type=file][data-kind]")) {
      const kind = input.dataset.kind;
      const allowedPhoto = !closed && (kind === "before" || afterStates.has(view.status));
      input.disabled = !allowedPhoto;
      input.closest("label").classList.toggle("is-disabled", !allowedPhoto);
    }
  }

  async transition(to) {
    const view = this.book.view(this.id);
    if (!view) {
      return;
    }
    if (to === "fixed" && (view.photos?.after || []).length === 0 && view.pendingPhotos.after.length === 0) {
      this.say(this.i18n.t("field.after_photo_first"), "error");
      return;
    }
    const note = this.note.value.trim();
    await queueTransition(this.outbox, this.book, this.id, to, note || null);
    this.note.value = "";
    this.queuedMessage();
  }

  async sendNote() {
    const note = this.note.value.trim();
    if (!note) {
      this.say(this.i18n.t("field.note_empty"), "error");
      this.note.focus();
      return;
    }
    await queueNote(this.outbox, this.book, this.id, note);
    this.note.value = "";
    this.queuedMessage();
  }

  async addPhotos(input) {
    const files = [...(input.files || [])];
    input.value = "";
    for (const file of files) {
      await queueCasePhoto(this.outbox, this.id, input.dataset.kind, file);
    }
    if (files.length) {
      this.queuedMessage();
    }
  }

  queuedMessage() {
    this.say(this.i18n.t(this.outbox.offline() ? "field.queued_offline" : "field.queued_online"), "info");
  }
}
