// Entry point of the admin page (/admin): users, their roles, grid cells and API tokens, and the recent
// audit log. Nobody logged in: off to the login page; logged in without users.manage: a clear "no
// permission" message. body[data-ready] is "1" when loaded, "denied" without the permission.

import { AuditLog } from "./adminAudit.js";
import { NewUserForm } from "./adminNewUser.js";
import { UserEditor } from "./adminUserEditor.js";
import { UsersTable } from "./adminUsersTable.js";
import { Api, goToLogin } from "../common/api.js";
import { loadGridCells } from "../common/gridPicker.js";
import { loadAreas } from "./areaSelect.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { RoleSelect } from "./roleSelect.js";
import { hasPermission } from "../common/session.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { UserMenu } from "../common/userMenu.js";

const DEFAULT_TIME_ZONE = "Asia/Shanghai";

class AdminPage {
  constructor({ api, i18n, me, config, cells, areas, roles }) {
    this.api = api;
    this.i18n = i18n;
    this.me = me;
    this.cells = cells;
    this.cellNames = new Map(cells.map((cell) => [cell.code, cell.name]));
    this.users = [];
    this.roleTitles = new RoleSelect({ select: document.createElement("select"), i18n }).render(roles);
    const timeZone = config.timezone || DEFAULT_TIME_ZONE;
    this.table = new UsersTable({ body: document.getElementById("users-body"), count: document.getElementById("users-count"),
      i18n, onEdit: (name) => this.edit(name) });
    this.editor = new UserEditor({ dialog: document.getElementById("user-editor"), api, i18n, cells, areas, timeZone,
      reload: () => this.reload() }).start(roles);
    this.newUser = new NewUserForm({ form: document.getElementById("new-user-form"), api, i18n, cells, areas,
      onCreated: () => this.reload() }).start(roles);
    this.audit = new AuditLog({ body: document.getElementById("audit-body"), api, i18n, timeZone,
      roleTitle: (role) => this.roleTitles.title(role) });
  }

  start(users) {
    this.users = users;
    this.render();
    document.getElementById("audit-refresh").addEventListener("click", () => this.audit.load());
    this.i18n.onChange(() => {
      this.roleTitles.render(this.roleTitles.roles);
      this.render();
      this.audit.render();
    });
    return this;
  }

  render() {
    this.table.render({ users: this.users, roles: this.roleTitles, cellNames: this.cellNames, me: this.me.name });
  }

  /** Reload the users (and the audit log, which every change writes to); returns the users. */
  async reload() {
    const [body] = await Promise.all([this.api.users(), this.audit.load()]);
    this.users = body.users;
    this.roleTitles.render(body.roles);
    this.render();
    return this.users;
  }

  edit(name) {
    const user = this.users.find((u) => u.name === name);
    if (user) {
      this.editor.open(user);
    }
  }
}

function showNotice(text) {
  const notice = document.getElementById("admin-notice");
  notice.textContent = text;
  notice.hidden = false;
}

async function start() {
  const body = document.body;
  const i18n = new I18n({ storage: safeStorage() });
  const api = new Api();
  let session;
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
  } catch (error) {
    showNotice(i18n.tables.size ? i18n.t("admin.load_failed", { message: i18n.errorMessage(error) })
      : `无法加载 / Could not load: ${error.message}`);
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
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user: session.user, page: "admin" }).start();
  if (!hasPermission(session.user, "users.manage")) {
    const denied = document.getElementById("admin-denied");
    denied.hidden = false;
    body.dataset.ready = "denied";
    return;
  }
  try {
    const [config, usersBody, cells, areas] = await Promise.all([api.config(), api.users(), loadGridCells(api),
      loadAreas(api)]);
    document.getElementById("demo-badge").hidden = !config.demo;
    const page = new AdminPage({ api, i18n, me: session.user, config, cells, areas, roles: usersBody.roles });
    page.start(usersBody.users);
    await page.audit.load();
  } catch (error) {
    if (error.redirecting) {
      return;
    }
    showNotice(i18n.t("admin.load_failed", { message: i18n.errorMessage(error) }));
    body.dataset.ready = "error";
    throw error;
  }
  document.getElementById("admin-content").hidden = false;
  body.dataset.ready = "1";
}

start().catch((error) => {
  console.error("admin page failed to start:", error);
});
