// The analyses' presets (GET /api/analysis/presets) as choices the form offers: service distances per
// facility layer, and gap thresholds per road class (lamps, bins), each with the source it cites.

// "120 米（GB 55013-2021 §3.2.2）" / "70 m (older norm)": the number and unit at the start of a preset's label.
const LEADING_DISTANCE = /^\s*\d+(?:\.\d+)?\s*(?:metres|meters|米|m)(?![A-Za-z])\s*/u;
const WRAPPED = /^[（(]\s*(.*?)\s*[）)]$/u;

/**
 * What a preset's label says besides its number: "GB 55013-2021 §3.2.2" out of
 * "120 米（GB 55013-2021 §3.2.2）"; the whole label when it does not start with the distance.
 */
export function labelSource(label) {
  const text = String(label ?? "").trim();
  if (!LEADING_DISTANCE.test(text)) {
    return text;
  }
  const rest = text.replace(LEADING_DISTANCE, "").trim();
  const wrapped = WRAPPED.exec(rest);
  return wrapped ? wrapped[1] : rest;
}

/**
 * Service distances offered for facility layer ``layerId``:
 * [{radius, label: localized|null, source: localized|null, confidence, spacing?, category?}], the layer's
 * default first. Bins are set by spacing along the street (CJJ 27), so their distances are half the
 * largest spacing of each street category: the farthest anyone on that street is from a bin.
 */
export function radiusPresets(presets, layerId) {
  const rule = presets?.service_distance?.[layerId];
  if (!rule || typeof rule !== "object") {
    return [];
  }
  if (Array.isArray(rule.presets) && rule.presets.length) {
    const list = rule.presets
      .filter((p) => Number.isFinite(p.radius_m) && p.radius_m > 0)
      .map((p) => ({
        radius: p.radius_m,
        label: p.label ?? null,
        source: rule.source ?? null,
        confidence: p.confidence ?? rule.confidence ?? null,
      }));
    const first = list.findIndex((p) => p.radius === rule.radius_m);
    return first > 0 ? [list[first], ...list.slice(0, first), ...list.slice(first + 1)] : list;
  }
  if (Number.isFinite(rule.radius_m) && rule.radius_m > 0) {
    return [{ radius: rule.radius_m, label: null, source: rule.source ?? null, confidence: rule.confidence ?? null }];
  }
  if (rule.by_road_class && typeof rule.by_road_class === "object") {
    return Object.entries(rule.by_road_class)
      .filter(([, range]) => Array.isArray(range) && Number.isFinite(range[range.length - 1]))
      .map(([category, range]) => {
        const spacing = range[range.length - 1];
        // The spacing is the standard's; halving it is this tool's reading, so no confidence is claimed.
        return { radius: spacing / 2, label: null, source: rule.source ?? null, confidence: null, spacing, category };
      })
      .sort((a, b) => b.radius - a.radius);
  }
  return [];
}

/** The distance a facility layer starts with: its first preset, else null. */
export function defaultRadius(presets, layerId) {
  return radiusPresets(presets, layerId)[0]?.radius ?? null;
}

/** The rule's source text for a facility layer (shown under its presets), or null. */
export function radiusSource(presets, layerId) {
  return presets?.service_distance?.[layerId]?.source ?? null;
}

/**
 * Gap thresholds per road class of the presets entry ``key`` (the variant of the layer checked, e.g.
 * lamp_gaps or bin_gaps): {thresholds: {class: metres}, source, spacing: {class: metres}|null,
 * category: {class: bin category}|null}.
 */
export function gapPresets(presets, key) {
  const entry = key ? presets?.[key] : null;
  if (!entry || typeof entry.thresholds !== "object") {
    return { thresholds: {}, source: null, spacing: null, category: null };
  }
  return {
    thresholds: { ...entry.thresholds },
    source: entry.source ?? null,
    spacing: entry.spacing_m ?? null,
    category: entry.category ?? null,
  };
}
