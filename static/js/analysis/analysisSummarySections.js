// The named sections a kind's summary may list after its rows (``summary.sections`` in its declaration):
// coverage per grid cell, road classes left unchecked, gap length per road class and per street, a note
// when fewer sites suffice, counts per result class. Each takes the summary's context and returns elements.

import { textKey } from "./analysisKinds.js";
import { el } from "../common/dom.js";
import { roleLayer } from "../common/layerRoles.js";

const TOP_LINES = 8;

/** A row of facts: data-key, and data-value when there is a raw number. */
export function row(key, label, text, value) {
  return el("tr", { dataset: { key, ...(value === undefined || value === null ? {} : { value }) } }, [
    el("th", { text: label, attrs: { scope: "row" } }),
    el("td", { text }),
  ]);
}

function grid(caption, headings, rows, className) {
  return el("table", { className: `analysis-table ${className}` }, [
    el("caption", { text: caption }),
    el("thead", {}, [el("tr", {}, headings.map((h) => el("th", { text: h, attrs: { scope: "col" } })))]),
    el("tbody", {}, rows),
  ]);
}

/** A road class by its name in the street network's layer. */
function roadClassLabel({ definitions, i18n }, cls) {
  const spec = roleLayer(definitions, "network")?.properties?.class;
  return spec?.enum_labels?.[cls] ? i18n.pick(spec.enum_labels[cls], cls) : String(cls ?? i18n.t("value.unset"));
}

function byGrid({ summary, f }) {
  const byGridRows = (summary.by_grid || []).filter((g) => g.targets > 0);
  if (!byGridRows.length) {
    return [];
  }
  return [el("details", { className: "analysis-details" }, [
    el("summary", { text: f.t("analysis.sum.by_grid") }),
    grid(f.t("analysis.sum.by_grid"), [f.t("analysis.col.grid"), f.t("analysis.sum.covered")],
      byGridRows.map((g) => el("tr", { dataset: { grid: g.code ?? "" } }, [
        el("td", { text: g.code ?? f.t("analysis.sum.outside_grid") }),
        el("td", { text: f.ofTotal(g.covered, g.targets) }),
      ])), "analysis-by-grid"),
  ])];
}

function uncheckedClasses(context) {
  const unchecked = context.summary.unchecked_classes || [];
  return unchecked.length ? [el("p", { className: "analysis-warning", text: context.f.t("analysis.sum.unchecked", {
    classes: context.i18n.join(unchecked.map((c) => roadClassLabel(context, c))) }) })] : [];
}

function byClass(context) {
  const { summary, f } = context;
  const rows = summary.by_class || [];
  return rows.length ? [grid(f.t("analysis.sum.by_class"),
    [f.t("analysis.col.road_class"), f.t("analysis.col.gap_length"), f.t("analysis.col.gaps"),
      f.t("analysis.col.road_length")],
    rows.map((c) => el("tr", { dataset: { roadClass: c.class ?? "", gapM: Math.round(c.gap_m ?? 0) } }, [
      el("th", { text: roadClassLabel(context, c.class), attrs: { scope: "row" } }),
      el("td", { className: "num", text: f.metres(c.gap_m) }),
      el("td", { className: "num", text: f.count(c.gaps) }),
      el("td", { className: "num", text: f.metres(c.length_m) }),
    ])), "analysis-by-class")] : [];
}

function byLine(context) {
  const { summary, f } = context;
  const lines = [...(summary.by_line || [])].sort((a, b) => (b.gap_m ?? 0) - (a.gap_m ?? 0));
  if (!lines.length) {
    return [];
  }
  const lineRow = (line) => el("tr", { dataset: { lineId: line.line_id ?? "", gapM: Math.round(line.gap_m ?? 0) } }, [
    el("th", { text: line.name || f.t("analysis.sum.unnamed"), attrs: { scope: "row" } }),
    el("td", { text: roadClassLabel(context, line.class) }),
    el("td", { className: "num", text: f.metres(line.gap_m) }),
  ]);
  const headings = [f.t("analysis.col.road"), f.t("analysis.col.road_class"), f.t("analysis.col.gap_length")];
  const parts = [grid(f.t("analysis.sum.by_line"), headings, lines.slice(0, TOP_LINES).map(lineRow), "analysis-by-line")];
  if (lines.length > TOP_LINES) {
    parts.push(el("details", { className: "analysis-details" }, [
      el("summary", { text: f.t("analysis.sum.more_lines", { count: f.count(lines.length - TOP_LINES) }) }),
      grid(f.t("analysis.sum.by_line_rest"), headings, lines.slice(TOP_LINES).map(lineRow), "analysis-by-line"),
    ]));
  }
  return parts;
}

function fewerSites({ summary, f }) {
  const fewer = Number.isFinite(summary.count_requested) && summary.count < summary.count_requested;
  return fewer ? [el("p", { className: "field-hint",
    text: f.t("analysis.sum.fewer_needed", { count: f.count(summary.count) }) })] : [];
}

/** Counts per result class (summary.classes), in the order of the kind's classes. */
function classes({ summary, kind, f }) {
  const counts = summary.classes || {};
  const rows = (kind.result?.classes || []).filter((c) => counts[c.id]).map((c) => el("tr", { dataset: { class: c.id } }, [
    el("th", { text: f.t(textKey(c.label)), attrs: { scope: "row" } }),
    el("td", { className: "num", text: f.count(counts[c.id]) }),
  ]));
  return rows.length ? [grid(f.t("analysis.sum.classes"), [f.t("analysis.col.class"), f.t("analysis.sum.cells")], rows,
    "analysis-classes")] : [];
}

export const SECTIONS = {
  by_grid: byGrid,
  unchecked_classes: uncheckedClasses,
  by_class: byClass,
  by_line: byLine,
  fewer_sites: fewerSites,
  classes,
};
