// A table whose columns sort when their heading is clicked (again: the other way), announced with aria-sort.
// Cells carry data-col and rows data-row, so tests read exactly what is shown. Text sorts by the page's
// language (拼音 order for Chinese); empty values always go last.

import { el } from "../common/dom.js";

export class SortableTable {
  /**
   * @param {object} options
   * @param {Array<{key: string, label: function(): string, type?: "number"|"text",
   *   value?: function(object): *, format?: function(*, object): string}>} options.columns
   * @param {function(object): string} options.rowKey
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} [options.sortKey] the column sorted at first
   * @param {"asc"|"desc"} [options.sortDir]
   * @param {function(): string} [options.empty] what an empty table says
   */
  constructor({ columns, rowKey, i18n, sortKey = null, sortDir = "desc", empty = () => "" }) {
    this.columns = columns;
    this.rowKey = rowKey;
    this.i18n = i18n;
    this.sortKey = sortKey;
    this.sortDir = sortDir;
    this.empty = empty;
    this.rows = [];
    this.element = el("table", { className: "lv-table" });
  }

  setRows(rows) {
    this.rows = rows || [];
    this.render();
  }

  valueOf(column, row) {
    return column.value ? column.value(row) : row[column.key];
  }

  sorted() {
    const column = this.columns.find((c) => c.key === this.sortKey);
    if (!column) {
      return this.rows;
    }
    const sign = this.sortDir === "asc" ? 1 : -1;
    const collator = new Intl.Collator(this.i18n.lang, { numeric: true });
    return [...this.rows].sort((a, b) => {
      const x = this.valueOf(column, a);
      const y = this.valueOf(column, b);
      const xEmpty = x === null || x === undefined || x === "";
      const yEmpty = y === null || y === undefined || y === "";
      if (xEmpty || yEmpty) {
        return Number(xEmpty) - Number(yEmpty);
      }
      return sign * (column.type === "number" ? x - y : collator.compare(String(x), String(y)));
    });
  }

  sortBy(key) {
    if (this.sortKey === key) {
      this.sortDir = this.sortDir === "asc" ? "desc" : "asc";
    } else {
      const column = this.columns.find((c) => c.key === key);
      this.sortKey = key;
      this.sortDir = column?.type === "number" ? "desc" : "asc";
    }
    this.render();
  }

  render() {
    const head = el("tr", {}, this.columns.map((column) => {
      const active = column.key === this.sortKey;
      const button = el("button", { className: "lv-sort", text: column.label(),
        attrs: { type: "button", "data-col": column.key } }, [
        el("span", { className: "lv-sort-mark", text: active ? (this.sortDir === "asc" ? "▲" : "▼") : "",
          attrs: { "aria-hidden": "true" } }),
      ]);
      button.addEventListener("click", () => this.sortBy(column.key));
      return el("th", { className: column.type === "number" ? "is-number" : "",
        attrs: { scope: "col", "aria-sort": active ? (this.sortDir === "asc" ? "ascending" : "descending") : "none" } },
      [button]);
    }));
    const rows = this.sorted();
    const body = rows.length
      ? rows.map((row) => el("tr", { dataset: { row: this.rowKey(row) } }, this.columns.map((column) => {
        const value = this.valueOf(column, row);
        const text = column.format ? column.format(value, row)
          : (value === null || value === undefined ? "—" : (column.type === "number" ? this.i18n.formatNumber(value) : String(value)));
        return el("td", { className: column.type === "number" ? "is-number" : "", text, dataset: { col: column.key } });
      })))
      : [el("tr", { className: "lv-table-empty" }, [el("td", { text: this.empty(), attrs: { colspan: this.columns.length } })])];
    this.element.replaceChildren(el("thead", {}, [head]), el("tbody", {}, body));
  }
}
