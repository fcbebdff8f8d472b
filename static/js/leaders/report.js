// Entry point of the report page (/report): choose a period (and a grid cell or category), make the
// report from /api/report, print it (report.css has the print layout) or download it as one standalone
// HTML file, and download the before/after map. Nobody logged in: off to the login page; without
// dashboard.read: a clear "no permission" message. body[data-ready] is "1" once a report is shown,
// "denied" without the permission, "error" when it failed.

import { Api, goToLogin } from "../common/api.js";
import { loadGridCells } from "../common/gridPicker.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { ReportControls } from "./reportControls.js";
import { renderReport } from "./reportView.js";
import { hasPermission } from "../common/session.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { UserMenu } from "../common/userMenu.js";

const DEFAULT_TIME_ZONE = "Asia/Shanghai";

class ReportPage {
  constructor({ api, i18n, controls }) {
    this.api = api;
    this.i18n = i18n;
    this.controls = controls;
    this.article = document.getElementById("report");
    this.status = document.getElementById("report-status");
    this.printButton = document.getElementById("report-print");
    this.download = document.getElementById("report-download");
    this.mapDownload = document.getElementById("report-map-download");
    this.request = 0;
  }

  start() {
    this.controls.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
    this.printButton.addEventListener("click", () => globalThis.print());
    this.controls.form.addEventListener("change", () => this.updateLinks());
    this.updateLinks();
    return this;
  }

  updateLinks() {
    const query = this.controls.query().toString();
    this.download.href = this.api.url(`/report.html?${query}`);
    this.mapDownload.href = this.api.url(`/compare/map.html?${query}`);
  }

  showStatus(text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  }

  async load() {
    if (!this.controls.valid()) {
      this.showStatus(this.i18n.t("report.bad_period"));
      return;
    }
    const request = ++this.request;
    const query = this.controls.query();
    globalThis.history.replaceState(null, "", `?${this.controls.pageQuery()}`);
    this.updateLinks();
    this.showStatus(this.i18n.t("report.loading"));
    this.printButton.disabled = true;
    document.body.dataset.ready = "loading";
    try {
      const report = await this.api.json(this.api.url(`/report?${query}`));
      if (request !== this.request) {
        return;
      }
      renderReport(this.article, report);
      this.article.hidden = false;
      this.printButton.disabled = false;
      this.showStatus("");
      document.title = `${report.title} · ${this.i18n.t("app.title")}`;
      document.body.dataset.ready = "1";
    } catch (error) {
      if (error.redirecting || request !== this.request) {
        return;
      }
      this.showStatus(this.i18n.t("report.load_failed", { message: this.i18n.errorMessage(error) }));
      document.body.dataset.ready = "error";
    }
  }
}

async function start() {
  const body = document.body;
  const i18n = new I18n({ storage: safeStorage() });
  const api = new Api();
  let session;
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
  } catch (error) {
    const status = document.getElementById("report-status");
    status.textContent = `无法加载 / Could not load: ${error.message}`;
    status.hidden = false;
    body.dataset.ready = "error";
    throw error;
  }
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  new AreaBreadcrumb({ container: document.getElementById("area-breadcrumb"), api, i18n, user: session.user }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user: session.user, page: "report" })
    .start();
  if (!hasPermission(session.user, "dashboard.read")) {
    document.getElementById("report-denied").hidden = false;
    body.dataset.ready = "denied";
    return;
  }
  let config, cells, categories;
  try {
    [config, cells, categories] = await Promise.all([api.config(), loadGridCells(api), api.json(api.url("/categories"))]);
  } catch (error) {
    if (!error.redirecting) {
      const status = document.getElementById("report-status");
      status.textContent = i18n.t("report.load_failed", { message: i18n.errorMessage(error) });
      status.hidden = false;
      body.dataset.ready = "error";
    }
    throw error;
  }
  document.getElementById("demo-badge").hidden = !config.demo;
  const form = document.getElementById("report-form");
  const controls = new ReportControls({ form, i18n, timeZone: config.timezone || DEFAULT_TIME_ZONE })
    .start({ cells, categories: categories.categories || [] });
  form.hidden = false;
  await new ReportPage({ api, i18n, controls }).start().load();
}

start().catch((error) => {
  console.error("report page failed to start:", error);
});
