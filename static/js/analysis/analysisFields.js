// Form fields of the analysis panel: a labelled select, number, radio group and checkbox, each calling
// back with its value as the user changes it. Text goes in through textContent only.

import { el } from "../common/dom.js";

/** A <select> with a label: options [{value, text}]; ``onChange(value)``. */
export function selectField({ id, label, options, value, onChange, hint }) {
  const select = el("select", { className: "field-input analysis-select", attrs: { id, name: id } },
    options.map((option) => el("option", { text: option.text, attrs: { value: option.value } })));
  select.value = value ?? "";
  select.addEventListener("change", () => onChange(select.value));
  return el("label", { className: "field analysis-field", attrs: { for: id } }, [
    el("span", { className: "field-label", text: label }),
    select,
    hint ? el("span", { className: "field-hint", text: hint }) : null,
  ]);
}

/** A number input with a label (naming the unit); ``onInput(number|null)`` (null when empty or not a number). */
export function numberField({ id, label, value, min, max, step = "any", onInput, hint, className = "" }) {
  const input = el("input", {
    className: "field-input analysis-number",
    attrs: { id, name: id, type: "number", inputmode: "decimal", min, max, step, required: true },
  });
  input.value = value === null || value === undefined ? "" : String(value);
  input.addEventListener("input", () => {
    const number = input.value.trim() === "" ? null : Number(input.value);
    onInput(Number.isFinite(number) ? number : null);
  });
  return el("label", { className: `field analysis-field ${className}`.trim(), attrs: { for: id } }, [
    el("span", { className: "field-label", text: label }),
    input,
    hint ? el("span", { className: "field-hint", text: hint }) : null,
  ]);
}

/** Radio buttons in a fieldset: options [{value, text}]; ``onChange(value)``. */
export function radioField({ name, legend, options, value, onChange }) {
  return el("fieldset", { className: "field analysis-field analysis-radios" }, [
    el("legend", { className: "field-label", text: legend }),
    el("div", { className: "analysis-radio-row" }, options.map((option) => {
      const id = `${name}-${option.value}`;
      const input = el("input", { attrs: { type: "radio", name, id, value: option.value } });
      input.checked = option.value === value;
      input.addEventListener("change", () => {
        if (input.checked) {
          onChange(option.value);
        }
      });
      return el("label", { className: "analysis-radio", attrs: { for: id } }, [
        input, el("span", { text: option.text }),
      ]);
    })),
  ]);
}

/** A checkbox with its label; ``onChange(boolean)``. */
export function checkField({ id, label, checked, onChange }) {
  const input = el("input", { attrs: { type: "checkbox", id, name: id } });
  input.checked = Boolean(checked);
  input.addEventListener("change", () => onChange(input.checked));
  return el("label", { className: "check-field analysis-check", attrs: { for: id } }, [
    input, el("span", { text: label }),
  ]);
}
