// The form control of one declared parameter (layers/analysis/kinds/): a layer as a select (the layers its
// geometry or role allows, the role's layer first chosen), a choice as radio buttons, a number with the
// presets it cites, thresholds per road class as a table, a boolean as a checkbox.

import { checkField, numberField, radioField, selectField } from "./analysisFields.js";
import { textKey } from "./analysisKinds.js";
import { fillPresets, markPreset } from "./analysisPresetButtons.js";
import { thresholdsControl } from "./analysisThresholds.js";
import { el } from "../common/dom.js";
import { withRole } from "../common/layerRoles.js";
import { geometryKind } from "../common/styles.js";

const FAMILY = { Point: "point", LineString: "line", Polygon: "polygon" };

function ofGeometry(param, definitions) {
  const family = FAMILY[param.geometry];
  return family ? definitions.filter((d) => geometryKind(d) === family) : definitions;
}

const roleLayers = (kind, param, definitions) => (param.role
  ? withRole(ofGeometry(param, definitions), param.role, { feeds: param.role === "facility" ? kind.id : null })
  : []);

/** The layers a layer parameter's select lists (see the declaration's ``offer``). */
export function offeredLayers(kind, param, definitions) {
  if (param.offer === "all") {
    return definitions;
  }
  const role = param.offer === "role" ? roleLayers(kind, param, definitions) : [];
  return role.length ? role : ofGeometry(param, definitions);
}

/** The layer a layer parameter starts with: the first offered one playing its role, else the first offered. */
export function defaultLayer(kind, param, definitions) {
  const offered = offeredLayers(kind, param, definitions);
  const preferred = roleLayers(kind, param, definitions).find((d) => offered.includes(d));
  return (preferred ?? offered[0])?.id ?? "";
}

/**
 * The elements of the control of ``param`` of ``kind``.
 * @param {object} context
 * @param {object} context.kind the declaration
 * @param {object} context.param
 * @param {object} context.values the form's values of the kind's group (edited in place)
 * @param {Array<object>} context.definitions the layers
 * @param {object} context.presets GET /api/analysis/presets
 * @param {object|null} context.variant the variant of the layer analysed (lamps, bins), or null
 * @param {import("../common/i18n.js").I18n} context.i18n
 * @param {function(string): void} context.onLayerChange a layer parameter changed (the form re-renders)
 * @param {function(string): ({thresholds: object, source: object|null})} context.gapPresets the presets of a key
 */
export function paramControl(context) {
  const { kind, param, values, definitions, i18n } = context;
  const t = (key, params) => i18n.t(key, params);
  const id = `analysis-${param.input}`;
  const hint = param.hint ? t(param.hint) : undefined;
  switch (param.type) {
    case "layer":
      return [selectField({
        id, label: t(param.label), value: values[param.name],
        options: offeredLayers(kind, param, definitions).map((d) => ({ value: d.id, text: i18n.pick(d.title, d.id) })),
        onChange: (layerId) => context.onLayerChange(param, layerId),
      })];
    case "choice":
      return [radioField({
        name: id, legend: t(param.label), value: values[param.name],
        options: param.choices.map((choice) => ({ value: choice.value, text: t(choice.label) })),
        onChange: (value) => {
          values[param.name] = value;
        },
      })];
    case "thresholds":
      return thresholdsControl({ param, values, preset: context.gapPresets(context.variant?.presets), definitions, i18n });
    case "boolean":
      return [checkField({
        id, label: t(textKey(param.label_variant ? { variant: param.label_variant } : param.label, context.variant)
          ?? param.label), checked: values[param.name], onChange: (checked) => {
          values[param.name] = checked;
        },
      })];
    default:
      return numberControl(context, id, hint);
  }
}

function numberControl(context, id, hint) {
  const { param, values, i18n } = context;
  const slot = param.presets === "service_distance" ? el("div", { className: "analysis-presets" }) : null;
  const field = numberField({
    id, label: i18n.t(param.label), value: values[param.name], min: param.low, max: param.high,
    step: param.type === "integer" ? 1 : "any", hint, onInput: (value) => {
      values[param.name] = value;
      if (slot) {
        markPreset(slot, value);
      }
    },
  });
  if (!slot) {
    return [field];
  }
  fillPresets({ slot, i18n, presets: context.presets, layerId: values[param.presets_of], value: values[param.name],
    onPick: (radius) => {
      values[param.name] = radius;
      field.querySelector("input").value = String(radius);
    } });
  return [field, slot];
}
