// What changed per grid cell and per category between the two dates (compare's by_grid and by_category),
// as sortable tables.

import { SortableTable } from "./sortableTable.js";

const COUNTS = [["new", "leaders.change.new"], ["fixed", "leaders.change.fixed"],
  ["still_open", "leaders.change.still_open"], ["recurring", "leaders.change.recurring"]];

function countColumns(i18n) {
  return COUNTS.map(([key, labelKey]) => ({ key, type: "number", label: () => i18n.t(labelKey) }));
}

/** The table of changes per grid cell. */
export function gridChangesTable(i18n) {
  return new SortableTable({
    i18n, rowKey: (row) => row.grid_code, sortKey: "new", empty: () => i18n.t("leaders.table.empty"),
    columns: [
      { key: "grid", label: () => i18n.t("leaders.col.grid"),
        value: (row) => row.short_name ?? i18n.pick(row.name, row.grid_code || "—") },
      ...countColumns(i18n),
    ],
  });
}

/** The table of changes per category. */
export function categoryChangesTable(i18n) {
  return new SortableTable({
    i18n, rowKey: (row) => row.category, sortKey: "new", empty: () => i18n.t("leaders.table.empty"),
    columns: [
      { key: "category", label: () => i18n.t("leaders.col.category"), value: (row) => i18n.pick(row.name, row.category) },
      ...countColumns(i18n),
    ],
  });
}
