// The planner's analysis panel (permission analysis.run): choose an analysis and its parameters, run it
// (with progress, and the server's refusals in the current language), see the result drawn over the map
// with a legend and a summary, save it as a layer, clear it. Beside the map on a wide screen; a bottom
// sheet on a phone. The panel's state is in data attributes for tests (data-state, data-kind, ...).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { AnalysisForm, KIND_KEYS } from "./analysisForm.js";
import { buildResultLegend } from "./analysisLegend.js";
import { AnalysisOverlay } from "./analysisOverlay.js";
import { displayFeature, resultDefinition, resultTitleKey } from "./analysisProperties.js";
import { buildSummary } from "./analysisSummary.js";
import { el } from "../common/dom.js";
import { FormMessage } from "../common/formMessage.js";

const NARROW = "(max-width: 640px)";
// The server names refused parameters (details[].field); these are their names in the form.
const FIELD_KEYS = {
  facilities: "analysis.field.facilities",
  targets: "analysis.field.targets",
  radius_m: "analysis.field.radius",
  metric: "analysis.field.metric",
  count: "analysis.field.count",
  points: "analysis.field.gap_points",
  max_gap_m: "analysis.field.thresholds",
  snap_m: "analysis.field.snap",
  layer: "analysis.field.incidents",
  cell: "analysis.field.cell",
  size_m: "analysis.field.cell_size",
};
const PROBLEM_KEYS = {
  invalid_value: "analysis.problem.invalid_value",
  wrong_type: "analysis.problem.wrong_type",
  unknown_layer: "analysis.problem.unknown_layer",
  wrong_geometry: "analysis.problem.wrong_geometry",
};

export class AnalysisPanel {
  /**
   * @param {object} options
   * @param {HTMLElement} options.panel the empty <aside> for the panel
   * @param {HTMLButtonElement} options.toggle the app bar's "Analysis" button
   * @param {HTMLElement} options.body gets the analysis-open class
   * @param {L.Map} options.map
   * @param {L.Renderer} options.renderer the shared canvas
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {import("../map/popup.js").FeaturePopup} options.popup
   * @param {function(): Array<object>} options.definitions the current layer definitions
   * @param {function(string): Promise<void>} options.onSaved a result was saved as layer ``id``: reload the layers
   * @param {function(): void} [options.onOpen] the panel is opening (the page may close the layer panel)
   * @param {function(): void} [options.onLayoutChange] the map area changed size
   */
  constructor({ panel, toggle, body, map, renderer, api, i18n, popup, definitions, onSaved, onOpen = () => {},
    onLayoutChange = () => {} }) {
    this.panel = panel;
    this.toggle = toggle;
    this.body = body;
    this.map = map;
    this.api = api;
    this.i18n = i18n;
    this.popup = popup;
    this.definitions = definitions;
    this.onSaved = onSaved;
    this.onOpen = onOpen;
    this.onLayoutChange = onLayoutChange;
    this.query = globalThis.matchMedia(NARROW);
    this.presetsRequested = false;
    this.result = null; // {kind, params, answer, counts, saving, saved: {id}|null}
    this.running = null; // AbortController of the run in flight
    this.runStarted = 0;
    this.statusInfo = null;
    this.form = new AnalysisForm({ i18n, definitions: definitions(), onSubmit: () => this.run() });
    this.overlay = new AnalysisOverlay({
      map, renderer, i18n,
      onFeatureClick: ({ feature, latlng }) => this.showPopup(feature, latlng),
    });
  }

  start() {
    this.build();
    this.toggle.hidden = false;
    this.body.classList.add("can-analyse"); // the app bar makes room for the button (phones)
    this.toggle.setAttribute("aria-expanded", "false");
    this.toggle.addEventListener("click", () => this.setOpen(this.panel.hidden));
    this.panel.ownerDocument.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.query.matches && !this.panel.hidden && !event.defaultPrevented) {
        this.setOpen(false);
        this.toggle.focus();
      }
    });
    this.i18n.onChange(() => this.relabel());
    return this;
  }

  build() {
    this.title = el("h2", { className: "panel-title", attrs: { id: "analysis-title", tabindex: "-1" } });
    this.collapseButton = el("button", { className: "app-button panel-close analysis-collapse",
      attrs: { type: "button", id: "analysis-collapse", "aria-expanded": "true",
        "aria-controls": "analysis-content" } });
    this.closeButton = el("button", { className: "app-button panel-close",
      attrs: { type: "button", id: "analysis-close" } });
    this.status = el("p", { className: "analysis-status",
      attrs: { id: "analysis-status", role: "status", "aria-live": "polite" } });
    const messageLine = el("p", { className: "form-message analysis-message",
      attrs: { id: "analysis-message", role: "alert", hidden: true } });
    this.message = new FormMessage(messageLine, this.i18n);
    this.resultTitle = el("h3", { className: "analysis-result-title", attrs: { id: "analysis-result-title" } });
    this.legendSlot = el("div", { className: "analysis-legend-slot" });
    this.summarySlot = el("div", { className: "analysis-summary", attrs: { id: "analysis-summary" } });
    this.saveButton = el("button", { className: "button analysis-save", attrs: { type: "button", id: "analysis-save" } });
    this.clearButton = el("button", { className: "button analysis-clear", attrs: { type: "button", id: "analysis-clear" } });
    const saveLine = el("p", { className: "form-message analysis-save-message",
      attrs: { id: "analysis-save-message", role: "status", hidden: true } });
    this.saveMessage = new FormMessage(saveLine, this.i18n);
    this.resultSection = el("section", { className: "analysis-result",
      attrs: { id: "analysis-result", hidden: true, "aria-labelledby": "analysis-result-title" } }, [
      this.resultTitle,
      this.legendSlot,
      this.summarySlot,
      el("div", { className: "analysis-result-actions" }, [this.saveButton, this.clearButton]),
      saveLine,
    ]);
    this.content = el("div", { className: "analysis-content", attrs: { id: "analysis-content" } },
      [this.form.element, this.status, messageLine, this.resultSection]);
    this.panel.replaceChildren(
      el("div", { className: "panel-head analysis-head" }, [
        this.title, el("span", { className: "analysis-head-buttons" }, [this.collapseButton, this.closeButton]),
      ]),
      this.content,
    );
    this.panel.setAttribute("aria-labelledby", "analysis-title");
    this.panel.dataset.state = "idle";
    this.closeButton.addEventListener("click", () => {
      this.setOpen(false);
      this.toggle.focus();
    });
    this.collapseButton.addEventListener("click",
      () => this.setCollapsed(!this.panel.classList.contains("is-collapsed")));
    this.saveButton.addEventListener("click", () => this.save());
    this.clearButton.addEventListener("click", () => this.clear());
    this.form.render();
    this.relabelShell();
    this.showStatus(null);
  }

  relabelShell() {
    const t = (key) => this.i18n.t(key);
    this.title.textContent = t("analysis.title");
    this.closeButton.textContent = t("panel.close");
    this.closeButton.setAttribute("aria-label", t("analysis.close_hint"));
    const collapsed = this.panel.classList.contains("is-collapsed");
    this.collapseButton.textContent = t(collapsed ? "analysis.expand" : "analysis.collapse");
    this.saveButton.textContent = t("analysis.save");
    this.clearButton.textContent = t("analysis.clear");
  }

  isOpen() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    if (open) {
      this.onOpen();
    }
    this.panel.hidden = !open;
    this.body.classList.toggle("analysis-open", open);
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      this.setCollapsed(false);
      this.loadPresets();
      this.title.focus({ preventScroll: true }); // keyboard and screen-reader users land in the panel
    }
    this.onLayoutChange();
  }

  /** On a phone the sheet folds down to its title bar, so the map shows the whole result. */
  setCollapsed(collapsed) {
    const changed = collapsed !== this.panel.classList.contains("is-collapsed");
    this.panel.classList.toggle("is-collapsed", collapsed);
    this.collapseButton.setAttribute("aria-expanded", String(!collapsed));
    this.collapseButton.textContent = this.i18n.t(collapsed ? "analysis.expand" : "analysis.collapse");
    if (changed && this.result && this.query.matches) {
      this.fit({ always: true }); // use the map area the sheet gave up (or keep the result above it)
    }
  }

  async loadPresets() {
    if (this.presetsRequested) {
      return;
    }
    this.presetsRequested = true;
    try {
      this.form.setPresets(await this.api.analysisPresets());
    } catch (error) {
      this.presetsRequested = false;
      if (!error.redirecting) {
        this.message.show(this.i18n.t("analysis.presets_failed", { message: this.i18n.errorMessage(error) }), "error");
      }
    }
  }

  /** The layers changed (a result saved): offer them in the form. */
  setDefinitions() {
    this.form.setDefinitions(this.definitions());
  }

  /** data-state: idle, running, done or error; data-runs counts the runs that finished (done or error). */
  setState(state) {
    this.panel.dataset.state = state;
    if (state === "done" || state === "error") {
      this.runs = (this.runs || 0) + 1;
      this.panel.dataset.runs = String(this.runs);
    }
  }

  async run() {
    const problem = this.form.problem();
    this.message.clear();
    if (problem) {
      this.message.show(problem.text, "error");
      this.panel.querySelector(`#${CSS.escape(problem.id)}`)?.focus();
      return;
    }
    const kind = this.form.kind;
    const params = this.form.params();
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.setState("running");
    this.panel.dataset.kind = kind;
    this.form.setBusy(true);
    this.showStatus({ running: kind });
    this.runStarted = performance.now();
    let answer;
    try {
      answer = await this.api.runAnalysis(kind, params, { signal: controller.signal });
    } catch (error) {
      if (controller !== this.running) {
        return; // cleared or replaced meanwhile
      }
      this.running = null;
      this.form.setBusy(false);
      this.showStatus(null);
      if (error.name === "AbortError" || error.redirecting) {
        this.panel.dataset.state = this.result ? "done" : "idle";
        return;
      }
      this.setState("error");
      this.showError(error);
      return;
    }
    if (controller !== this.running) {
      return;
    }
    this.running = null;
    this.form.setBusy(false);
    this.result = { kind, params, answer, counts: {}, saved: null };
    this.draw();
    this.setState("done");
    this.showStatus({ seconds: (performance.now() - this.runStarted) / 1000 });
    this.status.scrollIntoView({ block: "start" }); // "done", then the result under it
  }

  /** The status line: {running: kind} (a spinner), {seconds} (how long the run took), or null (hidden). */
  showStatus(status) {
    this.statusInfo = status;
    this.status.hidden = !status;
    if (!status) {
      this.status.replaceChildren();
    } else if (status.running) {
      this.status.replaceChildren(
        el("span", { className: "analysis-spinner", attrs: { "aria-hidden": "true" } }),
        el("span", { text: this.i18n.t("analysis.running", { kind: this.i18n.t(KIND_KEYS[status.running]) }) }),
      );
    } else {
      this.status.replaceChildren(el("span", { text: this.i18n.t("analysis.done_in", {
        seconds: this.i18n.formatNumber(status.seconds, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) }) }));
    }
  }

  /** The server's refusal in the current language, with each refused parameter named as in the form. */
  showError(error) {
    const t = (key, params) => this.i18n.t(key, params);
    const lines = [this.i18n.errorMessage(error)];
    for (const detail of error?.details || []) {
      const field = FIELD_KEYS[detail.field] ? t(FIELD_KEYS[detail.field]) : String(detail.field || "");
      let problem = PROBLEM_KEYS[detail.code] ? t(PROBLEM_KEYS[detail.code]) : "";
      // The server's reason (its limits, e.g. "must be above 0 and at most 20000") is in English only.
      if (detail.reason && (!problem || this.i18n.lang === "en")) {
        problem = problem ? `${problem} (${detail.reason})` : detail.reason;
      }
      lines.push(t("analysis.error_detail", { field, problem }));
    }
    this.message.show(lines.join(" "), "error");
    this.message.element.dataset.code = error?.code || "error";
  }

  draw() {
    const { kind, params, answer } = this.result;
    this.popupClose();
    this.result.counts = this.overlay.show(kind, answer, params);
    const counts = this.result.counts;
    this.panel.dataset.kind = kind;
    this.panel.dataset.drawn = String(counts.drawn ?? 0);
    for (const key of ["covered", "uncovered", "unreachable"]) {
      if (counts[key] !== undefined) {
        this.panel.dataset[key] = String(counts[key]);
      } else {
        delete this.panel.dataset[key];
      }
    }
    delete this.panel.dataset.savedLayer;
    this.renderResult();
    this.fit();
  }

  renderResult() {
    const result = this.result;
    if (!result) {
      this.resultSection.hidden = true;
      return;
    }
    const { kind, params, answer, counts } = result;
    const definitions = this.definitions();
    this.resultTitle.textContent = this.i18n.t(resultTitleKey(kind));
    this.legendSlot.replaceChildren(buildResultLegend({
      kind, params, counts, i18n: this.i18n,
      targetDefinition: kind === "coverage" ? definitions.find((d) => d.id === params.targets) ?? null : null,
    }));
    this.summarySlot.replaceChildren(...buildSummary({
      kind, summary: answer.summary, params, definitions, i18n: this.i18n }));
    this.saveButton.disabled = Boolean(result.saved) || result.saving === true;
    this.saveButton.textContent = this.i18n.t(result.saving ? "analysis.saving" : "analysis.save");
    if (result.saved) {
      const definition = definitions.find((d) => d.id === result.saved.id);
      this.saveMessage.show(this.i18n.t("analysis.saved", {
        title: definition ? this.i18n.pick(definition.title, result.saved.id) : result.saved.id }), "success");
    } else if (!result.saving && this.saveMessage.element.dataset.kind !== "error") {
      this.saveMessage.clear();
    }
    this.resultSection.hidden = false;
  }

  /**
   * The part of the map not under the bottom sheet (phones) and clear of the edges (the zoom buttons,
   * half a marker) as lat/lng bounds, with the margins used.
   */
  visibleArea() {
    const size = this.map.getSize();
    const covered = this.query.matches && this.isOpen() ? this.panel.getBoundingClientRect().height : 0;
    const topLeft = L.point(40, 40);
    const bottomRight = L.point(56, 40 + covered);
    const bounds = L.latLngBounds(this.map.containerPointToLatLng(topLeft),
      this.map.containerPointToLatLng(L.point(Math.max(topLeft.x + 1, size.x - bottomRight.x),
        Math.max(topLeft.y + 1, size.y - bottomRight.y))));
    return { bounds, topLeft, bottomRight };
  }

  /** Bring the whole result into view (the part of the map not under the sheet) when it is not already. */
  fit({ always = false } = {}) {
    const bounds = this.overlay.bounds();
    if (!bounds) {
      return;
    }
    const visible = this.visibleArea();
    if (!always && visible.bounds.contains(bounds)) {
      return;
    }
    this.map.fitBounds(bounds, { paddingTopLeft: visible.topLeft, paddingBottomRight: visible.bottomRight, maxZoom: 18 });
  }

  async save() {
    const result = this.result;
    if (!result || result.saved || result.saving) {
      return;
    }
    result.saving = true;
    this.renderResult();
    this.saveMessage.show(this.i18n.t("analysis.saving_note"), "info");
    try {
      // The parameters of the result on the map, not whatever the form holds now.
      const answer = await this.api.runAnalysis(result.kind, { ...result.params, save: true });
      if (!answer.saved_layer) {
        throw new Error(this.i18n.t("analysis.save_no_layer"));
      }
      await this.onSaved(answer.saved_layer);
      result.saved = { id: answer.saved_layer };
      this.panel.dataset.savedLayer = answer.saved_layer;
    } catch (error) {
      if (error.redirecting) {
        return;
      }
      result.saving = false;
      if (this.result === result) {
        this.saveMessage.error(error);
        this.renderResult();
      }
      return;
    }
    result.saving = false;
    this.setDefinitions();
    if (this.result === result) {
      this.renderResult();
    }
  }

  clear() {
    this.running?.abort();
    this.running = null;
    this.form.setBusy(false);
    this.popupClose();
    this.overlay.clear();
    this.result = null;
    this.resultSection.hidden = true;
    this.showStatus(null);
    this.message.clear();
    this.saveMessage.clear();
    for (const key of ["kind", "drawn", "covered", "uncovered", "unreachable", "savedLayer"]) {
      delete this.panel.dataset[key];
    }
    this.setState("idle");
  }

  showPopup(feature, latlng) {
    const { kind, params } = this.result || {};
    if (!kind) {
      return;
    }
    const definition = resultDefinition({ kind, params, definitions: this.definitions(), i18n: this.i18n });
    this.popup.showFeature({ definition, feature: displayFeature(feature), latlng });
  }

  /** Close the feature popup if it shows a result feature. */
  popupClose() {
    if (this.map.getContainer().querySelector('.feature-popup[data-layer-id^="analysis-"]')) {
      this.map.closePopup();
    }
  }

  relabel() {
    this.relabelShell();
    this.form.render();
    this.overlay.relabel();
    if (this.result) {
      this.renderResult();
    }
    this.showStatus(this.statusInfo);
  }
}
