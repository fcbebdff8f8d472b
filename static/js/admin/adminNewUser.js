// "Add a user" on the admin page: name, display name, role, first password and grid cells, sent to
// POST /api/users.

import { FormMessage } from "../common/formMessage.js";
import { GridPicker } from "../common/gridPicker.js";
import { MAX_PASSWORD, MIN_PASSWORD } from "../common/passwordDialog.js";
import { AreaSelect } from "./areaSelect.js";
import { RoleSelect } from "./roleSelect.js";

// The server's rule for user names (layers/accounts.py USER_NAME_RE).
export const USER_NAME = /^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$/;

export class NewUserForm {
  /**
   * @param {object} options
   * @param {HTMLFormElement} options.form
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<{code: string, name: string}>} options.cells
   * @param {Array<object>} [options.areas] the areas an account may hold (districts, streets, communities)
   * @param {function(object): void} options.onCreated called with the new user
   */
  constructor({ form, api, i18n, cells, areas = [], onCreated }) {
    this.form = form;
    this.api = api;
    this.i18n = i18n;
    this.onCreated = onCreated;
    this.field = (name) => form.querySelector(`[data-field="${name}"]`);
    this.roles = new RoleSelect({ select: this.field("role"), description: this.field("role-description"), i18n });
    this.grid = new GridPicker({ container: this.field("grid"), idPrefix: "new-user-grid", cells });
    this.area = new AreaSelect({ select: this.field("area"), i18n, areas });
    this.message = new FormMessage(this.field("message"), i18n);
    this.submitButton = this.field("submit");
    this.lastError = null;
  }

  start(roles) {
    this.roles.render(roles, "field_worker");
    this.grid.render([]);
    this.area.render(null);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.i18n.onChange(() => {
      this.roles.render(this.roles.roles);
      this.area.render();
      if (this.lastError) {
        this.message.error(this.lastError);
      }
    });
    return this;
  }

  check(record) {
    if (!USER_NAME.test(record.name)) {
      return "error.name_invalid";
    }
    if (record.password.length < MIN_PASSWORD || record.password.length > MAX_PASSWORD) {
      return "error.password_invalid";
    }
    if (record.display_name && record.display_name.length > 60) {
      return "error.display_name_invalid";
    }
    return null;
  }

  async submit() {
    const record = {
      name: this.field("name").value.trim(),
      role: this.roles.value,
      password: this.field("password").value,
      grid_codes: this.grid.value(),
    };
    if (this.area.value) {
      record.area = this.area.value;
    }
    const displayName = this.field("display-name").value.trim();
    if (displayName) {
      record.display_name = displayName;
    }
    this.lastError = null;
    this.message.clear();
    const problem = this.check(record);
    if (problem) {
      this.message.show(this.i18n.t(problem), "error");
      return;
    }
    this.submitButton.disabled = true;
    let user;
    try {
      user = await this.api.createUser(record);
    } catch (error) {
      if (!error.redirecting) {
        this.lastError = error;
        this.message.error(error);
      }
      return;
    } finally {
      this.submitButton.disabled = false;
    }
    this.form.reset();
    this.roles.value = "field_worker";
    this.grid.render([]);
    this.area.render(null);
    this.message.show(this.i18n.t("admin.user_created", { name: user.name }), "success");
    this.onCreated(user);
  }
}
