// The field map's legend, opened from the map's corner: what the rings around the icons mean (open,
// fixed, overdue, not yet sent, a stop of a round) and every category with its icon, by group.

import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";

// Marker samples: [extra classes, translation key].
const SAMPLES = [
  ["fv-marker-open", "field.legend_open"],
  ["fv-marker-fixed", "field.legend_fixed"],
  ["fv-marker-open is-overdue", "field.legend_overdue"],
  ["fv-marker-open is-pending", "field.legend_pending"],
];

export class FieldLegend {
  /**
   * @param {object} options
   * @param {HTMLButtonElement} options.button
   * @param {HTMLElement} options.panel
   * @param {Array<object>} options.categories /api/categories
   * @param {object} options.groups category groups {code: {zh-CN, en}}
   * @param {import("../common/i18n.js").I18n} options.i18n
   */
  constructor({ button, panel, categories, groups, i18n }) {
    this.button = button;
    this.panel = panel;
    this.categories = categories.filter((category) => category.active !== false);
    this.groups = groups || {};
    this.i18n = i18n;
  }

  start() {
    this.button.addEventListener("click", () => this.setOpen(this.panel.hidden));
    this.panel.addEventListener("click", (event) => {
      if (event.target.closest("[data-close]")) {
        this.setOpen(false);
      }
    });
    this.i18n.onChange(() => this.render());
    this.render();
    return this;
  }

  setOpen(open) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
  }

  render() {
    const t = (key) => this.i18n.t(key);
    const samples = SAMPLES.map(([classes, key]) => el("li", { className: "fv-legend-item" }, [
      el("span", { className: "fv-legend-marker" }, [
        el("span", { className: `fv-marker ${classes}` }, [categoryIcon("other", "fv-marker-icon")]),
      ]),
      el("span", { text: t(key) }),
    ]));
    samples.push(el("li", { className: "fv-legend-item" }, [
      el("span", { className: "fv-legend-marker" }, [el("span", { className: "fv-stop", text: "1" })]),
      el("span", { text: t("field.legend_stop") }),
    ]));
    // Groups in the order the category table lists them (events, components, absences).
    const order = [...new Set(this.categories.map((category) => category.group))];
    const groups = order.map((group) => {
      const members = this.categories.filter((category) => category.group === group);
      return members.length ? [
        el("h4", { className: "fv-legend-group", text: this.i18n.pick(this.groups[group], group) }),
        el("ul", { className: "fv-legend-list fv-legend-categories" }, members.map((category) => el("li", {
          className: "fv-legend-item", dataset: { category: category.code } }, [
          categoryIcon(category.icon, "fv-legend-icon"),
          el("span", { text: this.i18n.pick(category.name, category.code) }),
        ]))),
      ] : [];
    }).flat();
    this.panel.replaceChildren(
      el("div", { className: "fv-legend-head" }, [
        el("h3", { className: "fv-legend-title", text: t("field.legend") }),
        el("button", { className: "button button-small", text: t("dialog.close"), attrs: { type: "button" },
          dataset: { close: "1" } }),
      ]),
      el("ul", { className: "fv-legend-list" }, samples),
      ...groups,
    );
  }
}
