// Grid cells (单元网格) coloured by their open cases (the dashboard's by_grid), light to dark red, each with
// its count in the middle and its name and figures in a tooltip.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";
import { geometryToLayer } from "../common/geometry.js";
import { rampColor } from "./hexLayer.js";

/**
 * @param {Array<{code: string, name: string, geometry: object}>} cells
 * @param {Array<object>} rows by_grid rows ({grid_code, open, overdue, ...})
 * @param {object} options {renderer, i18n}
 */
export function gridChoropleth(cells, rows, { renderer, i18n }) {
  const byCode = new Map(rows.map((row) => [row.grid_code, row]));
  const max = Math.max(0, ...rows.map((row) => row.open));
  const group = L.featureGroup();
  for (const cell of cells) {
    const row = byCode.get(cell.code) || { open: 0, overdue: 0, cases: 0 };
    const color = row.open ? rampColor(row.open, max) : "#f5f5f5";
    const layer = geometryToLayer(cell.geometry, () => ({ renderer, color: "#37474f", weight: 1.5, opacity: 0.9,
      fill: true, fillColor: color, fillOpacity: 0.7 }));
    if (!layer) {
      continue;
    }
    // An element whose text is set, never a string: Leaflet reads a string tooltip as HTML, and a grid
    // cell's name is typed by people.
    layer.bindTooltip(el("span", { text: i18n.t("leaders.dash.grid_tooltip", { name: cell.name, open: row.open,
      overdue: row.overdue, cases: row.cases }) }), { sticky: true });
    group.addLayer(layer);
    const count = el("span", { className: "lv-grid-count", text: i18n.formatNumber(row.open), dataset: { grid: cell.code } });
    group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "lv-grid-label", interactive: false })
      .setLatLng(layer.getBounds().getCenter()).setContent(count));
  }
  return group;
}
