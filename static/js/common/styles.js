// Layer styles from the catalogue (`style`: color, fillColor, weight, opacity, fillOpacity, radius,
// dashArray, cluster, by, classes, base, minZoom) turned into Leaflet path options, plus draw order.

const DEFAULTS = {
  color: "#3388ff",
  weight: 2,
  opacity: 1,
  radius: 5,
};

/** "point", "line", "polygon" or "mixed" for a layer definition's geometry_types. */
export function geometryKind(definition) {
  const types = new Set(definition.geometry_types || []);
  const only = (allowed) => types.size > 0 && [...types].every((t) => allowed.includes(t));
  if (only(["Point", "MultiPoint"])) return "point";
  if (only(["LineString", "MultiLineString"])) return "line";
  if (only(["Polygon", "MultiPolygon"])) return "polygon";
  return "mixed";
}

/** True when the layer's points come from the compact /points payload (exactly ["Point"]). */
export function usesPointPayload(definition) {
  const types = definition.geometry_types || [];
  return types.length === 1 && types[0] === "Point";
}

export function isBaseLayer(definition) {
  return Boolean(definition.style && definition.style.base);
}

/**
 * The key into style.classes for a property value: its string form (booleans are "true"/"false").
 */
export function classKey(value) {
  if (value === null || value === undefined) {
    return null;
  }
  return String(value);
}

/** The layer's style with the overrides of ``key``'s class applied. */
export function resolvedStyle(style, key) {
  const base = style || {};
  const override = key !== null && base.classes ? base.classes[key] : undefined;
  return override ? { ...base, ...override } : base;
}

/** The class key of a feature's properties under the layer's style.by. */
export function featureClassKey(definition, properties) {
  const by = definition.style && definition.style.by;
  if (!by || !properties) {
    return null;
  }
  return classKey(properties[by]);
}

/**
 * Leaflet path options for a geometry ``type`` ("Point", "LineString", "Polygon", ...) drawn in the
 * layer's style for class ``key``.
 */
export function pathOptions(style, key, type) {
  const s = resolvedStyle(style, key);
  const color = s.color || DEFAULTS.color;
  const options = {
    color,
    weight: s.weight ?? DEFAULTS.weight,
    opacity: s.opacity ?? DEFAULTS.opacity,
    fillColor: s.fillColor || color,
    dashArray: s.dashArray || null,
    lineCap: s.dashArray ? "butt" : "round",
    lineJoin: "round",
  };
  if (type === "Point" || type === "MultiPoint") {
    options.radius = s.radius ?? DEFAULTS.radius;
    options.fill = true;
    options.fillOpacity = s.fillOpacity ?? 0.85;
  } else if (type === "Polygon" || type === "MultiPolygon") {
    options.fillOpacity = s.fillOpacity ?? 0.3;
    options.fill = options.fillOpacity > 0;
  } else {
    options.fill = false;
  }
  return options;
}

/**
 * Draw order on the shared canvas: base layers below thematic ones; within each, filled polygons,
 * then lines, then outline-only polygons (grid boundaries stay visible over roads), then points; a
 * lower catalogue `order` (listed first in the panel) draws on top. ``key`` is a style class key;
 * ``forHits`` gives the rank deciding which feature takes a click (see orderedCanvas.js).
 */
export function drawRank(definition, key = null, { forHits = false } = {}) {
  const kind = geometryKind(definition);
  const style = definition.style || {};
  let kindRank = { polygon: 0, line: 1, mixed: 2, point: 3 }[kind];
  if (kind === "polygon" && style.fillOpacity === 0) {
    // Outlines draw over lines but take clicks only where no line is (grid edges follow roads).
    kindRank = forHits ? 0.5 : 1.5;
  }
  const order = Math.min(999, Math.max(0, Number(definition.order ?? 500)));
  const layerRank = (isBaseLayer(definition) ? 0 : 10000) + kindRank * 1000 + (999 - order);
  // Within a layer, classes listed first in style.classes draw on top (open blackspots over closed
  // ones, arterial roads over alleys); features of no listed class draw lowest.
  const keys = Object.keys(style.classes || {});
  const position = key === null || key === undefined ? -1 : keys.indexOf(key);
  return layerRank + (position < 0 ? 0 : (keys.length - position) / (keys.length + 1));
}

/** A readable text colour (near-black or white) on a background colour like #1e88e5. */
export function textColorOn(hex) {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
  if (!match) {
    return "#ffffff";
  }
  const [r, g, b] = match.slice(1).map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.4 ? "#212121" : "#ffffff";
}
