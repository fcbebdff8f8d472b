// Drawing a new round (planners and administrators): area, checklist, sample size or precision, seed, kind of
// round and inspectors, posted to POST /api/inspections; and closing the round on screen. Refusals show the
// server's message and the fields it names.

import { el } from "../common/dom.js";
import { hasPermission } from "../common/session.js";

const MODE_WORDS = { monthly: "scores.mode_monthly", quarterly: "scores.mode_quarterly",
  spot_check: "scores.mode_spot_check" };

function option(value, text) {
  return el("option", { text, attrs: { value } });
}

export class RoundForm {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the <details> holding the form
   * @param {object} options.api
   * @param {object} options.i18n
   * @param {object} options.user the session's user
   * @param {Array<object>} options.checklists from GET /api/checklists
   * @param {Array<object>} options.cells grid cells ({code, name})
   * @param {function(object): Promise} options.onCreated called with the new round
   */
  constructor({ root, api, i18n, user, checklists, cells, onCreated }) {
    Object.assign(this, { root, api, i18n, user, checklists, cells, onCreated });
    this.message = root.querySelector("[data-part=message]");
  }

  start() {
    this.root.hidden = !hasPermission(this.user, "cases.dispatch");
    const field = (name) => this.root.querySelector(`[name=${name}]`);
    const areas = new Set();
    for (const cell of this.cells) {
      areas.add(cell.code.slice(0, 12));
      areas.add(cell.code);
    }
    field("area").replaceChildren(...[...areas].sort().map((code) => option(code,
      this.cells.find((cell) => cell.code === code)?.name || code)));
    field("checklist").replaceChildren(...this.checklists.map((c) => option(c.code, this.i18n.pick(c.title))));
    field("mode").replaceChildren(...Object.entries(MODE_WORDS).map(([mode, key]) => option(mode, this.i18n.t(key))));
    this.root.querySelector("[data-part=send]").addEventListener("click", () => this.send(field));
    return this;
  }

  async send(field) {
    const size = Number(field("size").value);
    const body = { area: field("area").value, checklist: field("checklist").value, mode: field("mode").value,
      sample: field("by").value === "precision" ? { precision: size } : { count: Math.round(size) } };
    if (field("seed").value.trim()) {
      body.seed = Number(field("seed").value);
    }
    const names = field("inspectors").value.split(/[,，\s]+/).filter(Boolean);
    if (names.length) {
      body.inspectors = names;
    }
    this.message.textContent = "";
    try {
      const created = await this.api.send("POST", "/inspections", body);
      await this.onCreated(created); // the page shows the new round first
      this.message.textContent = this.i18n.t("scores.created", { id: created.id, drawn: created.drawn });
    } catch (error) {
      const fields = (error.details || []).map((d) => `${d.field}: ${d.reason}`).join("; ");
      this.message.textContent = `${this.i18n.errorMessage(error)} ${fields}`;
    }
  }
}
