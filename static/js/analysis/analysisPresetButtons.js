// The preset distances of a facility layer as buttons under a distance field: each the number and the
// source it cites (and how sure that source is); pressing one puts its number in the field.

import { labelSource, radiusPresets, radiusSource } from "./analysisPresets.js";
import { el } from "../common/dom.js";

const CONFIDENCE_KEYS = { verified: "analysis.confidence.verified", "fairly sure": "analysis.confidence.fairly_sure" };
const BIN_CATEGORY_KEYS = {
  commercial: "analysis.bin_category.commercial",
  arterial: "analysis.bin_category.arterial",
  ordinary: "analysis.bin_category.ordinary",
};

/** Mark the button whose distance is ``radius`` as pressed. */
export function markPreset(slot, radius) {
  for (const button of slot.querySelectorAll(".analysis-preset")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.radius) === radius));
  }
}

/** The source text shown beside a preset's number. */
function presetSource(preset, i18n) {
  if (preset.spacing) {
    const key = BIN_CATEGORY_KEYS[preset.category];
    const category = key ? i18n.t(key) : preset.category;
    return i18n.t("analysis.preset.half_spacing", { category, spacing: i18n.formatNumber(preset.spacing) });
  }
  if (preset.label) {
    return labelSource(i18n.pick(preset.label));
  }
  return preset.source ? i18n.pick(preset.source) : "";
}

/**
 * Fill ``slot`` with the preset distances of facility layer ``layerId`` (from ``presets``); a press sets
 * ``onPick(radius)`` and marks the button; ``value`` is the distance in the field now.
 */
export function fillPresets({ slot, i18n, presets, layerId, value, onPick }) {
  const t = (key, params) => i18n.t(key, params);
  const list = radiusPresets(presets, layerId);
  slot.replaceChildren();
  slot.dataset.layerId = layerId;
  if (list.length === 0) {
    slot.append(el("p", { className: "field-hint", text: t("analysis.no_presets") }));
    return;
  }
  const buttons = list.map((preset) => {
    const source = presetSource(preset, i18n);
    const confidence = preset.confidence
      ? (CONFIDENCE_KEYS[preset.confidence] ? t(CONFIDENCE_KEYS[preset.confidence]) : String(preset.confidence)) : null;
    const button = el("button", {
      className: "analysis-preset",
      attrs: { type: "button", "aria-pressed": "false" },
      dataset: { radius: preset.radius },
    }, [
      el("span", { className: "analysis-preset-value",
        text: t("analysis.metres", { value: i18n.formatNumber(preset.radius) }) }),
      source ? el("span", { className: "analysis-preset-source", text: source }) : null,
      confidence ? el("span", { className: "analysis-preset-confidence", text: confidence }) : null,
    ]);
    button.addEventListener("click", () => {
      onPick(preset.radius);
      markPreset(slot, preset.radius);
    });
    return el("li", {}, [button]);
  });
  slot.append(
    el("p", { className: "field-label analysis-presets-title", text: t("analysis.presets_title") }),
    el("ul", { className: "analysis-preset-list" }, buttons),
  );
  const note = radiusSource(presets, layerId);
  if (note && list.some((p) => p.label || p.spacing)) {
    slot.append(el("p", { className: "field-hint analysis-source",
      text: t("analysis.source", { source: i18n.pick(note) }) }));
  }
  if (list.some((p) => p.spacing)) {
    slot.append(el("p", { className: "field-hint", text: t("analysis.hint.bin_spacing") }));
  }
  markPreset(slot, value);
}
