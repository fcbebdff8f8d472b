// "规划巡查路线": the open cases of one of my grid cells, or the open cases in my list, ordered into a
// short walk along the project's roads (POST /api/rounds, from the phone's position when known), drawn
// on the map with numbered stops, with its length and the ordered list.

import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";
import { formatDistance } from "./fieldGeo.js";

const MAX_STOPS = 200;

export class FieldRound {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the round view
   * @param {import("../common/api.js").Api} options.api
   * @param {import("./fieldMap.js").FieldMap} options.map
   * @param {import("./fieldGeo.js").Position} options.position
   * @param {Array<string>} options.grids the user's grid cell codes
   * @param {function(string): string} [options.gridName] a cell's name from its code
   * @param {function(): Array<object>} options.openCases the open cases now in the list
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(number): void} options.onOpen
   */
  constructor({ root, api, map, position, grids, openCases, i18n, onOpen, gridName = (code) => code }) {
    this.gridName = gridName;
    this.root = root;
    this.api = api;
    this.map = map;
    this.position = position;
    this.grids = grids;
    this.openCases = openCases;
    this.i18n = i18n;
    this.onOpen = onOpen;
    this.part = (name) => root.querySelector(`[data-part="${name}"]`);
    this.round = null;
  }

  start() {
    this.nameCells();
    if (this.grids.length === 0) {
      this.part("source-grid").disabled = true;
      this.part("source-list").checked = true;
    }
    this.part("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.plan();
    });
    this.part("clear").addEventListener("click", () => this.clear());
    this.part("stops").addEventListener("click", (event) => {
      const row = event.target.closest("[data-case-id]");
      if (row) {
        this.onOpen(Number(row.dataset.caseId));
      }
    });
    this.i18n.onChange(() => this.render());
    return this;
  }

  /** The cells by name (the grid layer may have loaded since the last time). */
  nameCells() {
    const select = this.part("grid");
    const chosen = select.value;
    select.replaceChildren(...this.grids.map((code) => el("option", { text: this.gridName(code),
      attrs: { value: code, title: code } })));
    if (chosen) {
      select.value = chosen;
    }
  }

  open() {
    this.nameCells();
    const count = this.openCases().length;
    this.part("list-count").textContent = this.i18n.t("field.round_from_list", { count });
    this.part("start-note").textContent = this.i18n.t(this.position.lonLat() ? "field.round_from_here"
      : "field.round_no_position");
  }

  say(text, kind) {
    const message = this.part("message");
    message.textContent = text;
    message.hidden = !text;
    if (kind) {
      message.dataset.kind = kind;
    } else {
      delete message.dataset.kind;
    }
  }

  async plan() {
    const body = {};
    if (this.part("source-grid").checked && this.part("grid").value) {
      body.grid = this.part("grid").value;
    } else {
      body.case_ids = this.openCases().slice(0, MAX_STOPS).map((view) => view.id);
      if (body.case_ids.length === 0) {
        this.say(this.i18n.t("field.round_nothing"), "error");
        return;
      }
    }
    const here = this.position.lonLat();
    if (here) {
      body.start = { lon: here[0], lat: here[1] };
    }
    this.say(this.i18n.t("field.round_planning"), "info");
    this.part("submit").disabled = true;
    try {
      this.round = await this.api.send("POST", "/rounds", body);
      this.say("", null);
      this.map.showRound(this.round);
      this.render();
      this.part("result").scrollIntoView({ block: "start" });
    } catch (error) {
      if (!error.redirecting) {
        const offline = error instanceof TypeError;
        this.say(offline ? this.i18n.t("field.round_offline") : this.i18n.errorMessage(error), "error");
      }
    } finally {
      this.part("submit").disabled = false;
    }
  }

  clear() {
    this.round = null;
    this.map.clearRound();
    this.render();
  }

  render() {
    const result = this.part("result");
    if (!this.round) {
      result.hidden = true;
      delete this.root.dataset.stops;
      return;
    }
    const round = this.round;
    const length = formatDistance(this.i18n, round.length_m);
    const key = round.method === "network" ? "field.round_length_network" : "field.round_length_straight";
    this.part("length").textContent = this.i18n.t(key, { length });
    this.part("straight").textContent = round.method === "network" && round.straight_length_m
      ? this.i18n.t("field.round_straight", { length: formatDistance(this.i18n, round.straight_length_m) }) : "";
    this.part("stops").replaceChildren(...round.cases.map((stop, index) => el("li", { className: "fv-row" }, [
      el("button", { className: "fv-case fv-stop-row", attrs: { type: "button" }, dataset: { caseId: stop.id } }, [
        el("span", { className: "fv-stop fv-stop-inline", text: String(index + 1) }),
        categoryIcon(stop.icon, "fv-case-icon"),
        el("span", { className: "fv-case-main" }, [
          el("span", { className: "fv-case-top" }, [
            el("span", { className: "fv-case-name", text: this.i18n.pick(stop.category_name, stop.category) }),
            el("span", { className: `fv-status fv-status-${stop.state_group || "open"}`,
              text: this.i18n.pick(stop.status_label, stop.status) }),
          ]),
          el("span", { className: "fv-case-address", text: stop.address || stop.description || "" }),
        ]),
        el("span", { className: "fv-case-distance", text: `+${formatDistance(this.i18n, stop.leg_m)}` }),
      ]),
    ])));
    result.hidden = false;
    this.root.dataset.stops = String(round.cases.length);
    this.root.dataset.method = round.method;
  }
}
