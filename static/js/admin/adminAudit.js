// The recent audit log on the admin page (GET /api/audit): time (in the project's time zone), who,
// what, on whom, and the details. Newest first.

import { microsToMillis } from "./adminTokens.js";
import { el } from "../common/dom.js";
import { cellNumber } from "../common/gridPicker.js";

// The server's action names in words; others are shown as they are.
const ACTIONS = {
  "login.ok": "audit.login_ok",
  "login.failed": "audit.login_failed",
  "login.locked": "audit.login_locked",
  logout: "audit.logout",
  "user.create": "audit.user_create",
  "user.update": "audit.user_update",
  "token.create": "audit.token_create",
  "token.revoke": "audit.token_revoke",
  "password.change": "audit.password_change",
  "data.import": "audit.data_import",
  "data.export": "audit.data_export",
  "layer.delete": "audit.layer_delete",
  "case.correct": "audit.case_correct",
};
// The other detail fields the server writes (imports, exports, deleted layers, corrected cases) by name.
const DETAIL_KEYS = {
  file: "audit.key.file", rows: "audit.key.rows", created: "audit.key.created", refused: "audit.key.refused",
  session: "audit.key.session", format: "audit.key.format", at: "audit.key.at", features: "audit.key.features",
  kind: "audit.key.kind", reason: "audit.key.reason", changes: "audit.key.changes",
};
const TIME = { dateStyle: "short", timeStyle: "medium" };

/** A detail value in words: no date is "now", a changes object is the fields it changed. */
function plainValue(key, value, i18n) {
  if (key === "at" && (value === null || value === undefined)) {
    return i18n.t("audit.as_of_now");
  }
  if (value === null || value === undefined || value === "") {
    return i18n.t("value.unset");
  }
  if (typeof value === "object") {
    return i18n.join(Array.isArray(value) ? value.map(String) : Object.keys(value));
  }
  return String(value);
}

/** "role: planner; grid_codes: [...]" in words: field titles, role titles, cell numbers, yes/no. */
function detailText(detail, i18n, roleTitle) {
  if (!detail || typeof detail !== "object") {
    return "";
  }
  const parts = [];
  for (const [key, value] of Object.entries(detail)) {
    let name = key;
    let text;
    if (key === "role") {
      name = i18n.t("admin.col_role");
      text = roleTitle(value);
    } else if (key === "grid_codes" && Array.isArray(value)) {
      name = i18n.t("admin.col_grid");
      text = value.length ? i18n.join(value.map(cellNumber)) : i18n.t("value.unset");
    } else if (key === "display_name") {
      name = i18n.t("admin.col_display_name");
      text = String(value);
    } else if (key === "disabled") {
      name = i18n.t("admin.col_status");
      text = i18n.t(value ? "admin.disabled" : "admin.active");
    } else if (key === "password") {
      name = i18n.t("login.password");
      text = i18n.t("audit.password_reset");
    } else if (key === "label") {
      name = i18n.t("token.label");
      text = String(value);
    } else if (key === "token_id") {
      name = i18n.t("audit.token_id");
      text = String(value);
    } else if (key in DETAIL_KEYS) {
      name = i18n.t(DETAIL_KEYS[key]);
      text = plainValue(key, value, i18n);
    } else {
      text = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
    parts.push(i18n.t("audit.detail_item", { name, value: text }));
  }
  return parts.join(i18n.t("audit.detail_separator"));
}

export class AuditLog {
  /**
   * @param {object} options
   * @param {HTMLTableSectionElement} options.body the table's <tbody>
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} options.timeZone e.g. "Asia/Shanghai"
   * @param {function(string): string} options.roleTitle a role's title in the current language
   */
  constructor({ body, api, i18n, timeZone, roleTitle }) {
    this.body = body;
    this.roleTitle = roleTitle;
    this.api = api;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.entries = [];
  }

  async load() {
    this.entries = await this.api.audit({ limit: 60 });
    this.render();
    return this.entries;
  }

  render() {
    const heads = [...this.body.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const cell = (index, text, className, attrs = {}) =>
      el("td", { className, text, attrs: { "data-label": heads[index], ...attrs } });
    if (!this.entries.length) {
      this.body.replaceChildren(el("tr", {}, [el("td", { className: "muted", text: this.i18n.t("audit.empty"),
        attrs: { colspan: heads.length } })]));
      return;
    }
    this.body.replaceChildren(...this.entries.map((entry) => {
      const key = ACTIONS[entry.action];
      const detail = detailText(entry.detail, this.i18n, this.roleTitle);
      return el("tr", { dataset: { action: entry.action } }, [
        cell(0, this.i18n.formatDateTime(microsToMillis(entry.at), this.timeZone, TIME), "cell-time",
          { title: entry.ip ? this.i18n.t("audit.from_ip", { ip: entry.ip }) : null }),
        cell(1, entry.actor, "cell-actor"),
        cell(2, key ? this.i18n.t(key) : entry.action, "cell-action", { title: entry.action }),
        cell(3, entry.target, "cell-target"),
        cell(4, detail || this.i18n.t("value.unset"), detail ? "cell-detail" : "cell-detail muted"),
      ]);
    }));
  }
}
