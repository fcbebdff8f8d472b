// The form for one drawn place: every checklist item that applies to it (grade buttons, yes/no, a count or
// a number), an optional photo, and a send button. The values are read once, when sent.

import { el } from "../common/dom.js";

/** The items of ``checklist`` that apply to a place of ``layer``. */
export function applicable(checklist, layer) {
  return checklist.items.filter((item) => (item.applies_to || checklist.unit.layers).includes(layer));
}

function choice(name, value, label, checked) {
  const input = el("input", { attrs: { type: "radio", name, value, checked } });
  return el("label", { className: "ins-choice" }, [input, el("span", { text: label })]);
}

function control(item, i18n, grades) {
  const name = `item-${item.code}`;
  const answer = item.answer;
  if (answer.type === "grade") {
    return Object.keys(answer.points).map((grade) => choice(name, grade,
      `${grade} ${i18n.pick(grades[grade] || {}, "")}`, false));
  }
  if (answer.type === "yes_no") {
    return [choice(name, "true", i18n.t("inspect.yes"), false), choice(name, "false", i18n.t("inspect.no"), false)];
  }
  const attrs = { type: "number", name, inputmode: "numeric", min: answer.type === "count" ? 0 : answer.min,
    max: answer.max, step: answer.type === "count" ? 1 : "any", value: answer.type === "count" ? 0 : "" };
  return [el("input", { className: "ins-number", attrs })];
}

export class PlaceForm {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the form's container
   * @param {object} options.i18n
   * @param {object} options.grades grade labels from GET /api/checklists
   */
  constructor({ root, i18n, grades }) {
    this.root = root;
    this.i18n = i18n;
    this.grades = grades;
    this.fields = root.querySelector("[data-part=fields]");
    this.title = root.querySelector("[data-part=title]");
    this.photo = root.querySelector("[data-part=photo]");
    this.message = root.querySelector("[data-part=message]");
    this.items = [];
  }

  /** Show the form of ``place`` (an item of the round) for ``checklist``. */
  show(place, checklist) {
    this.items = applicable(checklist, place.ref.layer);
    this.title.textContent = `${place.id}. ${place.ref.name || ""} · ${place.ref.class}`;
    this.fields.replaceChildren(...this.items.map((item) => el("fieldset", { className: "ins-item",
      dataset: { code: item.code } }, [el("legend", { text: this.i18n.pick(item.text) }),
      ...control(item, this.i18n, this.grades)])));
    this.photo.value = "";
    this.message.textContent = "";
    this.root.hidden = false;
    this.root.dataset.item = String(place.id);
  }

  hide() {
    this.root.hidden = true;
  }

  /** ``{code: value}`` of every item, or null (and a message) when one is not answered. */
  values() {
    const out = {};
    for (const item of this.items) {
      const box = this.fields.querySelector(`[data-code="${item.code}"]`);
      if (item.answer.type === "grade" || item.answer.type === "yes_no") {
        const picked = box.querySelector("input:checked");
        if (!picked) {
          this.message.textContent = this.i18n.t("inspect.missing", { item: this.i18n.pick(item.text) });
          return null;
        }
        out[item.code] = item.answer.type === "grade" ? picked.value : picked.value === "true";
      } else {
        const number = Number(box.querySelector("input").value);
        if (box.querySelector("input").value === "" || !Number.isFinite(number)) {
          this.message.textContent = this.i18n.t("inspect.missing", { item: this.i18n.pick(item.text) });
          return null;
        }
        out[item.code] = number;
      }
    }
    return out;
  }

  /** The photo chosen, if any. */
  file() {
    return this.photo.files && this.photo.files[0] ? this.photo.files[0] : null;
  }
}
