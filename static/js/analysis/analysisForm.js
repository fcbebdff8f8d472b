// The analysis panel's form: which analysis, and its parameters, built from the kinds' declarations
// (GET /api/analysis/kinds): each form parameter in its declared order with its label, range, default and
// presets. Kinds that declare the same ``values`` group share their values (coverage and proposed sites),
// and values survive re-renders (language switches, new layers).

import { selectField } from "./analysisFields.js";
import { defaultLayer, paramControl } from "./analysisFormFields.js";
import { formParams, variantFor } from "./analysisKinds.js";
import { defaultRadius, gapPresets } from "./analysisPresets.js";
import { el } from "../common/dom.js";

export class AnalysisForm {
  /**
   * @param {object} options
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<object>} options.definitions the layers (facility, target and point layers to offer)
   * @param {function(): void} options.onSubmit the Run button was pressed
   */
  constructor({ i18n, definitions, onSubmit }) {
    this.i18n = i18n;
    this.definitions = definitions;
    this.kinds = [];
    this.presets = null;
    this.kind = null;
    this.values = null;
    this.busy = false;
    this.form = el("form", { className: "analysis-form", attrs: { id: "analysis-form", novalidate: true } });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.busy) {
        onSubmit();
      }
    });
  }

  get element() {
    return this.form;
  }

  /** The declaration of the chosen kind. */
  get declaration() {
    return this.kinds.find((kind) => kind.id === this.kind) ?? null;
  }

  /** The kinds' declarations and the presets arrived: fill in every default and show the form. */
  setKinds(kinds, presets) {
    this.kinds = kinds;
    this.presets = presets;
    this.kind = this.kind ?? kinds[0]?.id ?? null;
    this.values = this.defaults();
    this.render();
  }

  /** The layer list changed (a result was saved): offer the new layers, keep what was chosen. */
  setDefinitions(definitions) {
    this.definitions = definitions;
    if (this.values) {
      this.render();
    }
  }

  setBusy(busy) {
    this.busy = busy;
    const run = this.form.querySelector("#analysis-run");
    if (run) {
      run.disabled = busy;
      run.textContent = this.i18n.t(busy ? "analysis.running_button" : "analysis.run");
      run.setAttribute("aria-busy", String(busy));
    }
  }

  /** The values the form starts with, by group: layers by role, distances from the presets. */
  defaults() {
    const values = {};
    for (const kind of this.kinds) {
      values[kind.values] ??= {};
      const group = values[kind.values];
      for (const param of formParams(kind)) {
        if (!(param.name in group)) {
          group[param.name] = this.defaultValue(kind, param, group);
        }
      }
    }
    return values;
  }

  defaultValue(kind, param, group) {
    if (param.type === "layer") {
      return defaultLayer(kind, param, this.definitions);
    }
    if (param.type === "thresholds") {
      return gapPresets(this.presets, variantFor(kind, group, this.definitions)?.presets).thresholds;
    }
    if (param.presets === "service_distance") {
      return defaultRadius(this.presets, group[param.presets_of]) ?? param.form_default;
    }
    return param.form_default ?? param.default ?? null;
  }

  /** The group of values of the chosen kind. */
  group() {
    return this.values[this.declaration.values];
  }

  /** The request body of the chosen analysis: every form parameter (an empty optional one left out). */
  params() {
    const values = this.group();
    const body = {};
    for (const param of formParams(this.declaration)) {
      const value = values[param.name];
      if (param.nullable && value === null) {
        continue;
      }
      body[param.name] = param.type === "thresholds" ? { ...value } : value;
    }
    return body;
  }

  /** The first field that cannot be sent as it is: {id, text}, or null when the form is complete. */
  problem() {
    const t = (key, params) => this.i18n.t(key, params);
    const needPositive = (id, value, labelKey) => (value === null || !(value > 0)
      ? { id, text: t("analysis.need_number", { field: t(labelKey) }) } : null);
    if (!this.values) {
      return { id: "analysis-kind", text: t("analysis.presets_loading") };
    }
    const values = this.group();
    for (const param of formParams(this.declaration)) {
      const id = `analysis-${param.input}`;
      const value = values[param.name];
      let problem = null;
      if (param.type === "thresholds") {
        problem = Object.entries(value).map(([cls, v]) => needPositive(`${id}-${cls}`, v, param.label)).find(Boolean);
      } else if (param.type === "integer" && param.nullable) {
        problem = value === null || (Number.isInteger(value) && value >= param.low) ? null
          : { id, text: t(param.problem ?? "analysis.need_number", { field: t(param.label) }) };
      } else if (param.type === "number" || param.type === "integer") {
        problem = needPositive(id, value, param.label);
      }
      if (problem) {
        return problem;
      }
    }
    return null;
  }

  /** A layer parameter changed: presets and texts that follow its layer start again from its defaults. */
  changeLayer(param, layerId) {
    const kind = this.declaration;
    const values = this.group();
    values[param.name] = layerId;
    for (const other of formParams(kind)) {
      if (other.presets_of !== param.name) {
        continue;
      }
      // A facility without a preset distance keeps the distance typed so far.
      const value = other.type === "thresholds" ? this.defaultValue(kind, other, values)
        : defaultRadius(this.presets, layerId);
      if (value !== null) {
        values[other.name] = value;
      }
    }
    this.render();
  }

  /** Rebuild the form in the current language from this.values. */
  render() {
    const t = (key, params) => this.i18n.t(key, params);
    const focused = this.form.contains(document.activeElement) ? document.activeElement.id : null;
    const kind = this.declaration;
    if (!this.values || !kind) {
      this.form.replaceChildren(el("p", { className: "analysis-loading", text: t("analysis.presets_loading") }));
      return;
    }
    const kindSelect = selectField({
      id: "analysis-kind",
      label: t("analysis.field.kind"),
      options: this.kinds.map((k) => ({ value: k.id, text: t(k.title) })),
      value: this.kind,
      onChange: (id) => {
        this.kind = id;
        this.render();
      },
    });
    const values = this.group();
    const context = {
      kind, values, definitions: this.definitions, presets: this.presets, i18n: this.i18n,
      variant: variantFor(kind, values, this.definitions),
      gapPresets: (key) => gapPresets(this.presets, key),
      onLayerChange: (param, layerId) => this.changeLayer(param, layerId),
    };
    const run = el("button", { className: "button button-primary analysis-run", text: t("analysis.run"),
      attrs: { type: "submit", id: "analysis-run" } });
    this.form.dataset.kind = this.kind;
    this.form.replaceChildren(
      kindSelect,
      el("p", { className: "field-hint analysis-kind-hint", text: t(kind.hint) }),
      ...formParams(kind).flatMap((param) => paramControl({ ...context, param })),
      el("div", { className: "analysis-actions" }, [run]),
    );
    this.setBusy(this.busy);
    if (focused) {
      this.form.querySelector(`#${CSS.escape(focused)}`)?.focus();
    }
  }
}
