// Legends from layer styles: a swatch per style class, labelled with the `by` property's enum_labels
// in the current language; classes drawn alike are merged into one line.

import { el } from "../common/dom.js";
import { geometryKind, resolvedStyle } from "../common/styles.js";

const LOOK_KEYS = ["color", "fillColor", "weight", "opacity", "fillOpacity", "radius", "dashArray"];

function look(style) {
  return JSON.stringify(LOOK_KEYS.map((key) => style[key] ?? null));
}

function rgba(hex, alpha) {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!match) {
    return hex;
  }
  const [r, g, b] = match.slice(1).map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/**
 * A small sample of a style: a dot for points, a stroke for lines, a filled square for polygons.
 * Colours are set through the CSSOM (allowed by a CSP without 'unsafe-inline').
 */
export function swatch(style, kind) {
  const element = el("span", { className: `swatch swatch-${kind}`, attrs: { "aria-hidden": "true" } });
  const color = style.color || "#3388ff";
  const fill = style.fillColor || color;
  if (kind === "point") {
    element.style.backgroundColor = rgba(fill, style.fillOpacity ?? 0.85);
    element.style.borderColor = color;
  } else if (kind === "line") {
    const bar = el("span", { className: "swatch-line-bar" });
    bar.style.borderTopColor = color;
    bar.style.borderTopWidth = `${Math.max(2, Math.min(7, style.weight ?? 2))}px`;
    bar.style.borderTopStyle = style.dashArray ? "dashed" : "solid";
    element.append(bar);
  } else {
    const fillOpacity = style.fillOpacity ?? 0.3;
    element.style.backgroundColor = fillOpacity > 0 ? rgba(fill, fillOpacity) : "transparent";
    element.style.borderColor = color;
    element.style.borderStyle = style.dashArray ? "dashed" : "solid";
  }
  return element;
}

/** The swatch kind for a layer ("mixed" layers show as polygons). */
export function swatchKind(definition) {
  const kind = geometryKind(definition);
  return kind === "mixed" ? "polygon" : kind;
}

function valueLabel(spec, key, i18n) {
  if (spec && spec.type === "boolean") {
    const value = i18n.t(key === "true" ? "value.true" : "value.false");
    return i18n.t("legend.boolean", { property: i18n.pick(spec.title, ""), value });
  }
  const labels = spec && spec.enum_labels;
  if (labels && labels[key]) {
    return i18n.pick(labels[key], key);
  }
  return key;
}

/**
 * Legend lines for a layer: [{label, style}], empty when the layer has no style classes
 * (then its single swatch beside the title is the legend).
 */
export function legendEntries(definition, i18n) {
  const style = definition.style || {};
  const classes = style.classes || {};
  const by = style.by;
  if (!by || Object.keys(classes).length === 0) {
    return [];
  }
  const spec = (definition.properties || {})[by];
  let keys = Object.keys(classes);
  let uncovered = [];
  if (spec && Array.isArray(spec.enum)) {
    const enumKeys = spec.enum.map(String);
    keys = [...enumKeys.filter((k) => k in classes), ...keys.filter((k) => !enumKeys.includes(k))];
    uncovered = enumKeys.filter((k) => !(k in classes));
  } else if (spec && spec.type === "boolean") {
    keys = ["true", "false"].filter((k) => k in classes);
    uncovered = ["true", "false"].filter((k) => !(k in classes));
  }
  const groups = new Map(); // look -> {style, labels}
  const add = (key, entryStyle, label) => {
    const id = look(entryStyle);
    if (!groups.has(id)) {
      groups.set(id, { style: entryStyle, labels: [] });
    }
    groups.get(id).labels.push(label ?? valueLabel(spec, key, i18n));
  };
  for (const key of keys) {
    add(key, resolvedStyle(style, key));
  }
  for (const key of uncovered) {
    add(key, resolvedStyle(style, null));
  }
  if (!spec || (!Array.isArray(spec.enum) && spec.type !== "boolean")) {
    add(null, resolvedStyle(style, null), i18n.t("legend.other"));
  }
  return [...groups.values()].map((group) => ({ style: group.style, label: i18n.join(group.labels) }));
}

/** The legend list element for a layer, or null when it has no classes. */
export function buildLegend(definition, i18n) {
  const entries = legendEntries(definition, i18n);
  if (entries.length === 0) {
    return null;
  }
  const kind = swatchKind(definition);
  return el("ul", { className: "legend" }, entries.map((entry) => el("li", { className: "legend-item" }, [
    swatch(entry.style, kind),
    el("span", { className: "legend-label", text: entry.label }),
  ])));
}
