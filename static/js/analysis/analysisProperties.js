// What the properties of analysis results are called, from the kinds' declarations (GET /api/analysis/kinds:
// ``properties``, and each kind's retitles, result classes, result_of and label_property): the layer
// definition a result's popup is built from, results' numbers rounded for reading, and the saved result
// layers' definitions completed (the server names their properties by column and gives no style).

import { kindById, textKey } from "./analysisKinds.js";
import { NEUTRAL_STYLE } from "./analysisStyles.js";
import { roleLayer } from "../common/layerRoles.js";

/** The specs of the result properties ``names`` we know, titled in every language (with enum labels). */
function knownSpecs({ kind, names, vocabulary, definitions, i18n }) {
  const specs = {};
  for (const name of names) {
    // A kind's own new properties are titled by its property_titles alone.
    const entry = vocabulary?.[name] ?? (kind?.property_titles?.[name] ? {} : null);
    if (!entry) {
      continue;
    }
    const spec = { title: i18n.allLanguages(kind?.property_titles?.[name] ?? entry.title) };
    const from = entry.enum_from;
    if (from === "classes") {
      const classes = (kind?.result?.classes || []).filter((c) => name in (c.when || {}));
      if (classes.length) {
        spec.type = "string";
        spec.enum = classes.map((c) => c.when[name]);
        spec.enum_labels = Object.fromEntries(classes.map((c) => [c.when[name], i18n.allLanguages(textKey(c.label))]));
      }
    } else if (from?.role) {
      const labels = roleLayer(definitions, from.role)?.properties?.[from.property]?.enum_labels;
      if (labels) {
        spec.type = "string";
        spec.enum_labels = labels;
      }
    } else if (entry.type) {
      spec.type = entry.type;
    }
    specs[name] = spec;
  }
  return specs;
}

/**
 * The layer definition a result feature's popup is built from: the analysis as its title, the layer the
 * results are features of (coverage: the targets) with its own properties, and the analysis' properties
 * titled.
 * @param {object} options
 * @param {object} options.declarations GET /api/analysis/kinds ({kinds, properties})
 * @param {string} options.kind the kind's id
 */
export function resultDefinition({ declarations, kind: kindId, params, definitions, i18n }) {
  const kind = kindById(declarations, kindId);
  const vocabulary = declarations?.properties || {};
  const target = kind?.result_of ? definitions.find((d) => d.id === params[kind.result_of]) : null;
  const names = [...new Set([...Object.keys(vocabulary), ...Object.keys(kind?.property_titles || {})])];
  const specs = knownSpecs({ kind, names, vocabulary, definitions, i18n });
  const properties = { ...specs, ...(target?.properties || {}) };
  // The target's own id reads as "id of the building" rather than a property of the result.
  properties.id = specs.id;
  return {
    id: `analysis-${kindId}`,
    title: i18n.allLanguages(kind?.result_title ?? "analysis.title"),
    properties,
    label_property: target?.label_property || kind?.label_property || null,
  };
}

/** A copy of a result feature for reading: lengths to 0.1 m, statistics to their declared digits. */
export function displayFeature(feature, vocabulary = {}) {
  const properties = {};
  for (const [name, value] of Object.entries(feature.properties || {})) {
    if (typeof value === "number" && !Number.isInteger(value)) {
      const digits = 10 ** (vocabulary[name]?.digits ?? 1);
      properties[name] = Math.round(value * digits) / digits;
    } else if (Array.isArray(value)) {
      properties[name] = value.join(", ");
    } else {
      properties[name] = value;
    }
  }
  return { type: "Feature", geometry: feature.geometry, properties };
}

/** The kind of analysis a layer holds the saved result of, or null. */
export function savedAnalysisKind(definition) {
  const analysis = definition?.rules?.analysis;
  return analysis && typeof analysis.kind === "string" ? analysis.kind : null;
}

function isEmptyStyle(style) {
  return !style || Object.keys(style).length === 0;
}

/**
 * A layer definition ready to draw: a saved analysis result gets its kind's style and titled
 * properties; any other layer without a style gets a neutral one. Others come back unchanged.
 * @param {object} definition
 * @param {import("../common/i18n.js").I18n} i18n
 * @param {Array<object>} definitions every layer
 * @param {object|null} declarations GET /api/analysis/kinds ({kinds, properties})
 */
export function completeDefinition(definition, i18n, definitions = [], declarations = null) {
  const kindId = savedAnalysisKind(definition);
  if (!kindId && !isEmptyStyle(definition.style)) {
    return definition;
  }
  const kind = kindById(declarations, kindId);
  const out = { ...definition };
  if (isEmptyStyle(definition.style)) {
    out.style = kind?.saved_style ? structuredClone(kind.saved_style) : { ...NEUTRAL_STYLE };
  }
  if (kindId) {
    const vocabulary = declarations?.properties || {};
    const names = Object.keys(definition.properties || {});
    // Coverage results are the target layer's features: its own properties keep their titles.
    const target = kind?.result_of ? definitions.find((d) => d.id === definition.rules.analysis[kind.result_of]) : null;
    const known = (list) => knownSpecs({ kind, names: list, vocabulary, definitions, i18n });
    const specs = { ...known(names), ...(target?.properties || {}) };
    if (target && specs.id) {
      specs.id = known(["id"]).id;
    }
    const properties = {};
    for (const [name, spec] of Object.entries(definition.properties || {})) {
      // Only replace the server's placeholder titles (the column name); keep anything richer.
      const placeholder = !spec.title || Object.values(spec.title).every((t) => t === name);
      // Keep the stored type, except that dates the server kept as text read as dates.
      const type = spec.type === "string" && specs[name]?.type === "datetime" ? "datetime" : spec.type;
      properties[name] = specs[name] && placeholder ? { ...spec, ...specs[name], type } : spec;
    }
    out.properties = properties;
    if (!out.label_property && kind?.label_property && properties[kind.label_property]) {
      out.label_property = kind.label_property;
    } else if (!out.label_property && target?.label_property && properties[target.label_property]) {
      out.label_property = target.label_property;
    }
  }
  return out;
}
