// The user menu in the app bar: who is logged in (display name and role title), and "change password",
// "my account" (the sessions, off the account page),
// "user administration" (with the users.manage permission only), "field view" (for those who report or
// work on cases, off the field view), "before & after", "dashboard" and "report" (with dashboard.read),
// "import" (with data.import), each off its own page, "map" (off the map page) and "log out".
// A disclosure button with a list under it; nobody logged in (public reading) shows a "log in" link.

import { el } from "./dom.js";
import { PasswordDialog } from "./passwordDialog.js";
import { hasPermission, loginUrl, roleTitle } from "./session.js";

export class UserMenu {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container the empty element in the app bar
   * @param {import("./api.js").Api} options.api
   * @param {import("./i18n.js").I18n} options.i18n
   * @param {object|null} options.user the user of /api/session
   * @param {"map"|"admin"|"account"|"field"|"compare"|"dashboard"|"report"|"import"|"inspect"|"scores"} options.page
   *   the page this menu is on
   * @param {function(): Promise<boolean>} [options.beforeLogout] asked first; false keeps the user logged in
   *   (the field view asks about changes its outbox has not sent yet)
   */
  constructor({ container, api, i18n, user, page, beforeLogout = null }) {
    this.container = container;
    this.api = api;
    this.i18n = i18n;
    this.user = user;
    this.page = page;
    this.beforeLogout = beforeLogout;
    this.button = null;
    this.list = null;
    this.onDocumentPointer = (event) => {
      if (this.isOpen() && !this.container.contains(event.target)) {
        this.setOpen(false);
      }
    };
  }

  start() {
    this.render();
    this.i18n.onChange(() => this.render());
    document.addEventListener("pointerdown", this.onDocumentPointer);
    this.container.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen()) {
        this.setOpen(false);
        this.button.focus();
      }
    });
    this.container.addEventListener("focusout", (event) => {
      if (this.isOpen() && event.relatedTarget && !this.container.contains(event.relatedTarget)) {
        this.setOpen(false);
      }
    });
    return this;
  }

  isOpen() {
    return Boolean(this.list && !this.list.hidden);
  }

  setOpen(open) {
    if (!this.list) {
      return;
    }
    this.list.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    this.container.classList.toggle("is-open", open);
  }

  render() {
    const t = (key) => this.i18n.t(key);
    this.container.replaceChildren();
    this.button = null;
    this.list = null;
    if (!this.user) {
      const here = globalThis.location;
      this.container.append(el("a", { className: "app-button user-login-link", text: t("user.login"),
        attrs: { id: "user-login-link", href: loginUrl(here.pathname + here.search + here.hash) } }));
      return;
    }
    const user = this.user;
    const role = roleTitle(this.i18n, user.role, user.role_title);
    this.button = el("button", {
      className: "app-button user-menu-button",
      attrs: { type: "button", id: "user-menu-button", "aria-expanded": "false", "aria-controls": "user-menu-list",
        title: this.i18n.t("user.menu_hint", { name: user.display_name, role }) },
    }, [
      el("span", { className: "user-avatar", text: Array.from(user.display_name || user.name)[0],
        attrs: { "aria-hidden": "true" } }),
      el("span", { className: "user-menu-text" }, [
        el("span", { className: "user-name", text: user.display_name }),
        el("span", { className: "user-role", text: role }),
      ]),
      el("span", { className: "user-menu-caret", attrs: { "aria-hidden": "true" } }),
    ]);
    const items = [];
    items.push(this.item(el("button", { className: "user-menu-item", text: t("user.change_password"),
      attrs: { type: "button", id: "user-menu-password" } }), () => {
      this.setOpen(false);
      new PasswordDialog({ api: this.api, i18n: this.i18n, user }).open();
    }));
    if (this.page !== "account") {
      items.push(el("a", { className: "user-menu-item", text: t("user.account"),
        attrs: { id: "user-menu-account", href: "/account" } }));
    }
    if (this.page !== "admin" && hasPermission(user, "users.manage")) {
      items.push(el("a", { className: "user-menu-item", text: t("user.admin"),
        attrs: { id: "user-menu-admin", href: "/admin" } }));
    }
    if (this.page !== "field" && ["cases.report", "cases.work", "cases.verify"].some((p) => hasPermission(user, p))) {
      items.push(el("a", { className: "user-menu-item", text: t("user.field"),
        attrs: { id: "user-menu-field", href: "/field" } }));
    }
    const pages = [
      ["compare", "user.compare", "/compare", "dashboard.read"],
      ["dashboard", "user.dashboard", "/dashboard", "dashboard.read"],
      ["report", "user.report", "/report", "dashboard.read"],
      ["import", "user.import", "/import", "data.import"],
      ["inspect", "user.inspect", "/field/inspect", "cases.work"],
      ["scores", "user.scores", "/scores", "dashboard.read"],
    ];
    for (const [page, key, href, permission] of pages) {
      if (this.page !== page && hasPermission(user, permission)) {
        items.push(el("a", { className: "user-menu-item", text: t(key), attrs: { id: `user-menu-${page}`, href } }));
      }
    }
    if (this.page !== "map") {
      items.push(el("a", { className: "user-menu-item", text: t("user.map"), attrs: { id: "user-menu-map", href: "/" } }));
    }
    items.push(this.item(el("button", { className: "user-menu-item", text: t("user.logout"),
      attrs: { type: "button", id: "user-menu-logout" } }), () => this.logout()));
    this.list = el("div", { className: "user-menu-list", attrs: { id: "user-menu-list", hidden: true } }, [
      el("div", { className: "user-menu-head" }, [
        el("span", { className: "user-menu-display", text: user.display_name }),
        el("span", { className: "user-menu-account", text: `${user.name} · ${role}` }),
      ]),
      ...items,
    ]);
    this.button.addEventListener("click", () => this.setOpen(!this.isOpen()));
    this.container.append(this.button, this.list);
  }

  item(element, onClick) {
    element.addEventListener("click", onClick);
    return element;
  }

  async logout() {
    this.setOpen(false);
    if (this.beforeLogout && !(await this.beforeLogout())) {
      return;
    }
    try {
      await this.api.logout();
    } catch (error) {
      if (error.redirecting) {
        return;
      }
      console.warn("logout failed:", error);
    }
    globalThis.location.assign(loginUrl("/", "logged_out"));
  }
}
