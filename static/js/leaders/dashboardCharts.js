// The dashboard's charts as ECharts options, from the /api/dashboard answer: cases by state (a ring), by
// category and by grid cell (bars), reported and fixed per month, and coverage and dark roads over time.

import { shortNames } from "./gridNames.js";
import { leadersFacilities } from "../common/layerRoles.js";

const GROUP_COLORS = { open: "#d32f2f", fixed: "#f57c00", closed: "#66bb6a" };

const grid = (extra = {}) => ({ left: 8, right: 16, top: 36, bottom: 8, containLabel: true, ...extra });
const legend = { top: 0, type: "scroll" };

/** Cases by state, each state in its own colour (workflow.json's ``color``; else its group's). */
export function statusOption(dash, groupOf, i18n, colorOf = {}) {
  const data = Object.entries(dash.by_status || {}).map(([status, count]) => ({
    name: i18n.pick(dash.state_labels?.[status], status), value: count,
    itemStyle: { color: colorOf[status] || GROUP_COLORS[groupOf[status]] || "#90a4ae", borderColor: "#fff",
      borderWidth: 1 },
  })).sort((a, b) => b.value - a.value);
  return {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { ...legend, left: 0 },
    series: [{ type: "pie", radius: ["38%", "68%"], center: ["50%", "57%"], data,
      label: { formatter: "{b}\n{c}" } }],
  };
}

/** Open and fixed cases per category (the 12 with most cases). */
export function categoryOption(dash, i18n) {
  const rows = [...(dash.by_category || [])].sort((a, b) => b.cases - a.cases).slice(0, 12).reverse();
  const names = rows.map((r) => i18n.pick(r.name, r.category));
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend,
    grid: grid(),
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: names, axisLabel: { width: 150, overflow: "break" } }, // never cut a name
    series: [
      { name: i18n.t("leaders.dash.series.open"), type: "bar", stack: "cases", data: rows.map((r) => r.open), color: "#d32f2f" },
      { name: i18n.t("leaders.dash.series.fixed"), type: "bar", stack: "cases", data: rows.map((r) => r.fixed), color: "#66bb6a" },
      { name: i18n.t("leaders.dash.series.other"), type: "bar", stack: "cases",
        data: rows.map((r) => Math.max(0, r.cases - r.open - r.fixed)), color: "#b0bec5" },
    ],
  };
}

/** Open, overdue and fixed cases per grid cell. */
export function gridOption(dash, i18n) {
  const rows = [...(dash.by_grid || [])].sort((a, b) => a.grid_code.localeCompare(b.grid_code));
  const names = shortNames(rows.map((r) => i18n.pick(r.name, r.grid_code || "—")));
  return {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend,
    grid: grid({ bottom: 4 }),
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: i18n.t("leaders.dash.series.open"), type: "bar", data: rows.map((r) => r.open), color: "#d32f2f" },
      { name: i18n.t("leaders.dash.series.overdue"), type: "bar", data: rows.map((r) => r.overdue), color: "#6a1b9a" },
      { name: i18n.t("leaders.dash.series.fixed"), type: "bar", data: rows.map((r) => r.fixed), color: "#66bb6a" },
    ],
  };
}

/** Cases reported and fixed per month. */
export function monthOption(dash, i18n) {
  const rows = dash.by_month || [];
  return {
    tooltip: { trigger: "axis" },
    legend,
    grid: grid(),
    xAxis: { type: "category", data: rows.map((r) => r.month) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: i18n.t("leaders.dash.series.reported"), type: "bar", data: rows.map((r) => r.reported), color: "#1565c0" },
      { name: i18n.t("leaders.dash.series.fixed"), type: "line", smooth: true, data: rows.map((r) => r.fixed), color: "#2e7d32" },
    ],
  };
}

/**
 * Coverage ratios (left axis, %) and road lengths without lamps or bins (right axis, km) at a few dates:
 * one line per facility layer the leaders see (roles.facility.leaders: its figure, series name and colour).
 * @param {Array<{date: string, coverage: object}>} points
 * @param {Array<object>} definitions the layers
 */
export function coverageOption(points, i18n, definitions) {
  const ratio = (layer) => points.map((p) => {
    const value = p.coverage?.[layer]?.coverage_ratio;
    return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
  });
  const km = (layer) => points.map((p) => {
    const value = p.coverage?.[layer]?.gap_length_m;
    return value === null || value === undefined ? null : Math.round(value / 10) / 100;
  });
  return {
    tooltip: { trigger: "axis" },
    legend,
    grid: grid(),
    xAxis: { type: "category", data: points.map((p) => p.date) },
    yAxis: [
      { type: "value", name: i18n.t("leaders.dash.axis.percent"), min: 0, max: 100 },
      { type: "value", name: i18n.t("leaders.dash.axis.km"), min: 0 },
    ],
    series: leadersFacilities(definitions).map(({ definition, leaders }) => (leaders.figure === "coverage"
      ? { name: i18n.pick(leaders.series), type: "line", data: ratio(definition.id), color: leaders.color }
      : { name: i18n.pick(leaders.series), type: "line", yAxisIndex: 1, data: km(definition.id), color: leaders.color,
        lineStyle: { type: "dashed" } })),
  };
}
