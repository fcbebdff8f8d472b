// The dashboard's tables (grid ranking, responsible units, grid cells, categories, months, overdue cases),
// sortable, each with its CSV and Excel download (GET /api/dashboard/export with the page's filters).

import { el } from "../common/dom.js";
import { SortableTable } from "./sortableTable.js";

const num = (key, labelKey, i18n, extra = {}) => ({ key, type: "number", label: () => i18n.t(labelKey), ...extra });

function gridName(i18n) {
  return { key: "grid", label: () => i18n.t("leaders.col.grid"),
    value: (row) => row.short_name ?? i18n.pick(row.name, row.grid_code || "—") };
}

function oneDecimal(i18n) {
  return (value) => (value === null || value === undefined ? "—" : i18n.formatNumber(value, { maximumFractionDigits: 1 }));
}

/** The table definitions: export name -> {titleKey, hintKey?, table}. */
export function dashboardTables(i18n, timeZone) {
  const counts = [num("open", "leaders.col.open", i18n), num("overdue", "leaders.col.overdue", i18n),
    num("fixed", "leaders.col.fixed", i18n), num("recurring", "leaders.col.recurring", i18n)];
  const empty = () => i18n.t("leaders.table.empty");
  return {
    grid_ranking: { titleKey: "leaders.dash.ranking", hintKey: "leaders.dash.ranking_hint", table: new SortableTable({
      i18n, empty, rowKey: (r) => r.grid_code, sortKey: "rank", sortDir: "asc",
      columns: [num("rank", "leaders.col.rank", i18n), gridName(i18n),
        { key: "unit", label: () => i18n.t("leaders.col.unit"), value: (r) => r.name?.responsible_unit ?? null },
        num("overdue", "leaders.col.overdue", i18n), num("open", "leaders.col.open", i18n),
        num("recurring", "leaders.col.recurring", i18n), num("cases", "leaders.col.cases", i18n)],
    }) },
    time_to_fix: { titleKey: "leaders.dash.units", hintKey: "leaders.dash.units_hint", table: new SortableTable({
      i18n, empty, rowKey: (r) => r.responsible_unit, sortKey: "overdue",
      columns: [{ key: "responsible_unit", label: () => i18n.t("leaders.col.unit") },
        num("overdue", "leaders.col.overdue", i18n), num("open", "leaders.col.open", i18n),
        num("median_hours", "leaders.col.median_hours", i18n, { format: oneDecimal(i18n) }),
        num("fixed", "leaders.col.fixes", i18n), num("cases", "leaders.col.cases", i18n)],
    }) },
    by_grid: { titleKey: "leaders.dash.by_grid", table: new SortableTable({
      i18n, empty, rowKey: (r) => r.grid_code, sortKey: "cases",
      columns: [gridName(i18n), num("cases", "leaders.col.cases", i18n), ...counts],
    }) },
    by_category: { titleKey: "leaders.dash.by_category", table: new SortableTable({
      i18n, empty, rowKey: (r) => r.category, sortKey: "cases",
      columns: [{ key: "category", label: () => i18n.t("leaders.col.category"), value: (r) => i18n.pick(r.name, r.category) },
        num("cases", "leaders.col.cases", i18n), ...counts],
    }) },
    by_month: { titleKey: "leaders.dash.months_table", table: new SortableTable({
      i18n, empty, rowKey: (r) => r.month, sortKey: "month", sortDir: "desc",
      columns: [{ key: "month", label: () => i18n.t("leaders.col.month") }, num("reported", "leaders.col.reported", i18n),
        num("fixed", "leaders.col.fixed", i18n)],
    }) },
    overdue: { titleKey: "leaders.dash.overdue_table", hintKey: "leaders.dash.overdue_hint", table: new SortableTable({
      i18n, empty, rowKey: (r) => String(r.id), sortKey: "days", sortDir: "desc",
      columns: [num("id", "leaders.col.id", i18n, { format: (v) => `#${v}` }),
        { key: "category", label: () => i18n.t("leaders.col.category"), value: (r) => i18n.pick(r.category_name, r.category) },
        { key: "status", label: () => i18n.t("leaders.col.status"), value: (r) => i18n.pick(r.status_label, r.status) },
        { key: "unit", label: () => i18n.t("leaders.col.unit"), value: (r) => r.responsible_unit },
        { key: "address", label: () => i18n.t("leaders.col.address"), value: (r) => r.address },
        { key: "deadline", label: () => i18n.t("leaders.col.deadline"), value: (r) => r.deadline,
          format: (v) => (v ? i18n.formatDateTime(v, timeZone) : "—") },
        num("days", "leaders.col.overdue_days", i18n)],
    }) },
  };
}

/** Overdue cases (GET /api/cases?overdue=true at the dashboard's instant) as table rows with whole days overdue
 * (rounded down: a case 1.9 days late is 1 day overdue, as 超期 1 天 counts). */
export function overdueRows(features, atIso) {
  const at = new Date(atIso).getTime();
  return features.map((f) => {
    const p = f.properties || {};
    const deadline = p.deadline ? new Date(p.deadline).getTime() : null;
    return { ...p, id: f.id, days: deadline === null ? null : Math.floor((at - deadline) / 86_400_000) };
  });
}

/**
 * A card holding one table with its title, hint and download links.
 * @param {object} options {name, spec (from dashboardTables), i18n, exportUrl: function(name, format): string}
 */
export function tableCard({ name, spec, i18n, exportUrl }) {
  const links = el("div", { className: "lv-exports" }, ["csv", "xlsx"].map((format) => el("a", {
    className: "button", text: i18n.t(format === "csv" ? "leaders.dash.export_csv" : "leaders.dash.export_xlsx"),
    attrs: { href: exportUrl(name, format), download: "", id: `export-${name}-${format}` } })));
  return el("section", { className: "card lv-card-box", attrs: { id: `table-${name}` } }, [
    el("div", { className: "card-head" }, [el("h2", { className: "card-title", text: i18n.t(spec.titleKey) }), links]),
    spec.hintKey ? el("p", { className: "field-hint", text: i18n.t(spec.hintKey) }) : null,
    el("div", { className: "lv-table-wrap" }, [spec.table.element]),
  ]);
}
