// The before/after page's legend: one checkbox per state group (the dots), per kind of change (the rings) and
// per facility layer drawn as of each date (collection points, toilets), each with its colour; unticking one
// hides those on every map. Which are shown goes into the URL (?hide=).

import { CHANGE_COLORS, CHANGE_KEYS, CHANGES, GROUP_KEYS, GROUP_STYLES, GROUPS, chip } from "./caseColors.js";
import { el } from "../common/dom.js";

export class CompareLegend {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Set<string>} options.hidden groups, changes and facility layers not shown
   * @param {Array<object>} [options.facilities] the facility layers' definitions (title, style)
   * @param {function(Set<string>): void} options.onChange called with the new hidden set
   */
  constructor({ container, i18n, hidden, facilities = [], onChange }) {
    this.container = container;
    this.facilities = facilities;
    this.i18n = i18n;
    this.hidden = new Set(hidden);
    this.onChange = onChange;
  }

  start() {
    this.render();
    this.i18n.onChange(() => this.render());
    return this;
  }

  toggle(name, options) {
    const box = el("input", { attrs: { type: "checkbox", id: `show-${name}` }, dataset: { show: name } });
    box.checked = !this.hidden.has(name);
    box.addEventListener("change", () => {
      if (box.checked) {
        this.hidden.delete(name);
      } else {
        this.hidden.add(name);
      }
      this.onChange(new Set(this.hidden));
    });
    return el("label", { className: "lv-toggle", attrs: { for: box.id } }, [box, chip(options)]);
  }

  render() {
    const t = (key) => this.i18n.t(key);
    this.container.replaceChildren(
      el("p", { className: "lv-legend-title", text: t("leaders.legend.cases") }),
      el("div", { className: "lv-legend-row" }, GROUPS.map((g) => this.toggle(g, {
        color: GROUP_STYLES[g].color, fill: GROUP_STYLES[g].fillColor, label: t(GROUP_KEYS[g]) }))),
      el("p", { className: "lv-legend-title", text: t("leaders.legend.changes") }),
      el("div", { className: "lv-legend-row" }, CHANGES.map((c) => this.toggle(c, {
        color: CHANGE_COLORS[c], ring: true, label: t(CHANGE_KEYS[c]) }))),
      ...(this.facilities.length ? [
        el("p", { className: "lv-legend-title", text: t("leaders.legend.facilities") }),
        el("div", { className: "lv-legend-row" }, this.facilities.map((d) => this.toggle(d.id, {
          color: d.style?.color, fill: d.style?.fillColor || d.style?.color, label: this.i18n.pick(d.title, d.id) }))),
      ] : []),
      el("p", { className: "field-hint", text: t("leaders.legend.hint") }),
    );
  }
}
