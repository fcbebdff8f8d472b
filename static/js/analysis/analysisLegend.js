// The legend of a drawn analysis result, from its kind's declaration (``result``): a line per result class
// (with its count when the kind counts them), then the extra lines that apply to the run (service areas,
// proposed sites, their radius).

import { applies, paintFor, textKey, variantFor } from "./analysisKinds.js";
import { el } from "../common/dom.js";
import { swatch, swatchKind } from "../map/legend.js";

function item(swatchElement, text, dataset = {}) {
  return el("li", { className: "legend-item", dataset }, [swatchElement, el("span", { className: "legend-label", text })]);
}

/** The swatch shape of a result: declared, or that of the layer of a parameter (coverage: the targets). */
function shapeOf(result, params, definitions) {
  const shape = result.shape;
  if (shape && typeof shape === "object") {
    const definition = definitions.find((d) => d.id === params?.[shape.layer_of]);
    return definition ? swatchKind(definition) : "polygon";
  }
  return shape || "polygon";
}

/**
 * The legend list for a result of ``kind`` drawn with ``counts`` (from AnalysisOverlay.show).
 * @param {object} options
 * @param {object} options.kind the kind's declaration
 * @param {object} options.params the parameters the result was computed with
 * @param {object} options.counts
 * @param {Array<object>} options.definitions the layers
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function buildResultLegend({ kind, params, counts, definitions, i18n }) {
  const t = (key, values) => i18n.t(key, values);
  const result = kind?.result || {};
  const classes = result.classes || [];
  const variant = variantFor(kind, params, definitions);
  const shape = shapeOf(result, params, definitions);
  const named = result.counted || classes.length > 1; // one line per class: say which
  const items = classes.map((cls) => {
    const label = t(textKey(cls.label, variant));
    const text = result.counted ? t("analysis.legend.count", { label, count: i18n.formatNumber(counts[cls.id] ?? 0) })
      : label;
    return item(swatch(paintFor(cls.paint, shape), shape), text, named ? { [result.legend_key || "class"]: cls.id } : {});
  });
  for (const extra of (result.extras || []).filter((entry) => applies(entry, params))) {
    items.push(extra.badge
      ? el("li", { className: "legend-item" }, [
        el("span", { className: "analysis-proposal-rank analysis-legend-rank", text: "1", attrs: { "aria-hidden": "true" } }),
        el("span", { className: "legend-label", text: t(extra.label) }),
      ])
      : item(swatch(extra.paint, extra.shape), t(extra.label)));
  }
  return el("ul", { className: "legend analysis-legend" }, items);
}
