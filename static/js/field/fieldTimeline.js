// A case's history, newest first: its transitions (from → to, when, by whom, note) and notes from the
// server, with the outbox's unsent changes of the case on top (待同步).

import { el } from "../common/dom.js";
import { describeWrite } from "./fieldWrites.js";
import { DATE_TIME } from "./fieldDeadline.js";

export class FieldTimeline {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container an <ol>
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {object} options.workflow /api/workflow
   * @param {string} options.timeZone
   */
  constructor({ container, i18n, workflow, timeZone }) {
    this.container = container;
    this.i18n = i18n;
    this.workflow = workflow;
    this.timeZone = timeZone;
  }

  label(status) {
    return status ? this.i18n.pick(this.workflow.states[status]?.label, status) : "";
  }

  render(view) {
    const entries = [
      ...(view.transitions || []).map((step) => ({ ...step, type: "transition" })),
      ...(view.notes || []).map((note) => ({ ...note, type: "note" })),
    ].sort((a, b) => b.version - a.version);
    const rows = view.pendingItems.slice().reverse().map((item) => el("li", { className: "fv-event is-pending" }, [
      el("span", { className: "fv-event-what", text: describeWrite(item, this.i18n, this.workflow) }),
      el("span", { className: "fv-badge fv-badge-pending", text: this.i18n.t("field.pending") }),
    ]));
    for (const entry of entries) {
      let what;
      if (entry.type === "note") {
        what = this.i18n.t("field.event_note");
      } else if (entry.from) {
        what = `${this.label(entry.from)} → ${this.label(entry.to)}`;
      } else {
        what = this.label(entry.to) || this.i18n.t("field.event_deleted");
      }
      rows.push(el("li", { className: `fv-event fv-event-${entry.type}`, dataset: { version: entry.version } }, [
        el("span", { className: "fv-event-what", text: what }),
        el("span", { className: "fv-event-meta", text: `${this.i18n.formatDateTime(entry.at, this.timeZone,
          DATE_TIME)} · ${entry.by_name || entry.by || ""}` }),
        entry.note ? el("span", { className: "fv-event-note", text: entry.note }) : null,
      ]));
    }
    if (rows.length === 0) {
      rows.push(el("li", { className: "fv-event fv-event-none", text: view.isDetail
        ? this.i18n.t("field.history_none") : this.i18n.t("field.history_offline") }));
    }
    this.container.replaceChildren(...rows);
  }
}
