// The planner's analysis panel (permission analysis.run): choose an analysis and its parameters, run it
// (with progress, and the server's refusals in the current language), see the result drawn over the map
// with a legend and a summary, save it as a layer, clear it. Beside the map on a wide screen; a bottom
// sheet on a phone. The panel's state is in data attributes for tests (data-state, data-kind, ...).

import { fitInView } from "./analysisFit.js";
import { AnalysisForm } from "./analysisForm.js";
import { kindById } from "./analysisKinds.js";
import { errorText, statusContent } from "./analysisMessages.js";
import { AnalysisOverlay } from "./analysisOverlay.js";
import { displayFeature, resultDefinition } from "./analysisProperties.js";
import { AnalysisResultView } from "./analysisResultView.js";
import { el } from "../common/dom.js";
import { FormMessage } from "../common/formMessage.js";

const NARROW = "(max-width: 640px)";

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
   * @param {object} options.declarations the analysis kinds (GET /api/analysis/kinds: {kinds, properties})
   * @param {function(string): Promise<void>} options.onSaved a result was saved as layer ``id``: reload the layers
   * @param {function(): void} [options.onOpen] the panel is opening (the page may close the layer panel)
   * @param {function(): void} [options.onLayoutChange] the map area changed size
   */
  constructor({ panel, toggle, body, map, renderer, api, i18n, popup, definitions, declarations, onSaved,
    onOpen = () => {}, onLayoutChange = () => {} }) {
    this.panel = panel;
    this.toggle = toggle;
    this.body = body;
    this.map = map;
    this.api = api;
    this.i18n = i18n;
    this.popup = popup;
    this.definitions = definitions;
    this.declarations = declarations;
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
    this.resultView = new AnalysisResultView({ i18n, onSave: () => this.save(), onClear: () => this.clear() });
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
    this.content = el("div", { className: "analysis-content", attrs: { id: "analysis-content" } },
      [this.form.element, this.status, messageLine, this.resultView.element]);
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
    this.resultView.relabel();
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
      this.form.setKinds(this.declarations.kinds, await this.api.analysisPresets());
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
    const declaration = this.form.declaration;
    const params = this.form.params();
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.setState("running");
    this.panel.dataset.kind = kind;
    this.form.setBusy(true);
    this.showStatus({ running: declaration });
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
      this.showError(error, declaration);
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

  /** The status line: {running: kind declaration} (a spinner), {seconds} (how long the run took), or null. */
  showStatus(status) {
    this.statusInfo = status;
    this.status.hidden = !status;
    this.status.replaceChildren(...(status ? statusContent(status, this.i18n) : []));
  }

  /** The server's refusal in the current language, with each refused parameter named as in the form. */
  showError(error, declaration) {
    this.message.show(errorText(error, declaration, this.i18n), "error");
    this.message.element.dataset.code = error?.code || "error";
  }

  /** The declaration of the kind of the result shown. */
  resultKind() {
    return this.result ? kindById(this.declarations, this.result.kind) : null;
  }

  draw() {
    const { kind, params, answer } = this.result;
    const declaration = this.resultKind();
    this.popupClose();
    this.result.counts = this.overlay.show(declaration, answer, params);
    const counts = this.result.counts;
    this.panel.dataset.kind = kind;
    this.panel.dataset.drawn = String(counts.drawn ?? 0);
    this.countKeys = declaration?.result?.counted ? declaration.result.classes.map((c) => c.id) : [];
    for (const key of this.countKeys) {
      this.panel.dataset[key] = String(counts[key]);
    }
    delete this.panel.dataset.savedLayer;
    this.renderResult();
    this.fit();
  }

  /** Forget the data attributes of the last result's counted classes. */
  dropCounts() {
    for (const key of this.countKeys || []) {
      delete this.panel.dataset[key];
    }
    this.countKeys = [];
  }

  renderResult() {
    this.resultView.render(this.result, this.resultKind(), this.definitions());
  }

  /** Bring the whole result into view (the part of the map not under the sheet) when it is not already. */
  fit({ always = false } = {}) {
    const covered = this.query.matches && this.isOpen() ? this.panel.getBoundingClientRect().height : 0;
    fitInView(this.map, this.overlay.bounds(), { covered, always });
  }

  async save() {
    const result = this.result;
    if (!result || result.saved || result.saving) {
      return;
    }
    result.saving = true;
    this.renderResult();
    this.resultView.saveMessage.show(this.i18n.t("analysis.saving_note"), "info");
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
        this.resultView.saveMessage.error(error);
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
    this.resultView.hide();
    this.showStatus(null);
    this.message.clear();
    this.dropCounts();
    for (const key of ["kind", "drawn", "savedLayer"]) {
      delete this.panel.dataset[key];
    }
    this.setState("idle");
  }

  showPopup(feature, latlng) {
    const { kind, params } = this.result || {};
    if (!kind) {
      return;
    }
    const definition = resultDefinition({ declarations: this.declarations, kind, params,
      definitions: this.definitions(), i18n: this.i18n });
    this.popup.showFeature({ definition, feature: displayFeature(feature, this.declarations?.properties), latlng });
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
