// The filter bar of the leaders' pages: dates, a grid cell and a category. Changing any of them calls
// onChange with every value; the page writes them into its URL (leadersUrl.js). A list of several codes
// that came with a shared link (grid=a,b) is kept as one extra choice.

import { el } from "../common/dom.js";
import { isDate } from "./leadersUrl.js";

export class FilterBar {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<{name: string, labelKey: string}>} options.dates the date fields, in order
   * @param {Array<{code: string, name: string}>} options.cells grid cells
   * @param {Array<object>} options.categories /api/categories entries
   * @param {object} options.values current values by name (dates, grid, category)
   * @param {string} options.max the latest date that may be picked (today)
   * @param {function(object): void} options.onChange
   */
  constructor({ container, i18n, dates, cells, categories, values, max, onChange }) {
    this.container = container;
    this.i18n = i18n;
    this.dates = dates;
    this.cells = cells;
    this.categories = categories;
    this.values = { ...values };
    this.max = max;
    this.onChange = onChange;
    this.inputs = new Map();
  }

  start() {
    this.render();
    this.i18n.onChange(() => this.render());
    return this;
  }

  field(name, labelKey, control) {
    control.id = `filter-${name}`;
    this.inputs.set(name, control);
    return el("label", { className: "lv-filter", attrs: { for: control.id } }, [
      el("span", { className: "lv-filter-label", text: this.i18n.t(labelKey) }), control,
    ]);
  }

  select(name, allKey, options) {
    const value = this.values[name] || "";
    const list = [{ value: "", text: this.i18n.t(allKey) }, ...options];
    if (value && !list.some((o) => o.value === value)) {
      list.push({ value, text: this.i18n.t("leaders.filter.several", { count: value.split(",").length }) });
    }
    const select = el("select", { className: "field-input lv-select" },
      list.map((o) => el("option", { text: o.text, attrs: { value: o.value } })));
    select.value = value;
    select.addEventListener("change", () => this.set(name, select.value));
    return select;
  }

  render() {
    const fields = this.dates.map(({ name, labelKey }) => {
      const input = el("input", { className: "field-input lv-date",
        attrs: { type: "date", value: this.values[name] || "", max: this.max, required: true } });
      input.addEventListener("change", () => {
        if (isDate(input.value)) {
          this.set(name, input.value);
        }
      });
      return this.field(name, labelKey, input);
    });
    const cells = this.cells.map((cell) => ({ value: cell.code, text: cell.name || cell.code }));
    const categories = this.categories
      .map((c) => ({ value: c.code, text: this.i18n.t("leaders.filter.category_option", { name: this.i18n.pick(c.name, c.code), code: c.code }) }));
    fields.push(this.field("grid", "leaders.filter.grid", this.select("grid", "leaders.filter.all_grids", cells)));
    fields.push(this.field("category", "leaders.filter.category",
      this.select("category", "leaders.filter.all_categories", categories)));
    this.container.replaceChildren(...fields);
  }

  set(name, value) {
    this.values[name] = value;
    this.onChange({ ...this.values });
  }

  /** Show ``values`` (after the page corrected them, e.g. dates in the wrong order). */
  update(values) {
    this.values = { ...this.values, ...values };
    for (const [name, input] of this.inputs) {
      input.value = this.values[name] || "";
    }
  }
}
