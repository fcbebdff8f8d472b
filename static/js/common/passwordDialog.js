// "Change password": a modal dialog asking for the current password and the new one twice, and whether to
// keep the user's API tokens (revoked by default). The server ends every session of the user on success,
// so the page then goes to the login page.

import { el } from "./dom.js";
import { FormMessage } from "./formMessage.js";
import { loginUrl } from "./session.js";

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 200;

function field(id, labelText, attrs) {
  return el("label", { className: "field", attrs: { for: id } }, [
    el("span", { className: "field-label", text: labelText }),
    el("input", { className: "field-input", attrs: { id, type: "password", required: true, ...attrs } }),
  ]);
}

export class PasswordDialog {
  /**
   * @param {object} options
   * @param {import("./api.js").Api} options.api
   * @param {import("./i18n.js").I18n} options.i18n
   * @param {{name: string}} options.user
   */
  constructor({ api, i18n, user }) {
    this.api = api;
    this.i18n = i18n;
    this.user = user;
    this.dialog = null;
  }

  open() {
    this.dialog?.remove();
    const t = (key) => this.i18n.t(key);
    const message = el("p", { className: "form-message", attrs: { role: "alert", hidden: true } });
    const submit = el("button", { className: "button button-primary", text: t("password.submit"),
      attrs: { type: "submit", id: "password-submit" } });
    const cancel = el("button", { className: "button", text: t("dialog.cancel"), attrs: { type: "button" } });
    const form = el("form", { className: "dialog-form", attrs: { novalidate: true } }, [
      el("h2", { className: "dialog-title", text: t("password.title"), attrs: { id: "password-dialog-title" } }),
      // Lets password managers file the new password under the right account.
      el("input", { attrs: { type: "text", name: "username", autocomplete: "username", value: this.user.name,
        hidden: true, readonly: true } }),
      field("password-current", t("password.current"), { autocomplete: "current-password" }),
      field("password-new", t("password.new"), { autocomplete: "new-password", minlength: MIN_PASSWORD }),
      field("password-repeat", t("password.repeat"), { autocomplete: "new-password", minlength: MIN_PASSWORD }),
      el("p", { className: "field-hint", text: this.i18n.t("password.hint", { min: MIN_PASSWORD }) }),
      el("label", { className: "field field-check", attrs: { for: "password-keep-tokens" } }, [
        el("input", { attrs: { id: "password-keep-tokens", type: "checkbox" } }),
        el("span", { text: t("password.keep_tokens") }),
      ]),
      message,
      el("div", { className: "dialog-actions" }, [cancel, submit]),
    ]);
    const dialog = el("dialog", { className: "dialog password-dialog",
      attrs: { id: "password-dialog", "aria-labelledby": "password-dialog-title" } }, [form]);
    const feedback = new FormMessage(message, this.i18n);
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      this.dialog = null;
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(form, submit, feedback);
    });
    document.body.append(dialog);
    this.dialog = dialog;
    dialog.showModal();
    form.querySelector("#password-current").focus();
  }

  async submit(form, submit, feedback) {
    const current = form.querySelector("#password-current").value;
    const next = form.querySelector("#password-new").value;
    const repeat = form.querySelector("#password-repeat").value;
    feedback.clear();
    if (!current) {
      feedback.show(this.i18n.t("password.need_current"), "error");
      return;
    }
    if (next.length < MIN_PASSWORD || next.length > MAX_PASSWORD) {
      feedback.show(this.i18n.t("error.password_invalid"), "error");
      return;
    }
    if (next !== repeat) {
      feedback.show(this.i18n.t("password.mismatch"), "error");
      return;
    }
    submit.disabled = true;
    try {
      await this.api.changePassword(current, next, form.querySelector("#password-keep-tokens").checked);
    } catch (error) {
      submit.disabled = false;
      if (!error.redirecting) {
        feedback.error(error);
      }
      return;
    }
    feedback.show(this.i18n.t("password.changed"), "success");
    const here = globalThis.location;
    here.assign(loginUrl(here.pathname + here.search + here.hash, "password_changed"));
  }
}
