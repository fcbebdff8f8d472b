// The report page's controls: the period (two dates), a grid cell and a category, kept in the page's URL
// (?from=&to=&grid=&category=, the same parameters as /compare), and the addresses of the report's data,
// its standalone file and the before/after map for those choices.

import { el } from "../common/dom.js";

/** "YYYY-MM-DD" of ``date`` in ``timeZone``. */
export function isoDay(date, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The default period: from the first day of the month five months back (six calendar months) to today. */
export function defaultPeriod(now, timeZone) {
  const to = isoDay(now, timeZone);
  let [year, month] = to.split("-").map(Number);
  month -= 5;
  if (month < 1) {
    month += 12;
    year -= 1;
  }
  return { from: `${year}-${String(month).padStart(2, "0")}-01`, to };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ReportControls {
  /**
   * @param {object} options
   * @param {HTMLFormElement} options.form
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone the project's zone (/api/config)
   */
  constructor({ form, i18n, timeZone }) {
    this.form = form;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.from = form.querySelector("#report-from");
    this.to = form.querySelector("#report-to");
    this.grid = form.querySelector("#report-grid");
    this.category = form.querySelector("#report-category");
    this.cells = [];
    this.categories = [];
  }

  /** Fill the lists and take the choices from the URL (or the defaults). */
  start({ cells, categories, location = globalThis.location }) {
    this.cells = cells;
    this.categories = categories;
    const params = new URLSearchParams(location.search);
    const period = defaultPeriod(new Date(), this.timeZone);
    this.from.value = DAY.test(params.get("from") || "") ? params.get("from") : period.from;
    this.to.value = DAY.test(params.get("to") || "") ? params.get("to") : period.to;
    this.renderOptions();
    this.grid.value = params.get("grid") || "";
    this.category.value = params.get("category") || "";
    this.i18n.onChange(() => {
      const [grid, category] = [this.grid.value, this.category.value];
      this.renderOptions();
      this.grid.value = grid;
      this.category.value = category;
    });
    return this;
  }

  renderOptions() {
    const option = (value, text) => el("option", { text, attrs: { value } });
    this.grid.replaceChildren(option("", this.i18n.t("report.grid_all")),
      ...this.cells.map((cell) => option(cell.code, cell.name || cell.code)));
    this.category.replaceChildren(option("", this.i18n.t("report.category_all")),
      ...this.categories.map((c) => option(c.code, `${c.code} ${this.i18n.pick(c.name, c.code)}`)));
  }

  /** The chosen period and filters as query parameters; ``to`` covers the whole of its day. */
  query() {
    const params = new URLSearchParams({ from: this.from.value, to: `${this.to.value}T23:59:59` });
    if (this.grid.value) {
      params.set("grid", this.grid.value);
    }
    if (this.category.value) {
      params.set("category", this.category.value);
    }
    return params;
  }

  /** The choices as the page's own query (what a bookmark or a link from /compare carries). */
  pageQuery() {
    const params = new URLSearchParams({ from: this.from.value, to: this.to.value });
    for (const [key, select] of [["grid", this.grid], ["category", this.category]]) {
      if (select.value) {
        params.set(key, select.value);
      }
    }
    return params;
  }

  valid() {
    return DAY.test(this.from.value) && DAY.test(this.to.value) && this.from.value <= this.to.value;
  }
}
