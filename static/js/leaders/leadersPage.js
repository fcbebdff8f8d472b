// What both leaders' pages do first: ask /api/session who is logged in (nobody: off to the login page),
// load the translations and /api/config, fill the app bar (demo badge, language switch, user menu, links to
// the other page and to the report) and refuse politely when the role may not read dashboards.

import { Api, goToLogin } from "../common/api.js";
import { Basemaps } from "../common/tilePresets.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { LeadersApi } from "./leadersApi.js";
import { query } from "./leadersUrl.js";
import { hasPermission } from "../common/session.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { UserMenu } from "../common/userMenu.js";

export const PERMISSION = "dashboard.read";

/** Show ``text`` in the page's notice element (role=alert). */
export function showNotice(text) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.hidden = false;
}

/**
 * Start a leaders' page: resolves {api, leaders, i18n, session, config, storage}, or null when the page cannot
 * go on (sent to the login page, or the role lacks dashboard.read; body[data-ready] then says which).
 * @param {"compare"|"dashboard"} page
 */
export async function startLeadersPage(page) {
  const body = document.body;
  const storage = safeStorage();
  const i18n = new I18n({ storage });
  const api = new Api();
  let session;
  let config;
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
    if (!session.user) {
      body.dataset.ready = "login";
      goToLogin();
      return null;
    }
    config = await api.config();
  } catch (error) {
    body.dataset.ready = error.redirecting ? "login" : "error";
    if (!error.redirecting) {
      showNotice(i18n.tables.size ? i18n.t("leaders.load_failed", { message: i18n.errorMessage(error) })
        : `无法加载 / Could not load: ${error.message}`);
    }
    return null;
  }
  document.getElementById("demo-badge").hidden = !config.demo;
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  new AreaBreadcrumb({ container: document.getElementById("area-breadcrumb"), api, i18n, user: session.user }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user: session.user, page }).start();
  if (!hasPermission(session.user, PERMISSION)) {
    showNotice(i18n.t("leaders.no_permission"));
    body.dataset.ready = "forbidden";
    return null;
  }
  return { api, leaders: new LeadersApi(api), i18n, session, config, storage };
}

/**
 * The page's tile chooser (#basemap-select): the same presets and remembered choice as the main map;
 * "none" (the default) keeps the page offline on the project's own base layers.
 */
export function leadersBasemaps({ config, i18n, storage }) {
  const basemaps = new Basemaps({ presets: config.basemaps || [], defaultId: config.default_basemap,
    select: document.getElementById("basemap-select"), i18n, storage });
  i18n.onChange(() => basemaps.relabel());
  return basemaps;
}

/** Point the app bar's "report" link at /report with the page's period and filters. */
export function setReportLink(link, { from, to, grid, category }) {
  const search = query({ from, to, grid, category });
  link.href = `/report${search ? `?${search}` : ""}`;
}
