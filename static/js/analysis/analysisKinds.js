// The analysis kinds as the server declares them (GET /api/analysis/kinds, layers/analysis/kinds/): the
// lookups the panel's form, overlay, legend, summary and the saved result layers share. A declared text is
// a translation key, or {variant: slot}: the key of that slot in the variant of the layer analysed (gaps
// along streets speak of lamps or of bins).

import { facilityOf } from "../common/layerRoles.js";

/** The declaration of kind ``id`` in ``declarations`` ({kinds, properties}), or null. */
export function kindById(declarations, id) {
  return declarations?.kinds?.find((kind) => kind.id === id) ?? null;
}

/** The parameters of ``kind`` shown in the form (those with a label), in order. */
export function formParams(kind) {
  return (kind?.params || []).filter((param) => param.label);
}

/** The parameter ``name`` of ``kind``, or null. */
export function paramOf(kind, name) {
  return (kind?.params || []).find((param) => param.name === name) ?? null;
}

/**
 * The variant of ``kind`` for the layer ``layerId`` ({presets, legend, total, ...}): the one named by
 * the layer's facility role (gap_preset), else the kind's fallback; null for kinds without variants.
 */
export function variantOf(kind, layerId, definitions) {
  const variants = kind?.variants;
  if (!variants) {
    return null;
  }
  const preset = facilityOf(definitions.find((d) => d.id === layerId))?.gap_preset;
  return variants.by_preset?.[preset] ?? variants.fallback ?? null;
}

/** The variant of ``kind`` for the parameters ``params`` of a run or of the form. */
export function variantFor(kind, params, definitions) {
  return kind?.variants ? variantOf(kind, params?.[kind.variants.of], definitions) : null;
}

/** A declared text as a translation key (resolving {variant: slot} with ``variant``). */
export function textKey(text, variant) {
  if (text && typeof text === "object") {
    return variant?.[text.variant] ?? null;
  }
  return text ?? null;
}

/** Whether a declared entry applies to a run with ``params``: its when / unless [parameter, value]. */
export function applies(entry, params) {
  if (entry.when && params?.[entry.when[0]] !== entry.when[1]) {
    return false;
  }
  return !(entry.unless && params?.[entry.unless[0]] === entry.unless[1]);
}

/** The label key of ``value`` among a choice parameter's choices, or null. */
export function choiceLabel(param, value) {
  return (param?.choices || []).find((choice) => choice.value === value)?.label ?? null;
}

/** The result class of a feature's ``properties``: the first of ``result.match`` whose ``when`` holds. */
export function classOf(result, properties) {
  const classes = result?.classes || [];
  const order = result?.match ? result.match.map((id) => classes.find((c) => c.id === id)) : classes;
  const props = properties || {};
  return order.find((c) => c && Object.entries(c.when || {}).every(([name, value]) => props[name] === value))
    ?? order[order.length - 1] ?? null;
}

/** "point", "line" or "polygon" for a GeoJSON geometry type. */
export function geometryFamily(type) {
  if (type === "Point" || type === "MultiPoint") {
    return "point";
  }
  return type === "LineString" || type === "MultiLineString" ? "line" : "polygon";
}

/** The path options of ``paint`` ({point, line, polygon}) for a geometry of ``type`` (or family). */
export function paintFor(paint, type) {
  const family = ["point", "line", "polygon"].includes(type) ? type : geometryFamily(type);
  return paint?.[family] ?? Object.values(paint || {})[0] ?? {};
}
