// Points counted in hexagons (d3-hexbin). Binning happens in Web Mercator (EPSG:3857) metres: over one
// community (a few kilometres) its scale error is the same everywhere, and dividing the radius by cos(latitude)
// makes the hexagons the stated size on the ground. Each hexagon is coloured by its count on a light-to-dark
// red ramp and says its count in a tooltip.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import hexbin from "../../vendor/d3-hexbin-0.2.2/hexbin.js";
import { el } from "../common/dom.js";

const R = 6378137;
const RAMP = ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];

const toMercator = (lng, lat) => [(R * lng * Math.PI) / 180, R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))];
const toLngLat = (x, y) => [(x / R) * (180 / Math.PI), (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * (180 / Math.PI)];

/** The colour of a count on the ramp, relative to the largest count. */
export function rampColor(count, max) {
  if (!(max > 0)) {
    return RAMP[0];
  }
  return RAMP[Math.min(RAMP.length - 1, Math.floor((count / max) * (RAMP.length - 1) + 0.5))];
}

/**
 * Hexagon bins of ``points`` ([lng, lat, ...]) with ``radiusM`` ground metres from centre to corner:
 * [{count, center: [lng, lat], ring: [[lng, lat] x 7]}].
 */
export function hexBins(points, radiusM) {
  if (!points.length) {
    return [];
  }
  const meanLat = points.reduce((sum, p) => sum + p[1], 0) / points.length;
  const r = radiusM / Math.cos((meanLat * Math.PI) / 180);
  const bins = hexbin().radius(r)(points.map(([lng, lat]) => toMercator(lng, lat)));
  return bins.map((bin) => {
    // The corners d3-hexbin draws (pointy-top): angle k·60° from straight up.
    const ring = [0, 1, 2, 3, 4, 5, 0].map((k) => toLngLat(bin.x + Math.sin((k * Math.PI) / 3) * r,
      bin.y + Math.cos((k * Math.PI) / 3) * r));
    return { count: bin.length, center: toLngLat(bin.x, bin.y), ring };
  });
}

/** A layer group of coloured hexagons; ``label(count)`` gives each one's tooltip. */
export function hexLayer(points, { radiusM, renderer, label }) {
  const bins = hexBins(points, radiusM);
  const max = Math.max(0, ...bins.map((b) => b.count));
  const group = L.featureGroup();
  for (const bin of bins) {
    const color = rampColor(bin.count, max);
    const polygon = L.polygon(bin.ring.map(([lng, lat]) => [lat, lng]), {
      renderer, color: "#7f0000", weight: 1, opacity: 0.7, fillColor: color, fillOpacity: 0.75 });
    polygon.bindTooltip(el("span", { text: label(bin.count) }), { sticky: true });  // text, never HTML
    group.addLayer(polygon);
  }
  group.bins = bins;
  return group;
}
