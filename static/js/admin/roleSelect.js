// A <select> of the roles /api/users sends ({role: {title, description, permissions}}), titled in the
// current language, with the chosen role's description shown beside it.

import { el } from "../common/dom.js";

export class RoleSelect {
  /**
   * @param {object} options
   * @param {HTMLSelectElement} options.select
   * @param {HTMLElement} [options.description] shows the chosen role's description
   * @param {import("../common/i18n.js").I18n} options.i18n
   */
  constructor({ select, description, i18n }) {
    this.select = select;
    this.description = description;
    this.i18n = i18n;
    this.roles = {};
    select.addEventListener("change", () => this.describe());
  }

  /** Fill the options (keeping the choice, or choosing ``value``). */
  render(roles, value = this.select.value) {
    this.roles = roles || {};
    this.select.replaceChildren(...Object.entries(this.roles).map(([id, role]) =>
      el("option", { text: this.i18n.pick(role.title, id), attrs: { value: id } })));
    if (value && value in this.roles) {
      this.select.value = value;
    }
    this.describe();
    return this;
  }

  get value() {
    return this.select.value;
  }

  set value(role) {
    this.select.value = role;
    this.describe();
  }

  /** The title of ``role`` in the current language. */
  title(role) {
    return this.i18n.pick(this.roles[role]?.title, role);
  }

  describe() {
    if (this.description) {
      this.description.textContent = this.i18n.pick(this.roles[this.select.value]?.description, "");
    }
  }
}
