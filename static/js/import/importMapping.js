// The mapping table of the import page: for each property of the target layer, the file's column it
// comes from (or none) and a value for empty cells. Every change is sent at once; the preview follows.

import { el } from "../common/dom.js";

export class ImportMapping {
  /**
   * @param {object} options
   * @param {HTMLElement} options.body the table body
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(object): void} options.onChange called with {mapping} or {defaults} changes
   */
  constructor({ body, i18n, onChange }) {
    this.body = body;
    this.i18n = i18n;
    this.onChange = onChange;
  }

  /** Render for ``layer`` (its definition) and ``view`` (the preview). */
  render(layer, view) {
    this.body.replaceChildren();
    if (!layer) {
      return;
    }
    for (const [name, spec] of Object.entries(layer.properties || {})) {
      const required = (layer.required || []).includes(name);
      const title = `${this.i18n.pick(spec.title, name)}${required ? " *" : ""}`;
      const select = el("select", { className: "field-input", attrs: { "aria-label": title, "data-property": name } }, [
        el("option", { text: this.i18n.t("import.not_mapped"), attrs: { value: "" } }),
        ...view.columns.map((column) => el("option", { text: column, attrs: { value: column } })),
      ]);
      select.value = view.mapping[name] || "";
      select.addEventListener("change", () => this.onChange({ mapping: { [name]: select.value || null } }));
      const fallback = this.defaultInput(name, spec, view.defaults[name]);
      this.body.append(el("tr", {}, [
        el("th", { attrs: { scope: "row" } }, [el("span", { text: title }), el("code", { className: "field-hint",
          text: ` ${name}` })]),
        el("td", { attrs: { "data-label": this.i18n.t("import.col_source") } }, [select]),
        el("td", { attrs: { "data-label": this.i18n.t("import.col_default") } }, [fallback]),
      ]));
    }
  }

  defaultInput(name, spec, current) {
    const label = this.i18n.t("import.col_default");
    let input;
    if (Array.isArray(spec.enum) || spec.type === "boolean") {
      const values = spec.type === "boolean" ? [true, false] : spec.enum;
      input = el("select", { className: "field-input", attrs: { "aria-label": label, "data-default": name } }, [
        el("option", { text: "—", attrs: { value: "" } }),
        ...values.map((value) => el("option", { text: this.valueLabel(spec, value), attrs: { value: String(value) } })),
      ]);
      input.value = current === undefined || current === null ? "" : String(current);
    } else {
      input = el("input", { className: "field-input", attrs: { type: "text", "aria-label": label, "data-default": name,
        value: current ?? "" } });
    }
    input.addEventListener("change", () => {
      this.onChange({ defaults: { [name]: this.parse(spec, input.value) } });
    });
    return input;
  }

  valueLabel(spec, value) {
    const labels = spec.enum_labels || {};
    const label = labels[String(value)];
    if (label) {
      return `${this.i18n.pick(label, String(value))} (${value})`;
    }
    if (spec.type === "boolean") {
      return this.i18n.t(value ? "import.yes" : "import.no");
    }
    return String(value);
  }

  parse(spec, text) {
    if (text === "") {
      return null;
    }
    if (spec.type === "boolean") {
      return text === "true";
    }
    if (spec.type === "integer" || spec.type === "number") {
      const value = Number(text);
      return Number.isFinite(value) ? value : text;
    }
    return text;
  }
}
