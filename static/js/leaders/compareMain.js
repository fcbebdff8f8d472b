// Entry point of the before/after page (/compare): two dates (six months ago and today unless the URL says
// otherwise), the cases at each on two synchronised maps, behind a swipe divider or played week by week,
// what changed between them on the map and in numbers (cards, coverage then and now, tables per grid cell and
// category), and the filters in the URL. body[data-ready="1"] once the first view is drawn.

import { baseDefinitions } from "./leadersMap.js";
import { CaseSnapshots } from "./caseSnapshots.js";
import { CompareLegend } from "./compareLegend.js";
import { CompareMaps, VIEWS } from "./compareMaps.js";
import { coverageTable, summaryCards } from "./compareSummary.js";
import { categoryChangesTable, gridChangesTable } from "./compareTables.js";
import { CHANGES, GROUPS } from "./caseColors.js";
import { el } from "../common/dom.js";
import { FilterBar } from "./filterBar.js";
import { withShortNames } from "./gridNames.js";
import { leadersBasemaps, setReportLink, showNotice, startLeadersPage } from "./leadersPage.js";
import { addDays, addMonths, apiFilters, readFilters, todayIn, writeFilters } from "./leadersUrl.js";
import { FacilitySnapshots } from "./facilitySnapshots.js";
import { SavedAnalyses } from "./savedAnalyses.js";

function schema(today) {
  return {
    from: { kind: "date", default: addMonths(today, -6) },
    to: { kind: "date", default: today },
    grid: { kind: "codes", default: "" },
    category: { kind: "codes", default: "" },
    view: { kind: "choice", options: VIEWS, default: "side" },
    week: { kind: "int", default: null },
    hide: { kind: "codes", default: "" },
  };
}

/** Dates in order and not after today. */
function tidyDates(state, today) {
  let { from, to } = state;
  to = to > today ? today : to;
  from = from > today ? today : from;
  return from > to ? { from: to, to: from } : { from, to };
}

async function start() {
  const context = await startLeadersPage("compare");
  if (!context) {
    return;
  }
  const { api, leaders, i18n, config } = context;
  const body = document.body;
  const today = todayIn(config.timezone);
  const SCHEMA = schema(today);
  const state = readFilters(SCHEMA);
  Object.assign(state, tidyDates(state, today));
  const [workflow, categories, cells, definitions, analysisKinds] = await Promise.all([
    leaders.workflow(), leaders.categories(), leaders.gridCells(), api.layers(), api.analysisKinds()]);
  const groupOf = Object.fromEntries(Object.entries(workflow.states).map(([s, spec]) => [s, spec.group]));
  const snapshots = new CaseSnapshots({ leaders, groupOf });
  const analyses = new SavedAnalyses({ leaders, i18n, definitions, analysisKinds, timeZone: config.timezone });
  const facilities = new FacilitySnapshots({ leaders, definitions });
  const maps = new CompareMaps({
    container: document.getElementById("compare-maps"),
    sliderBox: document.getElementById("time-slider"),
    context: { api, i18n, config, definitions: baseDefinitions(definitions), basemaps: leadersBasemaps(context) },
    snapshots, analyses, facilities,
    onWeek: (index) => {
      state.week = index;
      save();
    },
  });
  const gridTable = gridChangesTable(i18n);
  const categoryTable = categoryChangesTable(i18n);
  document.getElementById("by-grid-table").append(gridTable.element);
  document.getElementById("by-category-table").append(categoryTable.element);
  const reportLink = document.getElementById("report-link");
  let compare = null;
  let coverage = null;

  const save = () => {
    writeFilters(SCHEMA, state);
    setReportLink(reportLink, { from: state.from, to: state.to, ...apiFilters(state) });
    document.getElementById("link-dashboard").href = `/dashboard${apiFilters(state).grid || apiFilters(state).category
      ? `?${new URLSearchParams(apiFilters(state))}` : ""}`;
  };
  const hidden = () => new Set(state.hide ? state.hide.split(",") : []);
  const applyVisible = () => {
    const off = hidden();
    maps.setVisible({ groups: GROUPS.filter((g) => !off.has(g)), changes: CHANGES.filter((c) => !off.has(c)),
      facilities: facilities.definitions.map((d) => d.id).filter((id) => !off.has(id)) });
  };

  const renderNumbers = () => {
    if (!compare) {
      return;
    }
    document.getElementById("summary").replaceChildren(summaryCards(compare.summary, i18n));
    gridTable.setRows(withShortNames(compare.by_grid, i18n));
    categoryTable.setRows(compare.by_category);
    const box = document.getElementById("coverage");
    if (coverage) {
      box.replaceChildren(coverageTable(coverage, i18n, { beforeLabel: state.from, afterLabel: state.to, definitions }));
      box.dataset.ready = "1";
    } else {
      box.replaceChildren(el("p", { className: "muted", text: i18n.t("leaders.coverage.loading") }));
    }
  };

  const showMaps = async () => {
    for (const button of document.querySelectorAll(".lv-view[data-view]")) {
      button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
    }
    body.dataset.view = state.view;
    await maps.show({ view: state.view, compare, filters: apiFilters(state), week: state.week,
      dates: { from: state.from, to: state.to } });
    applyVisible();
  };

  let loads = 0;
  const load = async () => {
    const mine = ++loads;
    save();
    delete body.dataset.ready;
    const params = { from: state.from, to: addDays(state.to, 1), ...apiFilters(state) };
    coverage = null;
    try {
      const next = await leaders.compare({ ...params, weeks: true });
      if (mine !== loads) {
        return;
      }
      compare = next;
      if (state.week !== null && state.week >= (compare.weeks || []).length) {
        state.week = null;
      }
      document.getElementById("notice").hidden = true;
      renderNumbers();
      leaders.compare({ ...params, coverage: true }).then((answer) => {
        if (mine === loads) {
          coverage = answer.coverage;
          renderNumbers();
        }
      }).catch((error) => {
        document.getElementById("coverage").replaceChildren(el("p", { className: "form-message is-error",
          text: i18n.errorMessage(error) }));
      });
      await showMaps();
      if (mine === loads) {
        body.dataset.ready = "1";
      }
    } catch (error) {
      if (!error.redirecting) {
        showNotice(i18n.t("leaders.load_failed", { message: i18n.errorMessage(error) }));
        body.dataset.ready = "error";
      }
    }
  };

  const filterBar = new FilterBar({
    container: document.getElementById("filters"), i18n, cells, categories, max: today,
    dates: [{ name: "from", labelKey: "leaders.filter.from" }, { name: "to", labelKey: "leaders.filter.to" }],
    values: state,
    onChange: (values) => {
      Object.assign(state, values, tidyDates(values, today), { week: null });
      filterBar.update({ from: state.from, to: state.to });
      load();
    },
  }).start();
  new CompareLegend({
    container: document.getElementById("legend"), i18n, hidden: hidden(), facilities: facilities.definitions,
    onChange: (off) => {
      state.hide = [...off].join(",");
      save();
      applyVisible();
    },
  }).start();
  for (const button of document.querySelectorAll(".lv-view[data-view]")) {
    button.addEventListener("click", async () => {
      if (state.view === button.dataset.view || !compare) {
        return;
      }
      state.view = button.dataset.view;
      save();
      delete body.dataset.ready;
      await showMaps();
      body.dataset.ready = "1";
    });
  }
  i18n.onChange(() => {
    renderNumbers();
    gridTable.render();
    categoryTable.render();
    if (compare) {
      showMaps();
    }
  });
  await load();
}

start().catch((error) => {
  console.error("the before/after page failed to start:", error);
  document.body.dataset.ready = "error";
});
