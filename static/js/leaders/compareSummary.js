// The before/after page's numbers: cards for what changed (new, fixed, still open, recurring; open cases
// then and now) and the figures of the facility layers at both dates (compare?coverage=true): a coverage
// ratio or a road length without them, as each layer's role says (roles.facility.leaders). Every figure
// carries data-figure so tests read what is shown.

import { CHANGE_COLORS } from "./caseColors.js";
import { el } from "../common/dom.js";
import { fillText, leadersFacilities } from "../common/layerRoles.js";

const CARDS = [
  ["new", "leaders.change.new"], ["fixed", "leaders.change.fixed"], ["still_open", "leaders.change.still_open"],
  ["recurring", "leaders.change.recurring"],
];

/** The summary cards of compare's ``summary``. */
export function summaryCards(summary, i18n) {
  const cards = CARDS.map(([key, labelKey]) => {
    const mark = el("span", { className: "lv-card-mark", attrs: { "aria-hidden": "true" } });
    mark.style.borderColor = CHANGE_COLORS[key];
    return el("div", { className: "lv-card", dataset: { figure: key } }, [
      el("span", { className: "lv-card-label" }, [mark, i18n.t(labelKey)]),
      el("span", { className: "lv-card-value", text: i18n.formatNumber(summary[key] ?? 0) }),
    ]);
  });
  const delta = (summary.open_after ?? 0) - (summary.open_before ?? 0);
  cards.push(el("div", { className: "lv-card lv-card-wide", dataset: { figure: "open" } }, [
    el("span", { className: "lv-card-label", text: i18n.t("leaders.summary.open_then_now") }),
    el("span", { className: "lv-card-value" }, [
      el("span", { text: i18n.formatNumber(summary.open_before ?? 0), dataset: { figure: "open_before" } }),
      el("span", { className: "lv-card-arrow", text: " → " }),
      el("span", { text: i18n.formatNumber(summary.open_after ?? 0), dataset: { figure: "open_after" } }),
      el("span", { className: `lv-card-delta ${delta > 0 ? "is-worse" : delta < 0 ? "is-better" : ""}`,
        text: ` (${delta > 0 ? "+" : ""}${i18n.formatNumber(delta)})` }),
    ]),
  ]));
  return el("div", { className: "lv-cards" }, cards);
}

function percent(ratio, i18n) {
  return ratio === null || ratio === undefined ? "—" : i18n.formatNumber(ratio, { style: "percent", maximumFractionDigits: 1 });
}

function metres(value, i18n) {
  if (value === null || value === undefined) {
    return "—";
  }
  return value >= 1000 ? i18n.t("leaders.unit.km", { value: i18n.formatNumber(value / 1000, { maximumFractionDigits: 2 }) })
    : i18n.t("leaders.unit.m", { value: i18n.formatNumber(Math.round(value)) });
}

/** Coverage and gap figures then and now, one row per facility layer: label, before, after, change. */
export function coverageRows(coverage, i18n, definitions) {
  const before = coverage?.before || {};
  const after = coverage?.after || {};
  const ratio = (layer, label) => {
    const a = before[layer]?.coverage_ratio;
    const b = after[layer]?.coverage_ratio;
    const radius = after[layer]?.radius_m ?? before[layer]?.radius_m;
    const change = a === null || a === undefined || b === null || b === undefined ? null : b - a;
    return { key: layer, label: fillText(i18n.pick(label), { radius }), before: percent(a, i18n), after: percent(b, i18n),
      change: change === null ? "—" : `${change > 0 ? "+" : ""}${i18n.formatNumber(change * 100, { maximumFractionDigits: 1 })} %`,
      better: change === null ? null : change > 0 ? true : change < 0 ? false : null, raw: [a, b] };
  };
  const length = (layer, label) => {
    const a = before[layer]?.gap_length_m;
    const b = after[layer]?.gap_length_m;
    const change = a === null || a === undefined || b === null || b === undefined ? null : b - a;
    return { key: layer, label: i18n.pick(label), before: metres(a, i18n), after: metres(b, i18n),
      change: change === null ? "—" : `${change > 0 ? "+" : change < 0 ? "−" : ""}${metres(Math.abs(change), i18n)}`,
      better: change === null ? null : change < 0 ? true : change > 0 ? false : null, raw: [a, b] };
  };
  return leadersFacilities(definitions).map(({ definition, leaders }) => (leaders.figure === "coverage"
    ? ratio(definition.id, leaders.label) : length(definition.id, leaders.label)));
}

/** The coverage table (label, then, now, change). */
export function coverageTable(coverage, i18n, { beforeLabel, afterLabel, definitions }) {
  const head = el("tr", {}, [
    el("th", { text: i18n.t("leaders.coverage.measure"), attrs: { scope: "col" } }),
    el("th", { className: "is-number", text: beforeLabel, attrs: { scope: "col" } }),
    el("th", { className: "is-number", text: afterLabel, attrs: { scope: "col" } }),
    el("th", { className: "is-number", text: i18n.t("leaders.coverage.change"), attrs: { scope: "col" } }),
  ]);
  const rows = coverageRows(coverage, i18n, definitions).map((row) => el("tr", { dataset: { row: row.key } }, [
    el("th", { text: row.label, attrs: { scope: "row" } }),
    el("td", { className: "is-number", text: row.before, dataset: { col: "before", value: row.raw[0] ?? "" } }),
    el("td", { className: "is-number", text: row.after, dataset: { col: "after", value: row.raw[1] ?? "" } }),
    el("td", { className: `is-number ${row.better === true ? "is-better" : row.better === false ? "is-worse" : ""}`,
      text: row.change, dataset: { col: "change" } }),
  ]));
  return el("table", { className: "lv-table lv-coverage" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
}
