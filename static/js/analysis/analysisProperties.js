// What the properties of analysis results are called: titles and value labels in every language, the
// layer definition a result's popup is built from, results' numbers rounded for reading, and the saved
// result layers' definitions completed (the server names their properties by column and gives no style).

import { HOTSPOT_CLASSES, NEUTRAL_STYLE, savedLayerStyle } from "./analysisStyles.js";

// Property name -> translation key of its title.
const TITLE_KEYS = {
  covered: "analysis.prop.covered",
  reachable: "analysis.prop.reachable",
  distance_m: "analysis.prop.distance_m",
  nearest_id: "analysis.prop.nearest_id",
  length_m: "analysis.prop.length_m",
  start_m: "analysis.prop.start_m",
  end_m: "analysis.prop.end_m",
  line_id: "analysis.prop.line_id",
  line_name: "analysis.prop.line_name",
  line_class: "analysis.prop.line_class",
  grid_code: "analysis.prop.grid_code",
  part: "analysis.prop.part",
  rank: "analysis.prop.rank",
  candidate_id: "analysis.prop.candidate_id",
  newly_covered: "analysis.prop.newly_covered",
  newly_covered_weight: "analysis.prop.newly_covered_weight",
  cell_id: "analysis.prop.cell_id",
  row: "analysis.prop.row",
  col: "analysis.prop.col",
  count: "analysis.prop.count",
  value: "analysis.prop.value",
  gi_z: "analysis.prop.gi_z",
  gi_p: "analysis.prop.gi_p",
  class: "analysis.prop.class",
  category: "analysis.prop.category",
  cases: "analysis.prop.cases",
  recurrence_count: "analysis.prop.recurrence_count",
  first_reported: "analysis.prop.first_reported",
  last_reported: "analysis.prop.last_reported",
  case_ids: "analysis.prop.case_ids",
  id: "analysis.prop.id",
};

const HOTSPOT_CLASS_KEYS = {
  hot_99: "analysis.hotspot.hot_99",
  hot_95: "analysis.hotspot.hot_95",
  hot_90: "analysis.hotspot.hot_90",
  not_significant: "analysis.hotspot.not_significant",
  cold_90: "analysis.hotspot.cold_90",
  cold_95: "analysis.hotspot.cold_95",
  cold_99: "analysis.hotspot.cold_99",
};

const RESULT_TITLE_KEYS = {
  coverage: "analysis.result_title.coverage",
  gaps: "analysis.result_title.gaps",
  proposals: "analysis.result_title.proposals",
  hotspots: "analysis.result_title.hotspots",
  recurrence: "analysis.result_title.recurrence",
};

// Properties whose values read better with fewer decimals.
const PRECISE = new Set(["gi_z", "gi_p"]);
const DATETIMES = new Set(["first_reported", "last_reported"]);

export function hotspotClassKey(cls) {
  return HOTSPOT_CLASS_KEYS[cls] || null;
}

export function resultTitleKey(kind) {
  return RESULT_TITLE_KEYS[kind] || "analysis.title";
}

function hotspotEnumLabels(i18n) {
  return Object.fromEntries(HOTSPOT_CLASSES.map((c) => [c, i18n.allLanguages(HOTSPOT_CLASS_KEYS[c])]));
}

// Properties whose meaning depends on the analysis: candidates along streets give their position there.
const KIND_TITLE_KEYS = { proposals: { distance_m: "analysis.prop.along_m" } };

/** The specs of the result properties of ``kind`` we know, titled in every language (with enum labels). */
function knownSpecs(kind, names, i18n, definitionsById) {
  const roads = definitionsById.get("roads");
  const roadClass = roads?.properties?.class;
  const blackspots = definitionsById.get("blackspots");
  const specs = {};
  for (const name of names) {
    const key = KIND_TITLE_KEYS[kind]?.[name] ?? TITLE_KEYS[name];
    if (!key) {
      continue;
    }
    const spec = { title: i18n.allLanguages(key) };
    if (name === "class") {
      spec.type = "string";
      spec.enum = [...HOTSPOT_CLASSES];
      spec.enum_labels = hotspotEnumLabels(i18n);
    } else if (name === "line_class" && roadClass?.enum_labels) {
      spec.type = "string";
      spec.enum_labels = roadClass.enum_labels;
    } else if (name === "category" && blackspots?.properties?.category?.enum_labels) {
      spec.type = "string";
      spec.enum_labels = blackspots.properties.category.enum_labels;
    } else if (DATETIMES.has(name)) {
      spec.type = "datetime";
    } else if (name === "covered" || name === "reachable") {
      spec.type = "boolean";
    }
    specs[name] = spec;
  }
  return specs;
}

/**
 * The layer definition a result feature's popup is built from: the analysis as its title, the target
 * layer's own properties (coverage results are the targets) and the analysis' properties titled.
 */
export function resultDefinition({ kind, params, definitions, i18n }) {
  const byId = new Map(definitions.map((d) => [d.id, d]));
  const target = kind === "coverage" ? byId.get(params.targets) : null;
  const names = Object.keys(TITLE_KEYS);
  const specs = knownSpecs(kind, names, i18n, byId);
  const properties = { ...specs, ...(target?.properties || {}) };
  // The target's own id reads as "id of the building" rather than a property of the result.
  properties.id = specs.id;
  let labelProperty = null;
  if (target?.label_property) {
    labelProperty = target.label_property;
  } else if (kind === "gaps") {
    labelProperty = "line_name";
  }
  return {
    id: `analysis-${kind}`,
    title: i18n.allLanguages(resultTitleKey(kind)),
    properties,
    label_property: labelProperty,
  };
}

/** A copy of a result feature for reading: lengths to 0.1 m, statistics to 3 decimals. */
export function displayFeature(feature) {
  const properties = {};
  for (const [name, value] of Object.entries(feature.properties || {})) {
    if (typeof value === "number" && !Number.isInteger(value)) {
      const digits = PRECISE.has(name) ? 1000 : 10;
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
 */
export function completeDefinition(definition, i18n, definitions = []) {
  const kind = savedAnalysisKind(definition);
  if (!kind && !isEmptyStyle(definition.style)) {
    return definition;
  }
  const out = { ...definition };
  if (isEmptyStyle(definition.style)) {
    out.style = (kind && savedLayerStyle(kind)) || { ...NEUTRAL_STYLE };
  }
  if (kind) {
    const byId = new Map(definitions.map((d) => [d.id, d]));
    const names = Object.keys(definition.properties || {});
    // Coverage results are the target layer's features: its own properties keep their titles.
    const target = kind === "coverage" ? byId.get(definition.rules.analysis.targets) : null;
    const specs = { ...knownSpecs(kind, names, i18n, byId), ...(target?.properties || {}) };
    if (target && specs.id) {
      specs.id = knownSpecs(kind, ["id"], i18n, byId).id;
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
    if (!out.label_property && kind === "gaps" && properties.line_name) {
      out.label_property = "line_name";
    } else if (!out.label_property && target?.label_property && properties[target.label_property]) {
      out.label_property = target.label_property;
    }
  }
  return out;
}
