// What the phone has not sent yet and whether the server can be reached: the app bar's "待同步 3" badge
// (tapping it tries to send now) and a line under the bar when offline (the outbox's last request found no
// connection, or nothing is known and the browser says so) or when the list shows stored data.

export class SyncStatus {
  /**
   * @param {object} options
   * @param {HTMLButtonElement} options.badge
   * @param {HTMLElement} options.line the offline / stored-data line
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("./fieldCases.js").CaseBook} options.book
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone
   */
  constructor({ badge, line, outbox, book, i18n, timeZone }) {
    this.badge = badge;
    this.line = line;
    this.outbox = outbox;
    this.book = book;
    this.i18n = i18n;
    this.timeZone = timeZone;
  }

  start() {
    this.badge.addEventListener("click", () => this.outbox.flush());
    const render = () => this.render();
    this.outbox.onChange(render);
    this.book.onChange(render);
    this.i18n.onChange(render);
    globalThis.addEventListener("online", render);
    globalThis.addEventListener("offline", render);
    this.render();
    return this;
  }

  render() {
    const count = this.outbox.items.length;
    const aside = this.outbox.setAside().length;
    this.badge.dataset.count = String(count);
    this.badge.hidden = count === 0;
    this.badge.classList.toggle("has-conflict", aside > 0);
    this.badge.textContent = this.i18n.t("field.unsent", { count });
    this.badge.title = this.i18n.t("field.unsent_hint");
    const offline = this.outbox.offline();
    let text = "";
    if (this.outbox.authLost) {
      text = this.i18n.t("field.login_again");
    } else if (offline) {
      text = this.i18n.t("field.offline");
    } else if (this.book.listCachedAt !== null) {
      text = this.i18n.t("field.stored_data", { at: this.book.listCachedAt
        ? this.i18n.formatDateTime(this.book.listCachedAt, this.timeZone, { timeStyle: "short" }) : "" });
    }
    if (!this.outbox.persistent && count > 0) {
      text = [text, this.i18n.t("field.memory_only")].filter(Boolean).join(" ");
    }
    this.line.textContent = text;
    this.line.hidden = !text;
    this.line.dataset.offline = String(offline);
  }
}
