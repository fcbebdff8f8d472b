// The summary of an analysis result as small tables in the current language: coverage counts and
// households, dark length per road class and per street, covered before/after for proposed sites,
// hotspot classes, recurring places. Each row carries data-key (and data-value: the raw number).

import { hotspotClassKey } from "./analysisProperties.js";
import { HOTSPOT_CLASSES } from "./analysisStyles.js";
import { el } from "../common/dom.js";

const TOP_LINES = 8;
const METHOD_KEYS = { exact: "analysis.method.exact", greedy: "analysis.method.greedy" };
const STATUS_KEYS = { optimal: "analysis.status.optimal", feasible: "analysis.status.feasible" };
const METRIC_KEYS = { euclidean: "analysis.metric.euclidean", network: "analysis.metric.network" };
const CELL_KEYS = { hex: "analysis.cell.hex", square: "analysis.cell.square" };

class Formatter {
  constructor(i18n) {
    this.i18n = i18n;
  }

  t(key, params) {
    return this.i18n.t(key, params);
  }

  count(value) {
    return this.i18n.formatNumber(value ?? 0);
  }

  metres(value) {
    return this.t("analysis.metres", { value: this.i18n.formatNumber(Math.round(value ?? 0)) });
  }

  ratio(part, whole) {
    if (!whole) {
      return this.t("value.unset");
    }
    return this.i18n.formatNumber(part / whole, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  }

  /** "119 / 793 (15.0 %)" */
  ofTotal(part, whole) {
    return this.t("analysis.of_total",
      { count: this.count(part), total: this.count(whole), ratio: this.ratio(part, whole) });
  }

  /** "300 米 · 直线距离" */
  distance(metres, metric) {
    return `${this.metres(metres)} · ${this.t(METRIC_KEYS[metric] || "value.unset")}`;
  }
}

function row(key, label, text, value) {
  return el("tr", { dataset: { key, ...(value === undefined || value === null ? {} : { value }) } }, [
    el("th", { text: label, attrs: { scope: "row" } }),
    el("td", { text }),
  ]);
}

function facts(rows, className = "") {
  return el("table", { className: `analysis-facts ${className}`.trim() }, [el("tbody", {}, rows.filter(Boolean))]);
}

function grid(caption, headings, rows, className) {
  return el("table", { className: `analysis-table ${className}` }, [
    el("caption", { text: caption }),
    el("thead", {}, [el("tr", {}, headings.map((h) => el("th", { text: h, attrs: { scope: "col" } })))]),
    el("tbody", {}, rows),
  ]);
}

function roadClassLabel(definitions, i18n, cls) {
  const spec = definitions.find((d) => d.id === "roads")?.properties?.class;
  return spec?.enum_labels?.[cls] ? i18n.pick(spec.enum_labels[cls], cls) : String(cls ?? i18n.t("value.unset"));
}

function coverage(summary, params, f) {
  const items = [
    row("covered", f.t("analysis.sum.covered"), f.ofTotal(summary.covered, summary.targets), summary.covered),
    row("uncovered", f.t("analysis.sum.uncovered"), f.count(summary.uncovered), summary.uncovered),
    row("unreachable", f.t("analysis.sum.unreachable"), f.count(summary.unreachable), summary.unreachable),
  ];
  if (Number.isFinite(summary.households_total)) {
    items.push(row("households_covered", f.t("analysis.sum.households_covered"),
      f.ofTotal(summary.households_covered, summary.households_total), summary.households_covered));
  }
  const radius = summary.radius_m ?? params.radius_m;
  items.push(row("radius", f.t("analysis.sum.distance"), f.distance(radius, summary.metric ?? params.metric), radius));
  const parts = [facts(items)];
  const byGrid = (summary.by_grid || []).filter((g) => g.targets > 0);
  if (byGrid.length) {
    parts.push(el("details", { className: "analysis-details" }, [
      el("summary", { text: f.t("analysis.sum.by_grid") }),
      grid(f.t("analysis.sum.by_grid"), [f.t("analysis.col.grid"), f.t("analysis.sum.covered")],
        byGrid.map((g) => el("tr", { dataset: { grid: g.code ?? "" } }, [
          el("td", { text: g.code ?? f.t("analysis.sum.outside_grid") }),
          el("td", { text: f.ofTotal(g.covered, g.targets) }),
        ])), "analysis-by-grid"),
    ]));
  }
  return parts;
}

function gaps(summary, params, f, definitions, i18n) {
  const items = [
    row("total_gap_m", f.t(params.points === "bins" ? "analysis.sum.total_gap_bins" : "analysis.sum.total_gap_lamps"),
      f.metres(summary.total_gap_m), Math.round(summary.total_gap_m ?? 0)),
    row("gaps", f.t("analysis.sum.gaps"), f.count(summary.gaps), summary.gaps),
    row("checked_length_m", f.t("analysis.sum.checked_length"), f.metres(summary.checked_length_m),
      Math.round(summary.checked_length_m ?? 0)),
    row("exclude_broken", f.t("analysis.sum.broken_missing"), f.t(summary.exclude_broken ? "value.true" : "value.false")),
  ];
  const parts = [facts(items)];
  const unchecked = summary.unchecked_classes || [];
  if (unchecked.length) {
    parts.push(el("p", { className: "analysis-warning", text: f.t("analysis.sum.unchecked", {
      classes: i18n.join(unchecked.map((c) => roadClassLabel(definitions, i18n, c))) }) }));
  }
  const byClass = summary.by_class || [];
  if (byClass.length) {
    parts.push(grid(f.t("analysis.sum.by_class"),
      [f.t("analysis.col.road_class"), f.t("analysis.col.gap_length"), f.t("analysis.col.gaps"),
        f.t("analysis.col.road_length")],
      byClass.map((c) => el("tr", { dataset: { roadClass: c.class ?? "", gapM: Math.round(c.gap_m ?? 0) } }, [
        el("th", { text: roadClassLabel(definitions, i18n, c.class), attrs: { scope: "row" } }),
        el("td", { className: "num", text: f.metres(c.gap_m) }),
        el("td", { className: "num", text: f.count(c.gaps) }),
        el("td", { className: "num", text: f.metres(c.length_m) }),
      ])), "analysis-by-class"));
  }
  const byLine = [...(summary.by_line || [])].sort((a, b) => (b.gap_m ?? 0) - (a.gap_m ?? 0));
  if (byLine.length) {
    const lineRow = (line) => el("tr", { dataset: { lineId: line.line_id ?? "", gapM: Math.round(line.gap_m ?? 0) } }, [
      el("th", { text: line.name || f.t("analysis.sum.unnamed"), attrs: { scope: "row" } }),
      el("td", { text: roadClassLabel(definitions, i18n, line.class) }),
      el("td", { className: "num", text: f.metres(line.gap_m) }),
    ]);
    const headings = [f.t("analysis.col.road"), f.t("analysis.col.road_class"), f.t("analysis.col.gap_length")];
    parts.push(grid(f.t("analysis.sum.by_line"), headings, byLine.slice(0, TOP_LINES).map(lineRow), "analysis-by-line"));
    if (byLine.length > TOP_LINES) {
      parts.push(el("details", { className: "analysis-details" }, [
        el("summary", { text: f.t("analysis.sum.more_lines", { count: f.count(byLine.length - TOP_LINES) }) }),
        grid(f.t("analysis.sum.by_line_rest"), headings, byLine.slice(TOP_LINES).map(lineRow), "analysis-by-line"),
      ]));
    }
  }
  return parts;
}

function proposals(summary, params, f) {
  const method = METHOD_KEYS[summary.method] ? f.t(METHOD_KEYS[summary.method]) : String(summary.method ?? "");
  const status = STATUS_KEYS[summary.status] ? f.t(STATUS_KEYS[summary.status]) : String(summary.status ?? "");
  const fewer = Number.isFinite(summary.count_requested) && summary.count < summary.count_requested;
  const items = [
    row("count", f.t("analysis.sum.sites"), fewer
      ? f.t("analysis.sum.sites_of", { count: f.count(summary.count), requested: f.count(summary.count_requested) })
      : f.count(summary.count), summary.count),
    row("covered_before", f.t("analysis.sum.covered_before"), f.ofTotal(summary.covered_before, summary.targets),
      summary.covered_before),
    row("covered_after", f.t("analysis.sum.covered_after"), f.ofTotal(summary.covered_after, summary.targets),
      summary.covered_after),
  ];
  if (summary.weight_column && Number.isFinite(summary.weight_total)) {
    items.push(row("weight_before", f.t("analysis.sum.households_before"),
      f.ofTotal(summary.weight_before, summary.weight_total), summary.weight_before));
    items.push(row("weight_after", f.t("analysis.sum.households_after"),
      f.ofTotal(summary.weight_after, summary.weight_total), summary.weight_after));
  }
  if (summary.uncoverable > 0) {
    items.push(row("uncoverable", f.t("analysis.sum.uncoverable"), f.count(summary.uncoverable), summary.uncoverable));
  }
  items.push(row("method", f.t("analysis.sum.method"), status ? `${method} · ${status}` : method, summary.method));
  if (Number.isFinite(summary.gap_ratio) && summary.gap_ratio > 0) {
    items.push(row("gap_ratio", f.t("analysis.sum.gap_ratio"),
      f.i18n.formatNumber(summary.gap_ratio, { style: "percent", maximumFractionDigits: 1 }), summary.gap_ratio));
  }
  const radius = summary.radius_m ?? params.radius_m;
  items.push(row("radius", f.t("analysis.sum.distance"), f.distance(radius, summary.metric ?? params.metric), radius));
  const parts = [facts(items)];
  if (fewer) {
    parts.push(el("p", { className: "field-hint",
      text: f.t("analysis.sum.fewer_needed", { count: f.count(summary.count) }) }));
  }
  return parts;
}

function hotspots(summary, params, f) {
  const classes = summary.classes || {};
  const cell = CELL_KEYS[summary.cell ?? params.cell] ? f.t(CELL_KEYS[summary.cell ?? params.cell]) : "";
  const items = [
    row("points", f.t("analysis.sum.points"), f.count(summary.points), summary.points),
    row("cells", f.t("analysis.sum.cells"), f.count(summary.cells), summary.cells),
    row("size", f.t("analysis.field.cell_size"), `${f.metres(summary.size_m ?? params.size_m)}${cell ? ` · ${cell}` : ""}`,
      summary.size_m ?? params.size_m),
  ];
  const classRows = HOTSPOT_CLASSES.filter((c) => classes[c]).map((c) => el("tr", { dataset: { class: c } }, [
    el("th", { text: f.t(hotspotClassKey(c)), attrs: { scope: "row" } }),
    el("td", { className: "num", text: f.count(classes[c]) }),
  ]));
  const parts = [facts(items)];
  if (classRows.length) {
    parts.push(grid(f.t("analysis.sum.classes"), [f.t("analysis.col.class"), f.t("analysis.sum.cells")], classRows,
      "analysis-classes"));
  }
  return parts;
}

function recurrence(summary, params, f) {
  return [facts([
    row("places", f.t("analysis.sum.places"), f.count(summary.places), summary.places),
    row("recurrences", f.t("analysis.sum.recurrences"), f.count(summary.recurrences), summary.recurrences),
    row("radius", f.t("analysis.field.merge_radius"), f.metres(summary.radius_m ?? params.radius_m),
      summary.radius_m ?? params.radius_m),
  ])];
}

/**
 * The summary of a result: a list of elements (tables, notes).
 * @param {object} options
 * @param {string} options.kind
 * @param {object} options.summary the answer's summary
 * @param {object} options.params the parameters it was computed with
 * @param {Array<object>} options.definitions the layers (road class names)
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function buildSummary({ kind, summary, params, definitions, i18n }) {
  const f = new Formatter(i18n);
  const s = summary || {};
  switch (kind) {
    case "coverage":
      return coverage(s, params, f);
    case "gaps":
      return gaps(s, params, f, definitions, i18n);
    case "proposals":
      return proposals(s, params, f);
    case "hotspots":
      return hotspots(s, params, f);
    case "recurrence":
      return recurrence(s, params, f);
    default:
      return [];
  }
}
