// A swipe divider over one map: what is drawn in the "left" pane shows only left of the divider, the "right"
// pane only right of it, so two dates can be compared in place. Panes are clipped with CSS clip-path in the
// panes' own pixel coordinates, recomputed on every move (leaflet-side-by-side does the same with `clip`, but
// it is a CommonJS module that needs a bundler). The divider is dragged with a mouse, a finger or the arrow
// keys (it is an ARIA slider).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";

const KEY_STEP = 0.05;

export class Swipe {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {HTMLElement} options.leftPane
   * @param {HTMLElement} options.rightPane
   * @param {number} [options.ratio] where the divider starts, 0 (left edge) to 1 (right edge)
   * @param {string} [options.label] the divider's accessible name
   * @param {function(number): void} [options.onChange]
   */
  constructor({ map, leftPane, rightPane, ratio = 0.5, label = "", onChange = () => {} }) {
    this.map = map;
    this.leftPane = leftPane;
    this.rightPane = rightPane;
    this.ratio = Math.min(1, Math.max(0, ratio));
    this.onChange = onChange;
    this.handle = el("button", { className: "lv-swipe-handle",
      attrs: { type: "button", role: "slider", "aria-label": label, "aria-valuemin": "0", "aria-valuemax": "100" } });
    this.line = el("div", { className: "lv-swipe" }, [this.handle]);
    this.update = () => this.clip();
    this.dragging = null;
  }

  start() {
    const container = this.map.getContainer();
    container.append(this.line);
    L.DomEvent.disableClickPropagation(this.line);
    L.DomEvent.disableScrollPropagation(this.line);
    this.handle.addEventListener("pointerdown", (event) => this.startDrag(event));
    this.handle.addEventListener("keydown", (event) => {
      const delta = { ArrowLeft: -KEY_STEP, ArrowRight: KEY_STEP, Home: -1, End: 1 }[event.key];
      if (delta !== undefined) {
        event.preventDefault();
        this.setRatio(this.ratio + delta);
      }
    });
    this.map.on("move zoomend viewreset resize", this.update);
    this.clip();
    return this;
  }

  stop() {
    this.map.off("move zoomend viewreset resize", this.update);
    this.line.remove();
    this.leftPane.style.clipPath = "";
    this.rightPane.style.clipPath = "";
  }

  setLabel(label) {
    this.handle.setAttribute("aria-label", label);
  }

  startDrag(event) {
    event.preventDefault();
    const wasDraggable = this.map.dragging.enabled();
    this.map.dragging.disable();
    this.handle.setPointerCapture(event.pointerId);
    const move = (e) => {
      const box = this.map.getContainer().getBoundingClientRect();
      this.setRatio((e.clientX - box.left) / box.width);
    };
    const end = () => {
      this.handle.removeEventListener("pointermove", move);
      this.handle.removeEventListener("pointerup", end);
      this.handle.removeEventListener("pointercancel", end);
      this.line.classList.remove("is-dragging");
      if (wasDraggable) {
        this.map.dragging.enable();
      }
    };
    this.line.classList.add("is-dragging");
    this.handle.addEventListener("pointermove", move);
    this.handle.addEventListener("pointerup", end);
    this.handle.addEventListener("pointercancel", end);
  }

  setRatio(ratio) {
    this.ratio = Math.min(1, Math.max(0, ratio));
    this.clip();
    this.onChange(this.ratio);
  }

  /** Clip both panes at the divider, in pane (layer point) coordinates; move the divider there. */
  clip() {
    const size = this.map.getSize();
    const x = Math.round(size.x * this.ratio);
    const nw = this.map.containerPointToLayerPoint([0, 0]);
    const se = this.map.containerPointToLayerPoint(size);
    const cut = nw.x + x;
    const rect = (x0, x1) => `polygon(${x0}px ${nw.y}px, ${x1}px ${nw.y}px, ${x1}px ${se.y}px, ${x0}px ${se.y}px)`;
    this.leftPane.style.clipPath = rect(nw.x, cut);
    this.rightPane.style.clipPath = rect(cut, se.x);
    this.line.style.left = `${x}px`;
    this.handle.setAttribute("aria-valuenow", String(Math.round(this.ratio * 100)));
    this.map.getContainer().dataset.swipeRatio = this.ratio.toFixed(3);
  }
}
