// A heat map of points on its own canvas (leaflet.heat does this for a global L; it is not an ES module):
// each point adds a soft round blob of alpha whose radius is fixed in metres on the ground, so the heat
// keeps its meaning when zooming; the summed alpha is then coloured through a blue → red ramp.
// Redrawn after every move; hidden while Leaflet animates a zoom.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";

const RAMP = { 0.25: "#3f51b5", 0.45: "#00bcd4", 0.6: "#8bc34a", 0.75: "#ffeb3b", 1: "#f44336" };

function rampTable() {
  const canvas = document.createElement("canvas");
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const gradient = ctx.createLinearGradient(0, 0, 256, 0);
  for (const [stop, color] of Object.entries(RAMP)) {
    gradient.addColorStop(Number(stop), color);
  }
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, 256, 1);
  return ctx.getImageData(0, 0, 256, 1).data;
}

export const HeatLayer = L.Layer.extend({
  options: {
    radiusM: 60, // blob radius on the ground
    minRadiusPx: 10,
    maxRadiusPx: 70,
    alpha: 0.5, // alpha each point adds at its centre
    pane: "overlayPane",
  },

  /** @param {Array<[number, number]>} points [lng, lat] pairs */
  initialize(points, options) {
    this.points = points || [];
    L.setOptions(this, options);
  },

  setPoints(points) {
    this.points = points || [];
    this.redraw();
    return this;
  },

  onAdd(map) {
    this.canvas = L.DomUtil.create("canvas", "lv-heat leaflet-layer");
    this.getPane().appendChild(this.canvas);
    this.table = this.table || rampTable();
    map.on("moveend zoomend resize viewreset", this.redraw, this);
    map.on("zoomstart", this.hide, this);
    this.redraw();
  },

  onRemove(map) {
    map.off("moveend zoomend resize viewreset", this.redraw, this);
    map.off("zoomstart", this.hide, this);
    this.canvas.remove();
    this.canvas = null;
  },

  hide() {
    if (this.canvas) {
      this.canvas.style.visibility = "hidden";
    }
  },

  /** The blob radius in pixels at the map's zoom and latitude. */
  radiusPx() {
    const map = this._map;
    const center = map.getCenter();
    const metresPerPixel = (40075016.686 * Math.cos((center.lat * Math.PI) / 180)) / (256 * 2 ** map.getZoom());
    return Math.max(this.options.minRadiusPx, Math.min(this.options.maxRadiusPx, this.options.radiusM / metresPerPixel));
  },

  redraw() {
    const map = this._map;
    if (!map || !this.canvas) {
      return;
    }
    const size = map.getSize();
    if (size.x <= 0 || size.y <= 0) {
      return; // a hidden or not yet laid out map: nothing to draw, and no pixels to read back
    }
    const canvas = this.canvas;
    canvas.width = size.x;
    canvas.height = size.y;
    canvas.style.width = `${size.x}px`;
    canvas.style.height = `${size.y}px`;
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    canvas.style.visibility = "visible";
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.clearRect(0, 0, size.x, size.y);
    const r = this.radiusPx();
    const brush = this.brush(r);
    ctx.globalAlpha = this.options.alpha;
    let drawn = 0;
    for (const [lng, lat] of this.points) {
      const p = map.latLngToContainerPoint([lat, lng]);
      if (p.x < -r || p.y < -r || p.x > size.x + r || p.y > size.y + r) {
        continue;
      }
      ctx.drawImage(brush, p.x - r, p.y - r);
      drawn += 1;
    }
    ctx.globalAlpha = 1;
    if (drawn) {
      const image = ctx.getImageData(0, 0, size.x, size.y);
      const pixels = image.data;
      for (let i = 3; i < pixels.length; i += 4) {
        const a = pixels[i];
        if (a) {
          const j = a * 4;
          pixels[i - 3] = this.table[j];
          pixels[i - 2] = this.table[j + 1];
          pixels[i - 1] = this.table[j + 2];
          pixels[i] = Math.min(255, 60 + a);
        }
      }
      ctx.putImageData(image, 0, 0);
    }
    canvas.dataset.drawn = String(drawn);
    this.fire("drawn", { drawn });
  },

  /** A soft round blob of radius ``r`` px (alpha 1 in the middle, 0 at the edge), made once per size. */
  brush(r) {
    const size = Math.ceil(r) * 2;
    if (this.cachedBrush && this.cachedBrush.width === size) {
      return this.cachedBrush;
    }
    const brush = document.createElement("canvas");
    brush.width = brush.height = size;
    const ctx = brush.getContext("2d");
    const gradient = ctx.createRadialGradient(size / 2, size / 2, 0, size / 2, size / 2, size / 2);
    gradient.addColorStop(0, "rgba(0,0,0,1)");
    gradient.addColorStop(1, "rgba(0,0,0,0)");
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, size, size);
    this.cachedBrush = brush;
    return brush;
  },
});
