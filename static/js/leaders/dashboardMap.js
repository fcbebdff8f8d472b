// The dashboard's map of open cases (the dashboard's open_points) in one of three views: a heat map, hexagons
// counting them, or the grid cells coloured by their open cases. Base layers as on every map. The map's box
// gets data-mode and data-points / data-hexagons / data-cells (what is drawn) for the tests.

import { createBaseMap, paneRenderer } from "./leadersMap.js";
import { el } from "../common/dom.js";
import { gridChoropleth } from "./gridChoropleth.js";
import { HeatLayer } from "./heatLayer.js";
import { hexLayer } from "./hexLayer.js";

export const MAP_MODES = ["heat", "hex", "grid"];
const HEX_RADIUS_M = 60;
const HEAT_RADIUS_M = 70;

export class DashboardMap {
  /**
   * @param {object} options
   * @param {HTMLElement} options.element the map's box
   * @param {HTMLElement} options.legend the line under the map
   * @param {object} options.context {api, i18n, config, definitions (base layers), cells, basemaps}
   */
  constructor({ element, legend, context }) {
    this.element = element;
    this.legend = legend;
    this.context = context;
    this.mode = "heat";
    this.dash = null;
    this.overlay = null;
  }

  start() {
    const { api, i18n, config, definitions, basemaps } = this.context;
    const made = createBaseMap({ element: this.element, definitions, api, i18n, extent: config.extent, basemaps });
    this.map = made.map;
    this.ready = made.ready;
    this.renderer = paneRenderer(this.map, "lv-dash", 450).renderer;
    i18n.onChange(() => this.draw());
    return this;
  }

  /** Show ``dash`` (an /api/dashboard answer) in ``mode``. */
  show(dash, mode) {
    this.dash = dash;
    this.mode = MAP_MODES.includes(mode) ? mode : "heat";
    this.draw();
  }

  draw() {
    if (!this.dash) {
      return;
    }
    const { i18n, cells } = this.context;
    this.overlay?.remove();
    const points = this.dash.open_points || [];
    const data = this.element.dataset;
    data.mode = this.mode;
    data.points = String(points.length);
    delete data.hexagons;
    delete data.cells;
    let legend;
    if (this.mode === "heat") {
      this.overlay = new HeatLayer(points, { radiusM: HEAT_RADIUS_M, pane: "lv-dash" }).addTo(this.map);
      legend = [el("span", { text: i18n.t("leaders.dash.legend.few") }), el("span", { className: "lv-ramp lv-ramp-heat" }),
        el("span", { text: i18n.t("leaders.dash.legend.many") }),
        el("span", { text: i18n.t("leaders.dash.legend.heat", { count: points.length, radius: HEAT_RADIUS_M }) })];
    } else if (this.mode === "hex") {
      this.overlay = hexLayer(points, { radiusM: HEX_RADIUS_M, renderer: this.renderer,
        label: (count) => i18n.t("leaders.dash.hex_tooltip", { count }) }).addTo(this.map);
      data.hexagons = String(this.overlay.bins.length);
      data.hexPoints = String(this.overlay.bins.reduce((sum, b) => sum + b.count, 0));
      legend = [el("span", { className: "lv-ramp" }),
        el("span", { text: i18n.t("leaders.dash.legend.hex", { size: HEX_RADIUS_M * 2 }) })];
    } else {
      this.overlay = gridChoropleth(cells, this.dash.by_grid || [], { renderer: this.renderer, i18n }).addTo(this.map);
      data.cells = String(cells.length);
      legend = [el("span", { className: "lv-ramp" }), el("span", { text: i18n.t("leaders.dash.legend.grid") })];
    }
    this.legend.replaceChildren(...legend);
  }
}
