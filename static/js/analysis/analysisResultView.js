// The result part of the analysis panel: the result's title, its legend and summary (built from its
// kind's declaration), the Save and Clear buttons and the save message.

import { buildResultLegend } from "./analysisLegend.js";
import { buildSummary } from "./analysisSummary.js";
import { el } from "../common/dom.js";
import { FormMessage } from "../common/formMessage.js";

export class AnalysisResultView {
  /**
   * @param {object} options
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(): void} options.onSave
   * @param {function(): void} options.onClear
   */
  constructor({ i18n, onSave, onClear }) {
    this.i18n = i18n;
    this.title = el("h3", { className: "analysis-result-title", attrs: { id: "analysis-result-title" } });
    this.legendSlot = el("div", { className: "analysis-legend-slot" });
    this.summarySlot = el("div", { className: "analysis-summary", attrs: { id: "analysis-summary" } });
    this.saveButton = el("button", { className: "button analysis-save", attrs: { type: "button", id: "analysis-save" } });
    this.clearButton = el("button", { className: "button analysis-clear", attrs: { type: "button", id: "analysis-clear" } });
    const saveLine = el("p", { className: "form-message analysis-save-message",
      attrs: { id: "analysis-save-message", role: "status", hidden: true } });
    this.saveMessage = new FormMessage(saveLine, i18n);
    this.element = el("section", { className: "analysis-result",
      attrs: { id: "analysis-result", hidden: true, "aria-labelledby": "analysis-result-title" } }, [
      this.title,
      this.legendSlot,
      this.summarySlot,
      el("div", { className: "analysis-result-actions" }, [this.saveButton, this.clearButton]),
      saveLine,
    ]);
    this.saveButton.addEventListener("click", onSave);
    this.clearButton.addEventListener("click", onClear);
  }

  /** The buttons' labels in the current language. */
  relabel() {
    this.saveButton.textContent = this.i18n.t("analysis.save");
    this.clearButton.textContent = this.i18n.t("analysis.clear");
  }

  /**
   * Show ``result`` ({kind, params, answer, counts, saving, saved}) of ``kind`` (its declaration), or hide
   * the section when there is none.
   */
  render(result, kind, definitions) {
    if (!result) {
      this.element.hidden = true;
      return;
    }
    const i18n = this.i18n;
    const { params, answer, counts } = result;
    this.title.textContent = i18n.t(kind?.result_title ?? "analysis.title");
    this.legendSlot.replaceChildren(buildResultLegend({ kind, params, counts, definitions, i18n }));
    this.summarySlot.replaceChildren(...buildSummary({ kind, summary: answer.summary, params, definitions, i18n }));
    this.saveButton.disabled = Boolean(result.saved) || result.saving === true;
    this.saveButton.textContent = i18n.t(result.saving ? "analysis.saving" : "analysis.save");
    if (result.saved) {
      const definition = definitions.find((d) => d.id === result.saved.id);
      this.saveMessage.show(i18n.t("analysis.saved", {
        title: definition ? i18n.pick(definition.title, result.saved.id) : result.saved.id }), "success");
    } else if (!result.saving && this.saveMessage.element.dataset.kind !== "error") {
      this.saveMessage.clear();
    }
    this.element.hidden = false;
  }

  hide() {
    this.element.hidden = true;
    this.saveMessage.clear();
  }
}
