// The layer panel: one row per layer (checkbox, swatch, title, feature count, status note, legend),
// thematic layers first and base layers (style.base) in their own group. Each row carries its render
// status in data attributes (data-status, data-rendered-count, ...) for tests and styling.

import { el } from "../common/dom.js";
import { buildLegend, swatch, swatchKind } from "./legend.js";
import { isBaseLayer } from "../common/styles.js";

export class LayerPanel {
  /**
   * @param {object} options
   * @param {HTMLElement} options.thematicList <ul> for thematic layers
   * @param {HTMLElement} options.baseList <ul> for base layers
   * @param {Array<object>} options.definitions layers from /api/layers, in order
   * @param {Set<string>} options.visible ids shown on the map
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(string, boolean): void} options.onToggle called when a checkbox changes
   * @param {function(string): Promise<void>} [options.onDelete] deletes a saved analysis result (offered on
   *   those rows only, when given); the panel is rebuilt by the caller afterwards
   */
  constructor({ thematicList, baseList, definitions, visible, i18n, onToggle, onDelete = null }) {
    this.thematicList = thematicList;
    this.baseList = baseList;
    this.definitions = definitions;
    this.visible = visible;
    this.i18n = i18n;
    this.onToggle = onToggle;
    this.onDelete = onDelete;
    this.rows = new Map(); // id -> {row, title, count, note, legendSlot, checkbox, status}
    this.build();
  }

  build() {
    this.thematicList.replaceChildren();
    this.baseList.replaceChildren();
    this.rows.clear();
    for (const definition of this.definitions) {
      const parts = this.buildRow(definition);
      this.rows.set(definition.id, parts);
      (isBaseLayer(definition) ? this.baseList : this.thematicList).append(parts.row);
    }
    this.baseList.closest("section")?.toggleAttribute("hidden", this.baseList.children.length === 0);
    this.thematicList.closest("section")?.toggleAttribute("hidden", this.thematicList.children.length === 0);
    this.relabel();
  }

  /**
   * A new layer list (layers were added, counts changed): rebuild the rows, keeping each remaining
   * layer's checkbox and render state.
   */
  setDefinitions(definitions) {
    const kept = new Map([...this.rows].map(([id, parts]) => [id, { checked: parts.checkbox.checked, state: parts.state }]));
    this.definitions = definitions;
    this.build();
    for (const [id, parts] of this.rows) {
      const old = kept.get(id);
      if (!old) {
        continue;
      }
      parts.checkbox.checked = old.checked;
      parts.row.classList.toggle("is-off", !old.checked);
      if (old.state) {
        this.setStatus(id, old.state);
      } else {
        parts.row.dataset.status = old.checked ? "idle" : "hidden";
      }
    }
  }

  buildRow(definition) {
    const checkbox = el("input", { className: "layer-checkbox", attrs: { type: "checkbox" } });
    checkbox.checked = this.visible.has(definition.id);
    checkbox.addEventListener("change", () => {
      parts.row.classList.toggle("is-off", !checkbox.checked);
      this.onToggle(definition.id, checkbox.checked);
    });
    const title = el("span", { className: "layer-title" });
    const count = el("span", { className: "layer-count" });
    const note = el("p", { className: "layer-note", attrs: { hidden: true, "aria-live": "polite" } });
    const legendSlot = el("div", { className: "layer-legend" });
    const label = el("label", { className: "layer-toggle" }, [
      checkbox, swatch(definition.style || {}, swatchKind(definition)), title, count,
    ]);
    const row = el("li", {
      className: "layer-row",
      dataset: {
        layerId: definition.id,
        featureCount: definition.feature_count ?? 0,
        status: checkbox.checked ? "idle" : "hidden",
        renderedCount: 0,
      },
    }, [label, note, legendSlot]);
    row.classList.toggle("is-off", !checkbox.checked);
    const parts = { row, checkbox, title, count, note, legendSlot, definition, state: null, remove: null };
    if (this.onDelete && definition.rules?.analysis && !definition.builtin) {
      parts.remove = this.deleteButton(parts);
      label.after(parts.remove);
    }
    return parts;
  }

  /** "Delete", then "Really delete" for a few seconds: a second tap deletes the saved result. */
  deleteButton(parts) {
    const button = el("button", { className: "button button-danger layer-delete",
      attrs: { type: "button", "data-layer-delete": parts.definition.id } });
    let timer = null;
    button.addEventListener("click", async () => {
      if (button.dataset.confirm !== "1") {
        button.dataset.confirm = "1";
        this.relabelDelete(parts);
        timer = setTimeout(() => {
          delete button.dataset.confirm;
          this.relabelDelete(parts);
        }, 4000);
        return;
      }
      clearTimeout(timer);
      button.disabled = true;
      try {
        await this.onDelete(parts.definition.id);
      } catch (error) {
        button.disabled = false;
        delete button.dataset.confirm;
        this.relabelDelete(parts);
        parts.note.textContent = this.i18n.t("analysis.delete_failed", { message: this.i18n.errorMessage(error) });
        parts.note.hidden = false;
        parts.note.classList.add("is-error");
      }
    });
    return button;
  }

  relabelDelete(parts) {
    if (!parts.remove) {
      return;
    }
    const confirming = parts.remove.dataset.confirm === "1";
    parts.remove.textContent = this.i18n.t(confirming ? "analysis.delete_confirm" : "analysis.delete");
    parts.remove.title = this.i18n.t("analysis.delete_hint");
  }

  /** Rewrite every text in the current language (titles, counts, legends, notes). */
  relabel() {
    for (const parts of this.rows.values()) {
      const { definition } = parts;
      const title = this.i18n.pick(definition.title, definition.id);
      parts.title.textContent = title;
      parts.count.textContent = this.i18n.formatNumber(definition.feature_count ?? 0);
      parts.count.title = this.i18n.t("layer.count_title");
      parts.checkbox.setAttribute("aria-label", this.i18n.t("layer.toggle_hint", { title }));
      const description = this.i18n.pick(definition.description, "");
      parts.row.title = description;
      parts.legendSlot.replaceChildren(...[buildLegend(definition, this.i18n)].filter(Boolean));
      this.relabelDelete(parts);
      this.renderNote(parts);
    }
  }

  /**
   * Record a layer's render state.
   * @param {string} id
   * @param {{status: string, rendered?: number, clusters?: number, points?: number,
   *          error?: Error, minZoom?: number, truncated?: number}} state
   */
  setStatus(id, state) {
    const parts = this.rows.get(id);
    if (!parts) {
      return;
    }
    parts.state = state;
    const { dataset } = parts.row;
    dataset.status = state.status;
    dataset.renderedCount = String(state.rendered ?? 0);
    for (const key of ["clusters", "points", "loaded"]) {
      const name = `${key}Count`;
      if (state[key] !== undefined) {
        dataset[name] = String(state[key]);
      } else {
        delete dataset[name];
      }
    }
    if (state.timing) {
      // Milliseconds spent fetching, decoding and indexing (point layers), for benchmarks.
      dataset.timing = Object.entries(state.timing).map(([k, v]) => `${k}=${Math.round(v)}`).join(",");
    }
    this.renderNote(parts);
  }

  renderNote(parts) {
    const state = parts.state;
    let text = "";
    if (state) {
      if (state.status === "loading") {
        text = this.i18n.t("layer.loading");
      } else if (state.status === "error") {
        text = this.i18n.t("layer.error", { message: this.i18n.errorMessage(state.error) });
      } else if (state.status === "zoom") {
        text = this.i18n.t("layer.zoom_in", { zoom: state.minZoom });
      } else if (state.status === "ready" && state.truncated) {
        text = this.i18n.t("layer.truncated", { count: this.i18n.formatNumber(state.truncated) });
      }
    }
    parts.note.textContent = text;
    parts.note.hidden = text === "";
    parts.note.classList.toggle("is-error", state?.status === "error");
  }
}
