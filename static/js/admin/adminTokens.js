// A user's API tokens in the user editor: the list (label, created, last used, revoked), "create"
// (POST /api/users/{name}/tokens, confirmed with the administrator's own password; the secret is shown this
// once, with a copy button) and "revoke"
// (DELETE /api/tokens/{id}, after a second click to confirm).

import { el } from "../common/dom.js";
import { FormMessage } from "../common/formMessage.js";

const CONFIRM_MS = 5000;
const SHORT = { dateStyle: "short", timeStyle: "short" };

/** Microseconds since the epoch (the API's account times) as a Date's milliseconds. */
export function microsToMillis(us) {
  return Number(us) / 1000;
}

export class TokenPanel {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the editor's token section (holds the elements named below)
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone
   * @param {function(): Promise<void>} options.onChanged reload the users after a change
   */
  constructor({ root, api, i18n, timeZone, onChanged }) {
    this.api = api;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.onChanged = onChanged;
    this.list = root.querySelector("#token-list");
    this.form = root.querySelector("#token-form");
    this.label = root.querySelector("#token-label");
    this.password = root.querySelector("#token-password");
    this.createButton = root.querySelector("#token-create");
    this.secretBox = root.querySelector("#token-secret");
    this.secretValue = root.querySelector("#token-secret-value");
    this.copyStatus = root.querySelector("#token-copy-status");
    this.message = new FormMessage(root.querySelector("#token-message"), i18n);
    this.user = null;
    this.lastError = null;
    root.querySelector("#token-copy").addEventListener("click", () => this.copy());
    root.querySelector("#token-secret-done").addEventListener("click", () => this.hideSecret());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    i18n.onChange(() => {
      this.render();
      if (this.lastError) {
        this.message.error(this.lastError);
      }
    });
  }

  /** Show ``user``'s tokens (a fresh record after a reload keeps the secret box as it is). */
  show(user, { fresh = false } = {}) {
    if (fresh) {
      this.hideSecret();
      this.message.clear();
      this.lastError = null;
      this.form.reset();
    }
    this.user = user;
    this.render();
  }

  when(us) {
    return this.i18n.formatDateTime(microsToMillis(us), this.timeZone, SHORT);
  }

  render() {
    if (!this.user) {
      return;
    }
    const t = (key, params) => this.i18n.t(key, params);
    const tokens = [...this.user.tokens].sort((a, b) => Boolean(a.revoked_at) - Boolean(b.revoked_at) || b.id - a.id);
    if (!tokens.length) {
      this.list.replaceChildren(el("li", { className: "token-empty muted", text: t("token.none") }));
      return;
    }
    this.list.replaceChildren(...tokens.map((token) => {
      const facts = [t("token.created", { when: this.when(token.created_at) }),
        token.last_used_at ? t("token.last_used", { when: this.when(token.last_used_at) }) : t("token.never_used")];
      let action;
      if (token.revoked_at) {
        action = el("span", { className: "tag tag-off", text: t("token.revoked", { when: this.when(token.revoked_at) }) });
      } else {
        action = el("button", { className: "button button-small button-danger", text: t("token.revoke"),
          attrs: { type: "button", "data-revoke": token.id } });
        action.addEventListener("click", () => this.revoke(token, action));
      }
      return el("li", { className: token.revoked_at ? "token-item is-revoked" : "token-item",
        dataset: { tokenId: token.id } }, [
        el("div", { className: "token-text" }, [
          el("span", { className: "token-label", text: token.label }),
          el("span", { className: "token-facts", text: facts.join(" · ") }),
        ]),
        action,
      ]);
    }));
  }

  async create() {
    const label = this.label.value.trim();
    this.message.clear();
    this.lastError = null;
    if (!label || label.length > 60) {
      this.message.show(this.i18n.t("error.label_invalid"), "error");
      this.label.focus();
      return;
    }
    if (!this.password.value) {
      this.message.show(this.i18n.t("token.need_password"), "error");
      this.password.focus();
      return;
    }
    this.createButton.disabled = true;
    let created;
    try {
      created = await this.api.createToken(this.user.name, label, this.password.value);
    } catch (error) {
      if (!error.redirecting) {
        this.lastError = error;
        this.message.error(error);
      }
      return;
    } finally {
      this.createButton.disabled = false;
    }
    this.form.reset();
    this.showSecret(created.token);
    await this.onChanged();
  }

  async revoke(token, button) {
    if (button.dataset.confirm !== "1") {
      button.dataset.confirm = "1";
      button.textContent = this.i18n.t("token.revoke_confirm");
      setTimeout(() => {
        if (button.isConnected && button.dataset.confirm === "1") {
          delete button.dataset.confirm;
          button.textContent = this.i18n.t("token.revoke");
        }
      }, CONFIRM_MS);
      return;
    }
    button.disabled = true;
    this.message.clear();
    this.lastError = null;
    try {
      await this.api.revokeToken(token.id);
    } catch (error) {
      button.disabled = false;
      if (!error.redirecting) {
        this.lastError = error;
        this.message.error(error);
      }
      return;
    }
    this.message.show(this.i18n.t("token.revoked_now", { label: token.label }), "success");
    await this.onChanged();
  }

  showSecret(secret) {
    this.secretValue.value = secret;
    this.copyStatus.textContent = "";
    this.secretBox.hidden = false;
    this.secretValue.focus();
    this.secretValue.select();
  }

  /** Forget the secret: it is never shown again. */
  hideSecret() {
    this.secretValue.value = "";
    this.copyStatus.textContent = "";
    this.secretBox.hidden = true;
  }

  async copy() {
    const secret = this.secretValue.value;
    let copied = false;
    try {
      // navigator.clipboard exists only in secure contexts (https, localhost).
      await globalThis.navigator.clipboard.writeText(secret);
      copied = true;
    } catch {
      this.secretValue.select();
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    this.copyStatus.textContent = this.i18n.t(copied ? "token.copied" : "token.copy_manually");
    this.copyStatus.dataset.copied = copied ? "1" : "0";
  }
}
