// The users table of the admin page: name, display name, role, grid cells, disabled, tokens and an
// "edit" button per user. On a phone each row becomes a card (the cells carry data-label, see app.css).

import { el } from "../common/dom.js";
import { cellNumber } from "../common/gridPicker.js";

export class UsersTable {
  /**
   * @param {object} options
   * @param {HTMLTableSectionElement} options.body the table's <tbody>
   * @param {HTMLElement} [options.count] shows the number of users
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(string): void} options.onEdit called with a user's name
   */
  constructor({ body, count, i18n, onEdit }) {
    this.body = body;
    this.count = count;
    this.i18n = i18n;
    this.onEdit = onEdit;
  }

  /**
   * @param {object} state
   * @param {object[]} state.users from /api/users
   * @param {import("./roleSelect.js").RoleSelect} state.roles titles the roles
   * @param {Map<string, string>} state.cellNames grid code -> name
   * @param {string} state.me the logged-in admin's name
   */
  render({ users, roles, cellNames, me }) {
    const t = (key, params) => this.i18n.t(key, params);
    const heads = [...this.body.closest("table").querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const cell = (index, children, className) => el("td", { className, attrs: { "data-label": heads[index] } },
      children);
    this.body.replaceChildren(...users.map((user) => {
      const live = user.tokens.filter((token) => !token.revoked_at);
      const edit = el("button", { className: "button button-small", text: t("admin.edit"),
        attrs: { type: "button", "data-edit": user.name, "aria-label": t("admin.edit_user", { name: user.name }) } });
      edit.addEventListener("click", () => this.onEdit(user.name));
      const grid = user.grid_codes.length
        ? el("span", { className: "grid-list", text: this.i18n.join(user.grid_codes.map(cellNumber)),
          attrs: { title: user.grid_codes.map((code) => `${code} ${cellNames.get(code) ?? ""}`.trim()).join("\n") } })
        : el("span", { className: "muted", text: t("value.unset") });
      return el("tr", { className: user.disabled ? "is-disabled" : "", dataset: { user: user.name } }, [
        cell(0, [el("span", { className: "user-login-name", text: user.name }),
          user.name === me ? el("span", { className: "tag", text: t("admin.me") }) : null], "cell-name"),
        cell(1, [user.display_name], "cell-display"),
        cell(2, [el("span", { className: `tag tag-role tag-role-${user.role}`, text: roles.title(user.role),
          dataset: { role: user.role } })], "cell-role"),
        cell(3, [grid], "cell-grid"),
        cell(4, [el("span", { className: user.disabled ? "tag tag-off" : "tag tag-on",
          text: t(user.disabled ? "admin.disabled" : "admin.active") })], "cell-status"),
        cell(5, [live.length
          ? el("span", { text: t("admin.token_count", { count: live.length }),
            attrs: { title: live.map((token) => token.label).join("\n") } })
          : el("span", { className: "muted", text: t("value.unset") })], "cell-tokens"),
        cell(6, [edit], "cell-actions"),
      ]);
    }));
    if (this.count) {
      this.count.textContent = this.i18n.formatNumber(users.length);
    }
  }
}
