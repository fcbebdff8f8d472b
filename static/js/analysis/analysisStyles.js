// The look of analysis results: colours per coverage state and hotspot class, Leaflet path options for
// result features drawn over every other layer, and a default `style` for saved result layers (the
// server stores them with `style: {}`).

/** Results draw (and take clicks) above every catalogue layer: those rank below 20000 (see styles.js). */
export const RESULT_RANK = 30000;

export const COVERAGE_COLORS = {
  covered: "#2e7d32",
  uncovered: "#e53935",
  unreachable: "#7b1fa2",
};
export const COVERAGE_STATES = ["covered", "uncovered", "unreachable"];
export const SERVICE_AREA_COLOR = "#1e88e5";
export const GAP_COLOR = "#d50000";
export const PROPOSAL_COLOR = "#4a148c";
export const RECURRENCE_COLOR = "#d81b60"; // magenta: no catalogue layer uses it

export const HOTSPOT_CLASSES = ["hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99"];
export const HOTSPOT_COLORS = {
  hot_99: "#b71c1c",
  hot_95: "#e53935",
  hot_90: "#ef9a9a",
  not_significant: "#9e9e9e",
  cold_90: "#90caf9",
  cold_95: "#1e88e5",
  cold_99: "#0d47a1",
};

const isPoint = (type) => type === "Point" || type === "MultiPoint";
const isLine = (type) => type === "LineString" || type === "MultiLineString";

/** "covered", "uncovered" or "unreachable" for a coverage result's target. */
export function coverageState(properties) {
  if (properties && properties.reachable === false) {
    return "unreachable";
  }
  return properties && properties.covered ? "covered" : "uncovered";
}

/** Path options for a coverage target of geometry ``type`` in ``state``. */
export function coverageOptions(state, type) {
  const color = COVERAGE_COLORS[state] || COVERAGE_COLORS.uncovered;
  if (isPoint(type)) {
    return { color: "#ffffff", weight: 1.5, fillColor: color, fillOpacity: 0.95, radius: 6, fill: true };
  }
  if (isLine(type)) {
    return { color, weight: 5, opacity: 0.9, fill: false, lineCap: "round", lineJoin: "round" };
  }
  return {
    color, weight: state === "covered" ? 1 : 1.5, opacity: 0.95, fillColor: color,
    fillOpacity: state === "covered" ? 0.35 : 0.6, fill: true, lineJoin: "round",
  };
}

/** Service areas: semi-transparent buffers, or wide pale strokes for stretches of street. */
export function serviceAreaOptions(type) {
  if (isLine(type)) {
    return { color: SERVICE_AREA_COLOR, weight: 10, opacity: 0.28, fill: false, lineCap: "round", lineJoin: "round" };
  }
  return { color: SERVICE_AREA_COLOR, weight: 1.5, opacity: 0.6, dashArray: "5 4", fillColor: SERVICE_AREA_COLOR,
    fillOpacity: 0.1, fill: true };
}

/** A dark stretch: a white casing under a thick red line, so it stands out on any road colour. */
export function gapOptions({ casing = false } = {}) {
  return casing
    ? { color: "#ffffff", weight: 11, opacity: 0.85, fill: false, lineCap: "round", lineJoin: "round" }
    : { color: GAP_COLOR, weight: 6, opacity: 0.95, fill: false, lineCap: "round", lineJoin: "round" };
}

/** A hotspot cell: reds for hot, blues for cold, a faint outline only when not significant. */
export function hotspotOptions(cls) {
  const color = HOTSPOT_COLORS[cls] || HOTSPOT_COLORS.not_significant;
  if (!HOTSPOT_COLORS[cls] || cls === "not_significant") {
    return { color, weight: 0.75, opacity: 0.5, fill: true, fillColor: color, fillOpacity: 0 };
  }
  return { color, weight: 1, opacity: 0.9, fill: true, fillColor: color, fillOpacity: 0.55 };
}

/** The radius in pixels of a recurring place's marker: grows with the square root of its count. */
export function recurrenceRadius(count) {
  const n = Math.max(0, Number(count) || 0);
  return Math.min(22, 5 + 3 * Math.sqrt(n));
}

export function recurrenceOptions(count) {
  return { color: "#ffffff", weight: 2, fillColor: RECURRENCE_COLOR, fillOpacity: 0.75, fill: true,
    radius: recurrenceRadius(count) };
}

/** A circle showing a proposed site's service radius (straight-line analyses only). */
export function proposalRadiusOptions() {
  return { color: PROPOSAL_COLOR, weight: 1.5, opacity: 0.7, dashArray: "6 5", fill: true, fillColor: PROPOSAL_COLOR,
    fillOpacity: 0.06 };
}

/**
 * The default style of a saved result layer of ``kind`` (rules.analysis.kind), in the catalogue's style
 * vocabulary (see styles.js); null for kinds this front end does not know.
 */
export function savedLayerStyle(kind) {
  switch (kind) {
    case "coverage":
      return {
        color: "#616161", weight: 1, fillOpacity: 0.45, radius: 5, by: "covered",
        classes: {
          false: { color: COVERAGE_COLORS.uncovered, fillColor: COVERAGE_COLORS.uncovered, weight: 1.5 },
          true: { color: COVERAGE_COLORS.covered, fillColor: COVERAGE_COLORS.covered },
        },
      };
    case "gaps":
      return { color: GAP_COLOR, weight: 5, opacity: 0.9 };
    case "proposals":
      return { color: "#ffffff", fillColor: PROPOSAL_COLOR, fillOpacity: 0.95, weight: 2, radius: 8 };
    case "hotspots":
      return {
        color: HOTSPOT_COLORS.not_significant, weight: 0.75, opacity: 0.6, fillOpacity: 0, by: "class",
        classes: Object.fromEntries(HOTSPOT_CLASSES.filter((c) => c !== "not_significant").map((c) => [c, {
          color: HOTSPOT_COLORS[c], fillColor: HOTSPOT_COLORS[c], fillOpacity: 0.55, opacity: 0.9, weight: 1,
        }])),
      };
    case "recurrence":
      return { color: "#ffffff", fillColor: RECURRENCE_COLOR, fillOpacity: 0.8, weight: 2, radius: 7 };
    default:
      return null;
  }
}

/** A style for a layer that came without one: a neutral slate colour, visible on the map's background. */
export const NEUTRAL_STYLE = { color: "#37474f", fillColor: "#78909c", weight: 2, opacity: 0.9, fillOpacity: 0.3,
  radius: 5 };
