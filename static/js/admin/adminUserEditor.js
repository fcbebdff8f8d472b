// The user editor of the admin page (a modal dialog): display name, role, grid cells and "disabled"
// (PATCH /api/users/{name}), a password reset (PATCH with "password": the user's sessions end) and the
// user's API tokens (adminTokens.js).

import { TokenPanel } from "./adminTokens.js";
import { FormMessage } from "../common/formMessage.js";
import { GridPicker } from "../common/gridPicker.js";
import { MAX_PASSWORD, MIN_PASSWORD } from "../common/passwordDialog.js";
import { AreaSelect } from "./areaSelect.js";
import { RoleSelect } from "./roleSelect.js";

export class UserEditor {
  /**
   * @param {object} options
   * @param {HTMLDialogElement} options.dialog
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<{code: string, name: string}>} options.cells
   * @param {Array<object>} options.areas the areas an account may hold (districts, streets, communities)
   * @param {string} options.timeZone
   * @param {function(): Promise<object[]>} options.reload reloads /api/users and returns the users
   */
  constructor({ dialog, api, i18n, cells, areas = [], timeZone, reload }) {
    this.dialog = dialog;
    this.api = api;
    this.i18n = i18n;
    this.reload = reload;
    const find = (selector) => dialog.querySelector(selector);
    this.title = find("#editor-title");
    this.accountForm = find("#editor-form");
    this.displayName = find("#editor-display-name");
    this.roles = new RoleSelect({ select: find("#editor-role"), description: find("#editor-role-description"), i18n });
    this.grid = new GridPicker({ container: find("#editor-grid"), idPrefix: "editor-grid", cells });
    this.area = new AreaSelect({ select: find("#editor-area"), i18n, areas });
    this.disabled = find("#editor-disabled");
    this.saveButton = find("#editor-save");
    this.accountMessage = new FormMessage(find("#editor-message"), i18n);
    this.resetForm = find("#reset-form");
    this.resetUser = find("#reset-username");
    this.resetPassword = find("#reset-password");
    this.resetButton = find("#reset-submit");
    this.resetMessage = new FormMessage(find("#reset-message"), i18n);
    this.tokens = new TokenPanel({ root: find("#token-section"), api, i18n, timeZone,
      onChanged: () => this.refresh() });
    this.user = null;
    this.errors = new Map();
  }

  start(roles) {
    this.roles.render(roles);
    const forget = () => {
      this.tokens.hideSecret();  // the secret is shown once, never again
      this.resetPassword.value = "";
    };
    this.dialog.querySelector("#editor-close").addEventListener("click", () => {
      forget();
      this.dialog.close();
    });
    // Escape closes the dialog too; its "close" event comes a moment later.
    this.dialog.addEventListener("close", () => {
      forget();
      this.user = null;
    });
    this.accountForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.resetForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.resetPasswordNow();
    });
    this.i18n.onChange(() => {
      this.roles.render(this.roles.roles);
      this.area.render();
      this.retitle();
      for (const [message, error] of this.errors) {
        message.error(error);
      }
    });
    return this;
  }

  open(user) {
    this.user = user;
    this.errors.clear();
    this.accountMessage.clear();
    this.resetMessage.clear();
    this.displayName.value = user.display_name;
    this.roles.value = user.role;
    this.grid.render(user.grid_codes);
    this.area.value = user.area;
    this.disabled.checked = user.disabled;
    this.resetUser.value = user.name;
    this.resetPassword.value = "";
    this.tokens.show(user, { fresh: true });
    this.retitle();
    this.dialog.dataset.user = user.name;
    if (!this.dialog.open) {
      this.dialog.showModal();  // focuses the first control (Close): no keyboard popping up on a phone
    }
  }

  retitle() {
    if (this.user) {
      this.title.textContent = this.i18n.t("editor.title", { name: this.user.name });
    }
  }

  /** Reload the users and show this user's fresh record (tokens included). */
  async refresh() {
    const users = await this.reload();
    const fresh = users?.find((u) => u.name === this.user?.name);
    if (fresh && this.user) {
      this.user = fresh;
      this.tokens.show(fresh);
    }
  }

  fail(message, error) {
    if (!error.redirecting) {
      this.errors.set(message, error);
      message.error(error);
    }
  }

  async save() {
    const changes = {};
    const displayName = this.displayName.value.trim();
    if (displayName && displayName !== this.user.display_name) {
      changes.display_name = displayName;
    }
    if (this.roles.value !== this.user.role) {
      changes.role = this.roles.value;
    }
    const grid = this.grid.value();
    if ([...grid].sort().join() !== [...this.user.grid_codes].sort().join()) {
      changes.grid_codes = grid;
    }
    if (this.area.value !== (this.user.area || null)) {
      changes.area = this.area.value;
    }
    if (this.disabled.checked !== this.user.disabled) {
      changes.disabled = this.disabled.checked;
    }
    this.errors.delete(this.accountMessage);
    this.accountMessage.clear();
    if (!Object.keys(changes).length) {
      this.accountMessage.show(this.i18n.t("editor.no_changes"));
      return;
    }
    if (changes.display_name && changes.display_name.length > 60) {
      this.accountMessage.show(this.i18n.t("error.display_name_invalid"), "error");
      return;
    }
    this.saveButton.disabled = true;
    try {
      await this.api.updateUser(this.user.name, changes);
    } catch (error) {
      this.fail(this.accountMessage, error);
      return;
    } finally {
      this.saveButton.disabled = false;
    }
    this.accountMessage.show(this.i18n.t("editor.saved"), "success");
    await this.refresh();
  }

  async resetPasswordNow() {
    const password = this.resetPassword.value;
    this.errors.delete(this.resetMessage);
    this.resetMessage.clear();
    if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
      this.resetMessage.show(this.i18n.t("error.password_invalid"), "error");
      this.resetPassword.focus();
      return;
    }
    this.resetButton.disabled = true;
    try {
      await this.api.updateUser(this.user.name, { password });
    } catch (error) {
      this.fail(this.resetMessage, error);
      return;
    } finally {
      this.resetButton.disabled = false;
    }
    this.resetPassword.value = "";
    this.resetMessage.show(this.i18n.t("editor.password_reset", { name: this.user.name }), "success");
    await this.refresh();
  }
}
