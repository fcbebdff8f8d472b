// The legend of a drawn analysis result: what each colour, line and marker on the map means.

import {
  COVERAGE_STATES, HOTSPOT_CLASSES, coverageOptions, gapOptions, hotspotOptions, proposalRadiusOptions,
  recurrenceOptions, serviceAreaOptions,
} from "./analysisStyles.js";
import { hotspotClassKey } from "./analysisProperties.js";
import { el } from "../common/dom.js";
import { swatch, swatchKind } from "../map/legend.js";

const STATE_KEYS = {
  covered: "analysis.legend.covered",
  uncovered: "analysis.legend.uncovered",
  unreachable: "analysis.legend.unreachable",
};

const GEOMETRY_TYPE = { point: "Point", line: "LineString", polygon: "Polygon" };

function item(swatchElement, text, dataset = {}) {
  return el("li", { className: "legend-item", dataset }, [swatchElement, el("span", { className: "legend-label", text })]);
}

/**
 * The legend list for a result of ``kind`` drawn with ``counts`` (from AnalysisOverlay.show).
 * @param {object} options
 * @param {string} options.kind
 * @param {object} options.params the parameters the result was computed with
 * @param {object} options.counts
 * @param {object|null} options.targetDefinition the coverage targets' layer
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function buildResultLegend({ kind, params, counts, targetDefinition, i18n }) {
  const t = (key, values) => i18n.t(key, values);
  const n = (value) => i18n.formatNumber(value ?? 0);
  const items = [];
  if (kind === "coverage") {
    const shape = targetDefinition ? swatchKind(targetDefinition) : "polygon";
    for (const state of COVERAGE_STATES) {
      items.push(item(swatch(coverageOptions(state, GEOMETRY_TYPE[shape]), shape),
        t("analysis.legend.count", { label: t(STATE_KEYS[state]), count: n(counts[state]) }), { state }));
    }
    const network = params?.metric === "network";
    items.push(item(swatch(serviceAreaOptions(network ? "LineString" : "Polygon"), network ? "line" : "polygon"),
      t(network ? "analysis.legend.area_network" : "analysis.legend.area_buffer")));
  } else if (kind === "gaps") {
    items.push(item(swatch(gapOptions(), "line"),
      t(params?.points === "bins" ? "analysis.legend.gap_bins" : "analysis.legend.gap_lamps")));
  } else if (kind === "proposals") {
    items.push(el("li", { className: "legend-item" }, [
      el("span", { className: "analysis-proposal-rank analysis-legend-rank", text: "1", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "legend-label", text: t("analysis.legend.proposal") }),
    ]));
    if (params?.metric !== "network") {
      items.push(item(swatch(proposalRadiusOptions(), "polygon"), t("analysis.legend.proposal_radius")));
    }
  } else if (kind === "hotspots") {
    for (const cls of HOTSPOT_CLASSES) {
      items.push(item(swatch(hotspotOptions(cls), "polygon"), t(hotspotClassKey(cls)), { class: cls }));
    }
  } else if (kind === "recurrence") {
    items.push(item(swatch(recurrenceOptions(1), "point"), t("analysis.legend.recurrence")));
  }
  return el("ul", { className: "legend analysis-legend" }, items);
}
