// "My worklist": the cases of the worklist as rows (category icon and name, status, address, distance,
// 已超期 and 回潮 ×n badges, 待同步 for unsent changes), nearest first when the phone's position is known
// (else newest first), filtered by state group (open / fixed / all) and category.

import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";
import { distanceM, formatDistance } from "./fieldGeo.js";
import { deadlineBadge } from "./fieldDeadline.js";

const GROUPS = ["open", "fixed", "all"];

export class FieldList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list the <ul>
   * @param {HTMLElement} options.status the line above the list (count, order, offline note)
   * @param {HTMLElement} options.groupButtons holds a button per state group (data-group)
   * @param {HTMLSelectElement} options.categorySelect
   * @param {import("./fieldCases.js").CaseBook} options.book
   * @param {import("./fieldGeo.js").Position} options.position
   * @param {Array<object>} options.categories /api/categories
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(number): void} options.onOpen
   * @param {function(Array<object>): void} options.onShown the cases now listed (the map shows them)
   */
  constructor({ list, status, groupButtons, categorySelect, book, position, categories, i18n, onOpen, onShown }) {
    this.list = list;
    this.status = status;
    this.groupButtons = groupButtons;
    this.categorySelect = categorySelect;
    this.book = book;
    this.position = position;
    this.categories = categories;
    this.i18n = i18n;
    this.onOpen = onOpen;
    this.onShown = onShown;
    this.group = "all";
    this.category = "";
    this.shown = [];
  }

  start() {
    for (const button of this.groupButtons.querySelectorAll("[data-group]")) {
      button.addEventListener("click", () => this.setGroup(button.dataset.group));
    }
    this.categorySelect.addEventListener("change", () => {
      this.category = this.categorySelect.value;
      this.render();
    });
    this.list.addEventListener("click", (event) => {
      const row = event.target.closest("[data-case-id]");
      if (row && this.list.contains(row)) {
        this.onOpen(Number(row.dataset.caseId));
      }
    });
    this.fillCategories();
    this.i18n.onChange(() => {
      this.fillCategories();
      this.render();
    });
    this.setGroup(this.group);
    return this;
  }

  setGroup(group) {
    this.group = GROUPS.includes(group) ? group : "all";
    for (const button of this.groupButtons.querySelectorAll("[data-group]")) {
      button.setAttribute("aria-pressed", String(button.dataset.group === this.group));
    }
    this.render();
  }

  fillCategories() {
    const options = [el("option", { text: this.i18n.t("field.all_categories"), attrs: { value: "" } })];
    for (const category of this.categories) {
      if (category.active === false) {
        continue;
      }
      options.push(el("option", { text: this.i18n.pick(category.name, category.code),
        attrs: { value: category.code } }));
    }
    this.categorySelect.replaceChildren(...options);
    this.categorySelect.value = this.category;
  }

  /** The listed cases: filtered, then nearest first (or the server's newest-first order). */
  visible() {
    const here = this.position.lonLat();
    const views = this.book.views().filter((view) => (this.group === "all" || view.state_group === this.group)
      && (!this.category || view.category === this.category));
    for (const view of views) {
      view.distance = here ? distanceM(here, [view.lon, view.lat]) : (view.distance_m ?? null);
    }
    if (here) {
      views.sort((a, b) => a.distance - b.distance || a.id - b.id);
    }
    return views;
  }

  render() {
    if (!this.book.loaded) {
      return;
    }
    this.shown = this.visible();
    const rows = this.book.pendingReports().map((item) => this.reportRow(item));
    rows.push(...this.shown.map((view) => this.row(view)));
    if (rows.length === 0) {
      rows.push(el("li", { className: "fv-empty", text: this.i18n.t("field.list_empty") }));
    }
    this.list.replaceChildren(...rows);
    const order = this.position.lonLat() ? "field.order_near" : "field.order_new";
    this.status.textContent = this.i18n.t("field.list_count", { count: this.shown.length, order: this.i18n.t(order) });
    this.list.dataset.count = String(this.shown.length);
    this.list.dataset.stored = String(this.book.listCachedAt !== null); // shown from the offline store
    this.onShown(this.shown);
  }

  badges(view) {
    const t = (key, params) => this.i18n.t(key, params);
    return [
      deadlineBadge(this.i18n, this.book, view),
      view.recurrence > 0
        ? el("span", { className: "fv-badge fv-badge-recur", text: t("field.recurrence", { n: view.recurrence }) })
        : null,
      view.pending ? el("span", { className: "fv-badge fv-badge-pending", text: t("field.pending") }) : null,
      view.asideItems.length ? el("span", { className: "fv-badge fv-badge-conflict", text: t("field.conflict_badge") })
        : null,
    ];
  }

  row(view) {
    const name = this.i18n.pick(view.category_name, view.category || "");
    const distance = Number.isFinite(view.distance) ? formatDistance(this.i18n, view.distance) : "";
    return el("li", { className: "fv-row" }, [
      el("button", {
        className: `fv-case fv-state-${view.state_group || "open"}`,
        attrs: { type: "button" },
        dataset: { caseId: view.id, status: view.status, category: view.category || "",
          distance: Number.isFinite(view.distance) ? view.distance.toFixed(1) : "" },
      }, [
        categoryIcon(view.icon, "fv-case-icon"),
        el("span", { className: "fv-case-main" }, [
          el("span", { className: "fv-case-top" }, [
            el("span", { className: "fv-case-name", text: name }),
            el("span", { className: `fv-status fv-status-${view.state_group || "open"}`,
              text: this.i18n.pick(view.status_label, view.status) }),
          ]),
          el("span", { className: "fv-case-address", text: view.address || view.description || "" }),
          el("span", { className: "fv-case-badges" }, this.badges(view)),
        ]),
        el("span", { className: "fv-case-distance", text: distance }),
      ]),
    ]);
  }

  /** A report made offline, waiting in the outbox (it has no case number yet). */
  reportRow(item) {
    const category = this.categories.find((c) => c.code === item.json.category);
    return el("li", { className: "fv-row" }, [
      el("div", { className: "fv-case fv-case-new", dataset: { outboxId: item.id } }, [
        categoryIcon(category?.icon, "fv-case-icon"),
        el("span", { className: "fv-case-main" }, [
          el("span", { className: "fv-case-top" }, [
            el("span", { className: "fv-case-name", text: this.i18n.pick(category?.name, item.json.category) }),
            el("span", { className: "fv-status fv-status-open", text: this.i18n.t("field.new_report") }),
          ]),
          el("span", { className: "fv-case-address", text: item.json.description || "" }),
          el("span", { className: "fv-case-badges" }, [
            el("span", { className: "fv-badge fv-badge-pending", text: this.i18n.t("field.pending") }),
          ]),
        ]),
      ]),
    ]);
  }
}
