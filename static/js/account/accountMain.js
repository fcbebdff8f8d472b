// Entry point of the account page (/account): the user's own browser sessions with "log out" for each
// and "log out everywhere"; the password is changed from the user menu. body[data-ready] is "1" when loaded.

import { Api, goToLogin } from "../common/api.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { UserMenu } from "../common/userMenu.js";
import { SessionList } from "./sessionList.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_TIME_ZONE = "Asia/Shanghai";

function showNotice(text) {
  $("account-notice").textContent = text;
  $("account-notice").hidden = false;
}

async function start() {
  const body = document.body;
  const i18n = new I18n({ storage: safeStorage() });
  const api = new Api();
  let session;
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
  } catch (error) {
    showNotice(`无法加载 / Could not load: ${error.message}`);
    body.dataset.ready = "error";
    throw error;
  }
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  i18n.apply(document);
  new LanguageToggle({ button: $("language-toggle"), i18n }).start();
  new UserMenu({ container: $("user-menu"), api, i18n, user: session.user, page: "account" }).start();
  try {
    const config = await api.config();
    const list = new SessionList({ list: $("sessions-list"), logoutAll: $("sessions-logout-all"),
      message: $("sessions-message"), api, i18n, timeZone: config.timezone || DEFAULT_TIME_ZONE });
    await list.load();
  } catch (error) {
    if (!error.redirecting) {
      showNotice(i18n.errorMessage(error));
      body.dataset.ready = "error";
    }
    return;
  }
  $("account-content").hidden = false;
  body.dataset.ready = "1";
}

start().catch((error) => {
  console.error("account page failed to start:", error);
});
