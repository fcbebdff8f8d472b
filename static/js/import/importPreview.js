// The preview of the import page: counts per problem (each a filter), and a page of rows with their
// problems highlighted (the row, and the cells a problem names).

import { el } from "../common/dom.js";

const MAX_COLUMNS = 12;
// Problem codes of web/imports.py in words (the server's reason follows each).
const PROBLEM_KEYS = {
  coordinates_out_of_range: "import.problem.coordinates_out_of_range",
  coordinates_swapped: "import.problem.coordinates_swapped",
  wrong_crs: "import.problem.wrong_crs",
  outside_extent: "import.problem.outside_extent",
  duplicate_row: "import.problem.duplicate_row",
  duplicate_of_stored: "import.problem.duplicate_of_stored",
  empty_geometry: "import.problem.empty_geometry",
  invalid_geometry: "import.problem.invalid_geometry",
  geometry_type_mismatch: "import.problem.geometry_type_mismatch",
  invalid_number: "import.problem.invalid_number",
  undecodable_text: "import.problem.undecodable_text",
  wrong_field_count: "import.problem.wrong_field_count",
  address_not_found: "import.problem.address_not_found",
  unknown_category: "import.problem.unknown_category",
  invalid_value: "import.problem.invalid_value",
  required: "import.problem.required",
  use_case_workflow: "import.problem.use_case_workflow",
};

export class ImportPreview {
  /**
   * @param {object} options
   * @param {object} options.elements {counts, head, body, range, prev, next, filter}
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(object): void} options.onQuery called with {rows, code, offset} to show another page
   */
  constructor({ elements, i18n, onQuery }) {
    this.elements = elements;
    this.i18n = i18n;
    this.onQuery = onQuery;
    this.query = { rows: "all", code: "", offset: 0, limit: 50 };
    elements.filter.addEventListener("change", () => this.go({ rows: elements.filter.value, code: "", offset: 0 }));
    elements.prev.addEventListener("click", () => this.go({ offset: Math.max(0, this.query.offset - this.query.limit) }));
    elements.next.addEventListener("click", () => this.go({ offset: this.query.offset + this.query.limit }));
  }

  go(changes) {
    this.query = { ...this.query, ...changes };
    this.onQuery(this.query);
  }

  render(view) {
    this.renderCounts(view.counts);
    this.renderRows(view);
  }

  renderCounts(counts) {
    const t = (key, params) => this.i18n.t(key, params);
    const chips = [
      this.chip("rows", t("import.count_rows", { count: this.i18n.formatNumber(counts.rows) }), { rows: "all", code: "" }),
      this.chip("valid", t("import.count_valid", { count: this.i18n.formatNumber(counts.valid ?? 0) }),
        { rows: "valid", code: "" }),
    ];
    for (const [code, count] of Object.entries(counts.problems || {})) {
      chips.push(this.chip("problem", `${this.problemName(code)}: ${this.i18n.formatNumber(count)}`,
        { rows: "refused", code }, code));
    }
    this.elements.counts.replaceChildren(...chips);
  }

  chip(kind, text, query, code = "") {
    const pressed = this.query.code === code && (code || this.query.rows === query.rows);
    const button = el("button", { className: "count-chip", text, attrs: { type: "button", "aria-pressed": String(pressed) },
      dataset: { kind, code } });
    button.addEventListener("click", () => {
      this.elements.filter.value = query.rows;
      this.go({ ...query, offset: 0 });
    });
    return button;
  }

  problemName(code) {
    return PROBLEM_KEYS[code] ? this.i18n.t(PROBLEM_KEYS[code]) : code;
  }

  renderRows(view) {
    const page = view.page;
    const columns = view.columns.slice(0, MAX_COLUMNS);
    const t = (key, params) => this.i18n.t(key, params);
    this.elements.head.replaceChildren(el("tr", {}, [
      el("th", { text: t("import.col_row"), attrs: { scope: "col" } }),
      el("th", { text: t("import.col_problems"), attrs: { scope: "col" } }),
      ...columns.map((column) => el("th", { text: column, attrs: { scope: "col" } })),
    ]));
    const rows = page ? page.rows : [];
    this.elements.body.replaceChildren(...rows.map((row) => {
      const fields = new Set(row.problems.map((p) => p.field));
      const problems = row.problems.length
        ? row.problems.map((p) => el("div", { attrs: { title: p.reason } }, [
          el("span", { className: "problem-text", text: this.i18n.pick(p.text, this.problemName(p.code)) })]))
        : [el("span", { text: t("import.row_ok") })];
      return el("tr", { className: row.valid ? "row-valid" : "row-refused", dataset: { row: row.row } }, [
        el("td", { text: String(row.row), attrs: { "data-label": t("import.col_row") } }),
        el("td", { className: "problems-cell", attrs: { "data-label": t("import.col_problems") } }, problems),
        ...columns.map((column) => el("td", { className: fields.has(column) ? "cell-bad" : "",
          text: row.values[column] ?? "", attrs: { "data-label": column, title: String(row.values[column] ?? "") } })),
      ]);
    }));
    const total = page ? page.total : 0;
    const first = total ? this.query.offset + 1 : 0;
    const last = Math.min(total, this.query.offset + rows.length);
    this.elements.range.textContent = t("import.range", { first, last, total: this.i18n.formatNumber(total) });
    this.elements.prev.disabled = this.query.offset === 0;
    this.elements.next.disabled = last >= total;
  }
}
