// A thresholds parameter as a table: one number per road class of the street network (the classes of its
// layer's property, in their order), each beside its preset, and the source the presets cite.

import { el } from "../common/dom.js";
import { roleLayer } from "../common/layerRoles.js";

/**
 * The table and the presets' source note for ``values[param.name]`` ({road class: metres}).
 * @param {object} options
 * @param {object} options.param the declared parameter (by_property: the road layer's property)
 * @param {object} options.values the form's values (edited in place)
 * @param {{thresholds: object, source: object|null}} options.preset the presets of the layer checked
 * @param {Array<object>} options.definitions the layers (the street network's classes and their names)
 * @param {import("../common/i18n.js").I18n} options.i18n
 */
export function thresholdsControl({ param, values, preset, definitions, i18n }) {
  const t = (key, params) => i18n.t(key, params);
  const thresholds = values[param.name];
  const classSpec = roleLayer(definitions, "network")?.properties?.[param.by_property];
  const order = Array.isArray(classSpec?.enum) ? classSpec.enum.map(String) : [];
  const classes = [...order.filter((c) => c in thresholds), ...Object.keys(thresholds).filter((c) => !order.includes(c))];
  const rows = classes.map((cls) => {
    const id = `analysis-${param.input}-${cls}`;
    const input = el("input", {
      className: "field-input analysis-number",
      attrs: { id, type: "number", inputmode: "decimal", min: 0, step: "any", required: true },
      dataset: { roadClass: cls },
    });
    input.value = thresholds[cls] === null ? "" : String(thresholds[cls]);
    input.addEventListener("input", () => {
      const number = input.value.trim() === "" ? null : Number(input.value);
      thresholds[cls] = Number.isFinite(number) ? number : null;
    });
    const label = classSpec?.enum_labels?.[cls] ? i18n.pick(classSpec.enum_labels[cls], cls) : cls;
    const presetValue = preset.thresholds[cls];
    return el("tr", { dataset: { roadClass: cls } }, [
      el("th", { attrs: { scope: "row" } }, [el("label", { text: label, attrs: { for: id } })]),
      el("td", {}, [input]),
      el("td", { className: "analysis-threshold-preset",
        text: Number.isFinite(presetValue) ? t("analysis.metres", { value: i18n.formatNumber(presetValue) }) : "" }),
    ]);
  });
  const table = el("table", { className: "analysis-thresholds" }, [
    el("caption", { className: "field-label", text: t(param.label) }),
    el("thead", {}, [el("tr", {}, [
      el("th", { text: t("analysis.col.road_class"), attrs: { scope: "col" } }),
      el("th", { text: t("analysis.col.threshold"), attrs: { scope: "col" } }),
      el("th", { text: t("analysis.col.preset"), attrs: { scope: "col" } }),
    ])]),
    el("tbody", {}, rows),
  ]);
  return [
    table,
    preset.source ? el("p", { className: "field-hint analysis-source",
      text: t("analysis.source", { source: i18n.pick(preset.source) }) }) : null,
  ].filter(Boolean);
}
