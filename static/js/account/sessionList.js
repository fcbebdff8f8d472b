// The user's own browser sessions (GET /api/me/sessions): where and in which browser each started and
// when, "this device" for the current one, "log out" for any other (DELETE /api/me/sessions/{id}) and
// "log out everywhere" (DELETE /api/me/sessions, after a second click to confirm), which ends this session too.

import { el } from "../common/dom.js";
import { FormMessage } from "../common/formMessage.js";
import { loginUrl } from "../common/session.js";

const CONFIRM_MS = 5000;
const SHORT = { dateStyle: "short", timeStyle: "short" };

/** A short name for a browser from its User-Agent: enough to tell a phone from a desk. */
export function deviceName(agent, t) {
  const text = String(agent || "");
  const known = [
    [/MicroMessenger/i, "account.device_wechat"],
    [/iPhone|iPad/i, "account.device_ios"],
    [/Android/i, "account.device_android"],
    [/Windows/i, "account.device_windows"],
    [/Macintosh|Mac OS X/i, "account.device_mac"],
    [/Linux|X11/i, "account.device_linux"],
  ];
  const found = known.find(([pattern]) => pattern.test(text));
  return found ? t(found[1]) : t("account.device_unknown");
}

export class SessionList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list
   * @param {HTMLButtonElement} options.logoutAll
   * @param {HTMLElement} options.message
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone
   */
  constructor({ list, logoutAll, message, api, i18n, timeZone }) {
    this.list = list;
    this.logoutAll = logoutAll;
    this.api = api;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.message = new FormMessage(message, i18n);
    this.sessions = [];
    logoutAll.addEventListener("click", () => this.endAll());
    i18n.onChange(() => this.render());
  }

  async load() {
    this.sessions = (await this.api.sessions()).sessions;
    this.render();
  }

  when(us) {
    return this.i18n.formatDateTime(Number(us) / 1000, this.timeZone, SHORT);
  }

  render() {
    const t = (key, params) => this.i18n.t(key, params);
    this.list.replaceChildren(...this.sessions.map((session) => {
      const facts = [deviceName(session.agent, t), session.ip || "—", t("account.since", { when: this.when(session.created_at) })];
      const children = [
        el("span", { className: "token-label", text: facts[0] }),
        el("span", { className: "token-facts muted", text: facts.slice(1).join(" · ") }),
      ];
      if (session.current) {
        children.push(el("span", { className: "session-current", text: t("account.this_device") }));
      } else {
        const end = el("button", { className: "button button-small", text: t("account.end_session"),
          attrs: { type: "button" }, dataset: { end: session.id } });
        end.addEventListener("click", () => this.end(session, end));
        children.push(end);
      }
      return el("li", { className: "token-item", attrs: { title: session.agent || "" },
        dataset: { session: session.id, current: session.current ? "1" : "0" } }, children);
    }));
  }

  async end(session, button) {
    button.disabled = true;
    this.message.clear();
    try {
      await this.api.endSession(session.id);
    } catch (error) {
      button.disabled = false;
      if (!error.redirecting) {
        this.message.error(error);
      }
      return;
    }
    this.message.show(this.i18n.t("account.session_ended"), "success");
    await this.load();
  }

  async endAll() {
    const button = this.logoutAll;
    if (button.dataset.confirm !== "1") {
      button.dataset.confirm = "1";
      button.textContent = this.i18n.t("account.logout_all_confirm");
      setTimeout(() => {
        if (button.dataset.confirm === "1") {
          delete button.dataset.confirm;
          button.textContent = this.i18n.t("account.logout_all");
        }
      }, CONFIRM_MS);
      return;
    }
    button.disabled = true;
    try {
      await this.api.endAllSessions();
    } catch (error) {
      button.disabled = false;
      if (!error.redirecting) {
        this.message.error(error);
      }
      return;
    }
    globalThis.location.assign(loginUrl("/account", "logged_out"));
  }
}
