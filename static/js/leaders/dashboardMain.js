// Entry point of the leaders' dashboard (/dashboard): the cases at a date (today unless the URL says
// otherwise) by state, category, grid cell and month as charts, coverage and dark roads over time, where the
// open cases are (heat map, hexagons or grid cells), and the tables with their downloads. Filters live in
// the URL. body[data-ready="1"] once the figures, tables and charts are drawn.

import { baseDefinitions } from "./leadersMap.js";
import { Chart } from "./chart.js";
import { categoryOption, coverageOption, gridOption, monthOption, statusOption } from "./dashboardCharts.js";
import { DashboardMap, MAP_MODES } from "./dashboardMap.js";
import { dashboardTables, overdueRows, tableCard } from "./dashboardTables.js";
import { el } from "../common/dom.js";
import { FilterBar } from "./filterBar.js";
import { withShortNames } from "./gridNames.js";
import { leadersBasemaps, setReportLink, showNotice, startLeadersPage } from "./leadersPage.js";
import { addDays, addMonths, apiFilters, readFilters, todayIn, writeFilters } from "./leadersUrl.js";

const TREND_POINTS = 6;

function schema(today) {
  return {
    at: { kind: "date", default: today },
    since: { kind: "date", default: addMonths(today, -12) },
    grid: { kind: "codes", default: "" },
    category: { kind: "codes", default: "" },
    map: { kind: "choice", options: MAP_MODES, default: "heat" },
  };
}

/** ``count`` dates from ``start`` to ``end`` (YYYY-MM-DD), evenly spaced. */
function spacedDates(start, end, count) {
  const a = Date.parse(`${start}T00:00:00Z`);
  const b = Date.parse(`${end}T00:00:00Z`);
  const dates = [];
  for (let i = 0; i < count; i += 1) {
    dates.push(new Date(a + ((b - a) * i) / (count - 1)).toISOString().slice(0, 10));
  }
  return [...new Set(dates)];
}

function figure(key, labelKey, value, i18n) {
  return el("div", { className: "lv-card", dataset: { figure: key } }, [
    el("span", { className: "lv-card-label", text: i18n.t(labelKey) }),
    el("span", { className: "lv-card-value", text: i18n.formatNumber(value) }),
  ]);
}

function figures(dash, i18n) {
  const groups = dash.by_group || {};
  const recurring = (dash.by_grid || []).reduce((sum, row) => sum + row.recurring, 0);
  return [
    figure("total", "leaders.dash.total", dash.total, i18n), figure("open", "leaders.dash.open", groups.open || 0, i18n),
    figure("overdue", "leaders.dash.overdue", dash.overdue?.count || 0, i18n),
    figure("fixed", "leaders.dash.fixed", groups.fixed || 0, i18n),
    figure("closed", "leaders.dash.closed", groups.closed || 0, i18n),
    figure("recurring", "leaders.dash.recurring", recurring, i18n),
  ];
}

async function start() {
  const context = await startLeadersPage("dashboard");
  if (!context) {
    return;
  }
  const { api, leaders, i18n, config } = context;
  const body = document.body;
  const today = todayIn(config.timezone);
  const SCHEMA = schema(today);
  const state = readFilters(SCHEMA);
  state.at = state.at > today ? today : state.at;
  const [workflow, categories, cells, definitions] = await Promise.all([
    leaders.workflow(), leaders.categories(), leaders.gridCells(), api.layers()]);
  const groupOf = Object.fromEntries(Object.entries(workflow.states).map(([s, spec]) => [s, spec.group]));
  const colorOf = Object.fromEntries(Object.entries(workflow.states).map(([s, spec]) => [s, spec.color]));
  const tables = dashboardTables(i18n, config.timezone);
  let dash = null;
  let trend = [];

  const apiParams = () => ({ at: state.at === today ? null : addDays(state.at, 1), since: state.since, ...apiFilters(state) });
  const exportUrl = (name, format) => leaders.exportUrl(name, format, apiParams(), i18n.lang);
  const renderTableCards = () => {
    document.getElementById("tables").replaceChildren(...Object.entries(tables).map(([name, spec]) =>
      tableCard({ name, spec, i18n, exportUrl })));
    Object.values(tables).forEach((spec) => spec.table.render());
  };

  const charts = {
    status: new Chart({ element: document.getElementById("chart-status"), i18n,
      option: () => (dash ? statusOption(dash, groupOf, i18n, colorOf) : {}) }),
    category: new Chart({ element: document.getElementById("chart-category"), i18n,
      option: () => (dash ? categoryOption(dash, i18n) : {}) }),
    grid: new Chart({ element: document.getElementById("chart-grid"), i18n,
      option: () => (dash ? gridOption(dash, i18n) : {}) }),
    month: new Chart({ element: document.getElementById("chart-month"), i18n,
      option: () => (dash ? monthOption(dash, i18n) : {}) }),
    coverage: new Chart({ element: document.getElementById("chart-coverage"), i18n,
      option: () => coverageOption(trend, i18n, definitions) }),
  };
  Object.values(charts).forEach((chart) => chart.start());
  const map = new DashboardMap({ element: document.getElementById("dash-map"),
    legend: document.getElementById("dash-map-legend"),
    context: { api, i18n, config, definitions: baseDefinitions(definitions), cells,
      basemaps: leadersBasemaps(context) } }).start();

  const save = () => {
    writeFilters(SCHEMA, state);
    const filters = apiFilters(state);
    setReportLink(document.getElementById("report-link"),
      { from: state.since, to: state.at, ...filters });
    const search = new URLSearchParams(filters).toString();
    document.getElementById("link-compare").href = `/compare${search ? `?${search}` : ""}`;
    for (const button of document.querySelectorAll("[data-map-mode]")) {
      button.setAttribute("aria-pressed", String(button.dataset.mapMode === state.map));
    }
  };

  /** Coverage and gap figures at a few dates up to the dashboard's date (each date computed once by the server). */
  const loadTrend = async (mine) => {
    const box = document.getElementById("chart-coverage");
    box.dataset.loading = "1";
    const dates = spacedDates(state.since < state.at ? state.since : addMonths(state.at, -6), state.at, TREND_POINTS);
    const points = [];
    for (const date of dates) {
      const end = addDays(date, 1); // the end of that day (the layers as they stood then)
      const answer = await leaders.compare({ from: end, to: end, coverage: true });
      if (mine !== loads) {
        return;
      }
      points.push({ date, coverage: answer.coverage.after });
    }
    trend = points;
    charts.coverage.update();
    delete box.dataset.loading;
    box.dataset.points = String(points.length);
  };

  let loads = 0;
  const load = async () => {
    const mine = ++loads;
    save();
    delete body.dataset.ready;
    try {
      const next = await leaders.dashboard(apiParams());
      const overdue = await leaders.cases({ at: next.at, overdue: true, ...apiFilters(state) });
      if (mine !== loads) {
        return;
      }
      dash = next;
      document.getElementById("notice").hidden = true;
      document.getElementById("figures").replaceChildren(...figures(dash, i18n));
      document.getElementById("as-at").textContent = i18n.t("leaders.dash.as_at", {
        date: i18n.formatDateTime(dash.at, config.timezone) });
      tables.grid_ranking.table.setRows(withShortNames(dash.grid_ranking, i18n));
      tables.time_to_fix.table.setRows(dash.by_unit);
      tables.by_grid.table.setRows(withShortNames(dash.by_grid, i18n));
      tables.by_category.table.setRows(dash.by_category);
      tables.by_month.table.setRows(dash.by_month);
      tables.overdue.table.setRows(overdueRows(overdue, dash.at));
      renderTableCards();
      ["status", "category", "grid", "month"].forEach((name) => charts[name].update());
      map.show(dash, state.map);
      await map.ready;
      body.dataset.ready = "1";
      loadTrend(mine).catch((error) => console.warn("coverage over time:", error));
    } catch (error) {
      if (!error.redirecting) {
        showNotice(i18n.t("leaders.load_failed", { message: i18n.errorMessage(error) }));
        body.dataset.ready = "error";
      }
    }
  };

  new FilterBar({
    container: document.getElementById("filters"), i18n, cells, categories, max: today,
    dates: [{ name: "at", labelKey: "leaders.filter.at" }, { name: "since", labelKey: "leaders.filter.since" }],
    values: state,
    onChange: (values) => {
      Object.assign(state, values);
      state.at = state.at > today ? today : state.at;
      load();
    },
  }).start();
  for (const button of document.querySelectorAll("[data-map-mode]")) {
    button.addEventListener("click", () => {
      state.map = button.dataset.mapMode;
      save();
      map.show(dash, state.map);
    });
  }
  i18n.onChange(() => {
    if (dash) {
      document.getElementById("figures").replaceChildren(...figures(dash, i18n));
      renderTableCards();
    }
  });
  await load();
}

start().catch((error) => {
  console.error("the dashboard failed to start:", error);
  document.body.dataset.ready = "error";
});
