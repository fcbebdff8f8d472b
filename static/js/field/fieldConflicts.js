// Writes the server refused, set aside by the outbox: a conflict (412: someone else changed the case
// meanwhile; 409: the step is no longer allowed) shows what the user wanted and the case as the server
// has it now, with a choice to discard the queued change or re-apply it on the current version; other
// refusals show the server's message with "discard" or "try again".

import { el } from "../common/dom.js";
import { describeWrite } from "./fieldWrites.js";
import { DATE_TIME } from "./fieldDeadline.js";

export class FieldConflicts {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("./fieldCases.js").CaseBook} options.book
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {object} options.workflow
   * @param {string} options.timeZone
   * @param {function(number): void} options.onOpen
   */
  constructor({ container, outbox, book, i18n, workflow, timeZone, onOpen }) {
    this.container = container;
    this.outbox = outbox;
    this.book = book;
    this.i18n = i18n;
    this.workflow = workflow;
    this.timeZone = timeZone;
    this.onOpen = onOpen;
    this.seen = new Set();
  }

  start() {
    this.outbox.onChange(() => this.render());
    this.i18n.onChange(() => this.render());
    this.container.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) {
        return;
      }
      const id = Number(button.closest("[data-outbox-id]").dataset.outboxId);
      if (button.dataset.action === "discard") {
        this.outbox.discard(id);
      } else if (button.dataset.action === "reapply") {
        this.reapply(id);
      } else if (button.dataset.action === "open") {
        this.onOpen(Number(button.dataset.caseId));
      }
    });
    this.render();
    return this;
  }

  async reapply(id) {
    const item = this.outbox.find(id);
    if (!item) {
      return;
    }
    let etag = item.current?.etag ?? null;
    if (item.caseId) {
      try {
        etag = (await this.book.loadDetail(item.caseId)).etag ?? etag;
      } catch {
        etag = etag ?? this.book.etagOf(item.caseId); // offline: the newest version known here
      }
    }
    await this.outbox.reapply(id, item.etag ? etag : null);
  }

  render() {
    const aside = this.outbox.setAside();
    for (const item of aside) {
      if (!this.seen.has(item.id) && item.caseId) {
        this.seen.add(item.id);
        this.book.loadDetail(item.caseId).catch(() => {}); // show the case as it is now
      }
    }
    this.container.hidden = aside.length === 0;
    this.container.dataset.count = String(aside.length);
    this.container.replaceChildren(...aside.map((item) => this.card(item)));
  }

  card(item) {
    const t = (key, params) => this.i18n.t(key, params);
    const conflict = item.state === "conflict";
    const title = conflict
      ? (item.error?.status === 412 ? t("field.conflict_title") : t("field.conflict_not_allowed"))
      : t("field.failed_title");
    const server = this.i18n.lang === "zh-CN" ? (item.error?.message_zh || item.error?.message)
      : (item.error?.message || item.error?.message_zh);
    const view = item.caseId ? this.book.view(item.caseId) : null;
    const current = item.current || (view && view.isDetail ? view : null);
    const children = [
      el("h3", { className: "fv-conflict-title", text: title }),
      el("p", { className: "fv-conflict-what", text: item.caseId
        ? t("field.conflict_mine", { id: item.caseId, what: describeWrite(item, this.i18n, this.workflow) })
        : describeWrite(item, this.i18n, this.workflow) }),
      server ? el("p", { className: "fv-conflict-server", text: server }) : null,
    ];
    if (current) {
      const when = current.updated_at ? this.i18n.formatDateTime(current.updated_at, this.timeZone, DATE_TIME) : "";
      children.push(el("p", { className: "fv-conflict-current", dataset: { status: current.status } },
        [t("field.conflict_now", { status: this.i18n.pick(current.status_label, current.status),
          by: current.updated_by || "", at: when })]));
      if (current.note) {
        children.push(el("p", { className: "fv-conflict-note", text: t("field.write_note", { note: current.note }) }));
      }
    }
    children.push(el("div", { className: "fv-conflict-actions" }, [
      el("button", { className: "button", text: t("field.discard"), attrs: { type: "button" },
        dataset: { action: "discard" } }),
      el("button", { className: "button button-primary", text: conflict ? t("field.reapply") : t("field.retry"),
        attrs: { type: "button" }, dataset: { action: "reapply" } }),
      item.caseId ? el("button", { className: "button", text: t("field.open_case"), attrs: { type: "button" },
        dataset: { action: "open", caseId: item.caseId } }) : null,
    ]));
    return el("section", { className: `fv-conflict fv-conflict-${item.state}`, dataset: { outboxId: item.id,
      caseId: item.caseId ?? "", status: item.error?.status ?? "" } }, children);
  }
}
