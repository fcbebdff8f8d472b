// The look of analysis results that is not a kind's own: results draw above every catalogue layer, a
// point's radius that grows with a property, and a neutral style for layers that came without one. Each
// kind's colours and classes are in its declaration (GET /api/analysis/kinds, ``result``).

/** Results draw (and take clicks) above every catalogue layer: those rank below 20000 (see styles.js). */
export const RESULT_RANK = 30000;

/** The radius in pixels of a point sized by ``size`` ({base, factor, max}): grows with the square root. */
export function sizedRadius(size, value) {
  const n = Math.max(0, Number(value) || 0);
  return Math.min(size.max, size.base + size.factor * Math.sqrt(n));
}

/** A style for a layer that came without one: a neutral slate colour, visible on the map's background. */
export const NEUTRAL_STYLE = { color: "#37474f", fillColor: "#78909c", weight: 2, opacity: 0.9, fillOpacity: 0.3,
  radius: 5 };
