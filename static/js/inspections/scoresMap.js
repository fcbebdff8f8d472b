// The score map: the round's grid cells coloured by their score (red below 60 to green at 100, grey when
// there is no interval), each labelled with its score and the number of places behind it.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";
import { geometryToLayer } from "../common/geometry.js";
import { baseDefinitions, createBaseMap, paneRenderer } from "../leaders/leadersMap.js";

const RAMP = ["#b2182b", "#ef8a62", "#fddbc7", "#d9f0d3", "#7fbf7b", "#1b7837"];
const NO_DATA = "#e0e0e0";

/** The colour of a score 0–100 (at or below 50 the darkest red, 100 the darkest green). */
export function scoreColor(score) {
  if (score === null || score === undefined) {
    return NO_DATA;
  }
  const share = Math.max(0, Math.min(1, (score - 50) / 50));
  return RAMP[Math.min(RAMP.length - 1, Math.floor(share * RAMP.length))];
}

export class ScoreMap {
  constructor({ element, api, i18n, config, definitions }) {
    const made = createBaseMap({ element, definitions: baseDefinitions(definitions), api, i18n, extent: config.extent });
    this.map = made.map;
    this.ready = made.ready;
    this.renderer = paneRenderer(this.map, "ins-scores", 450).renderer;
    this.i18n = i18n;
    this.group = L.featureGroup().addTo(this.map);
    this.element = element;
  }

  /** Colour ``cells`` ({code, name, geometry}) by the cell rows of ``areas``. */
  show(cells, areas) {
    this.group.clearLayers();
    const byCode = new Map(areas.filter((a) => a.level === "cell").map((a) => [a.code, a]));
    let drawn = 0;
    for (const cell of cells) {
      const area = byCode.get(cell.code);
      if (!area) {
        continue;
      }
      const shown = area.ci_low === null ? null : area.score;
      const layer = geometryToLayer(cell.geometry, () => ({ renderer: this.renderer, color: "#37474f", weight: 1.5,
        fill: true, fillColor: scoreColor(shown), fillOpacity: 0.75 }));
      if (!layer) {
        continue;
      }
      layer.bindTooltip(this.i18n.t("scores.cell_tooltip", { name: cell.name || cell.code,
        score: area.score ?? "—", n: area.n }), { sticky: true });
      this.group.addLayer(layer);
      const label = shown === null ? this.i18n.t("scores.too_few_short", { n: area.n })
        : `${this.i18n.formatNumber(shown)} (n=${area.n})`;
      this.group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "ins-cell-label",
        interactive: false }).setLatLng(layer.getBounds().getCenter())
        .setContent(el("span", { text: label, dataset: { cell: cell.code } })));
      drawn += 1;
    }
    if (drawn) {
      this.map.fitBounds(this.group.getBounds(), { padding: L.point(12, 12) });
    }
    this.element.dataset.cells = String(drawn);
  }
}
