// The login page: name + password to POST /api/login, the server's refusal shown in the current
// language (wrong password, account locked, too many attempts), then on to ?next= — a path on this
// site only (see session.js safeNext) — or the map.

import { Api } from "./api.js";
import { FormMessage } from "./formMessage.js";
import { I18n, safeStorage } from "./i18n.js";
import { LanguageToggle } from "./languageToggle.js";
import { safeNext } from "./session.js";

// Why the login page was opened (?reason=), in words; unknown reasons show nothing.
const REASONS = {
  password_changed: "login.reason_password_changed",
  logged_out: "login.reason_logged_out",
};

class LoginPage {
  constructor({ i18n, api }) {
    this.i18n = i18n;
    this.api = api;
    this.form = document.getElementById("login-form");
    this.name = document.getElementById("login-name");
    this.password = document.getElementById("login-password");
    this.submitButton = document.getElementById("login-submit");
    this.note = new FormMessage(document.getElementById("login-note"), i18n);
    this.message = new FormMessage(document.getElementById("login-message"), i18n);
    this.skip = document.getElementById("login-skip");
    const params = new URLSearchParams(globalThis.location.search);
    this.next = safeNext(params.get("next"));
    this.nextAsked = params.has("next"); // else each role lands where it works (its "home" page)
    this.reason = REASONS[params.get("reason")] ?? null;
    this.lastError = null;
    this.signedInAs = null;
    this.busy = false;
  }

  start() {
    this.skip.href = this.next;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.i18n.onChange(() => this.relabel());
    this.relabel();
    return this;
  }

  /** What /api/session says: someone already logged in, or reading without login allowed. */
  showSession(session) {
    this.signedInAs = session.user;
    this.skip.hidden = !(session.user || !session.read_requires_login);
    document.getElementById("demo-hint").hidden = !session.demo; // only the demo has published accounts
    this.relabel();
  }

  relabel() {
    if (this.signedInAs) {
      this.note.show(this.i18n.t("login.signed_in_as", { name: this.signedInAs.display_name }));
      this.skip.textContent = this.i18n.t("login.continue");
    } else {
      if (this.reason) {
        this.note.show(this.i18n.t(this.reason), "success");
      } else {
        this.note.clear();
      }
      this.skip.textContent = this.i18n.t("login.skip");
    }
    if (this.lastError) {
      this.message.error(this.lastError);
    }
    this.submitButton.textContent = this.i18n.t(this.busy ? "login.submitting" : "login.submit");
  }

  setBusy(busy) {
    this.busy = busy;
    this.submitButton.disabled = busy;
    this.form.setAttribute("aria-busy", String(busy));
    this.submitButton.textContent = this.i18n.t(busy ? "login.submitting" : "login.submit");
  }

  async submit() {
    if (this.busy) {
      return;
    }
    const name = this.name.value.trim();
    const password = this.password.value;
    this.lastError = null;
    this.message.clear();
    if (!name || !password) {
      this.message.show(this.i18n.t("login.need_both"), "error");
      (name ? this.password : this.name).focus();
      return;
    }
    this.setBusy(true);
    let answer;
    try {
      answer = await this.api.login(name, password);
    } catch (error) {
      this.setBusy(false);
      this.lastError = error;
      this.message.error(error);
      if (error.code === "invalid_credentials") {
        this.password.value = "";
        this.password.focus();
      }
      return;
    }
    const home = answer?.user?.home;
    globalThis.location.replace(this.nextAsked || !home ? this.next : safeNext(home));
  }
}

async function start() {
  const i18n = new I18n({ storage: safeStorage() });
  // A 401 here is the answer to a wrong password: show it, never bounce to the login page itself.
  const api = new Api({ onUnauthorized: null });
  const [session] = await Promise.all([api.session().catch(() => null), i18n.load()]);
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  const page = new LoginPage({ i18n, api }).start();
  if (session) {
    page.showSession(session);
  }
  document.body.dataset.ready = "1";
}

start().catch((error) => {
  console.error("login page failed to start:", error);
});
