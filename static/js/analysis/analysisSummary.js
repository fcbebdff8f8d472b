// The summary of an analysis result in the current language, from its kind's declaration (``summary``):
// its rows (counts, shares of a total, metres, yes/no, percentages, labelled values) as a small table,
// then the named sections it lists (see analysisSummarySections.js). Each row carries data-key (and
// data-value: the raw number).

import { choiceLabel, paramOf, textKey, variantFor } from "./analysisKinds.js";
import { SECTIONS, row } from "./analysisSummarySections.js";
import { el } from "../common/dom.js";

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
}

const finite = (value) => Number.isFinite(value);

/** Whether a row's conditions hold: every named field finite / positive / truthy. */
function shown(when, summary) {
  if (!when) {
    return true;
  }
  return (!when.finite || finite(summary[when.finite]))
    && (!when.positive || (finite(summary[when.positive]) && summary[when.positive] > 0))
    && (!when.truthy || Boolean(summary[when.truthy]));
}

/** A label of a value among ``labels`` ({value: key}), else the value itself. */
function labelled(labels, value, f) {
  return labels?.[value] ? f.t(labels[value]) : String(value ?? "");
}

/** [text, data-value] of one declared row. */
function rowText(spec, { summary, params, kind, f }) {
  const value = summary[spec.field] ?? (spec.param ? params[spec.param] : undefined);
  switch (spec.format) {
    case "of_total":
      return [f.ofTotal(value, summary[spec.of]), value];
    case "yes_no":
      return [f.t(value ? "value.true" : "value.false"), undefined];
    case "percent":
      return [f.i18n.formatNumber(value, { style: "percent", maximumFractionDigits: 1 }), value];
    case "labels": {
      const text = labelled(spec.labels, value, f);
      const and = spec.and ? labelled(spec.and.labels, summary[spec.and.field], f) : "";
      return [and ? `${text} · ${and}` : text, value];
    }
    case "metres": {
      let text = f.metres(value);
      if (spec.then) {
        const then = spec.then;
        const key = choiceLabel(paramOf(kind, then.param), summary[then.field] ?? params[then.param]) ?? then.missing;
        text = key ? `${text} · ${f.t(key)}` : text;
      }
      return [text, spec.round ? Math.round(value ?? 0) : value];
    }
    default: {
      const requested = spec.requested ? summary[spec.requested] : undefined;
      if (finite(requested) && value < requested) {
        return [f.t(spec.requested_label, { count: f.count(value), requested: f.count(requested) }), value];
      }
      return [f.count(value), value];
    }
  }
}

/**
 * The summary of a result: a list of elements (tables, notes).
 * @param {object} options
 * @param {object} options.kind the kind's declaration
 * @param {object} options.summary the answer's summary
 * @param {object} options.params the parameters it was computed with
 * @param {Array<object>} options.definitions the layers (road class names)
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function buildSummary({ kind, summary, params, definitions, i18n }) {
  if (!kind?.summary) {
    return [];
  }
  const f = new Formatter(i18n);
  const context = { summary: summary || {}, params: params || {}, kind, definitions, i18n, f };
  const variant = variantFor(kind, params, definitions);
  const rows = (kind.summary.rows || []).filter((spec) => shown(spec.when, context.summary)).map((spec) => {
    const [text, value] = rowText(spec, context);
    return row(spec.key, f.t(textKey(spec.label, variant)), text, value);
  });
  const parts = [el("table", { className: "analysis-facts" }, [el("tbody", {}, rows)])];
  for (const name of kind.summary.sections || []) {
    parts.push(...(SECTIONS[name]?.(context) ?? []));
  }
  return parts;
}
