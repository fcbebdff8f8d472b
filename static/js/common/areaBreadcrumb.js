// The area breadcrumb under the app bar: 市 › 区 › 街道 › 社区 › 网格 down to the area this page shows,
// each level a link that rescopes the page to it (?area=CODE, the page's other parameters kept), and a
// menu of the next level down. The area is the page's ?area= or else the account's own; an account
// holding an area starts its breadcrumb there (what lies above is not its to open). Names, not codes: an
// area with no name imported shows its level and the last digits of its code.

import { el } from "./dom.js";

const LEVEL_KEYS = {
  district: "area.level.district",
  street: "area.level.street",
  community: "area.level.community",
  cell: "area.level.cell",
};

/** The area this page is scoped to: ``?area=`` of the address, else null (the account's own). */
export function pageArea(location = globalThis.location) {
  const code = new URLSearchParams(location.search).get("area");
  return code && /^\d{6}(\d{3}){0,3}$/.test(code) ? code : null;
}

/** The address of this page scoped to ``code`` (null: no area parameter), without the hash: a view or a
 * selection of the old area means nothing in the new one. */
export function scopedUrl(code, location = globalThis.location) {
  const url = new URL(location.href);
  if (code) {
    url.searchParams.set("area", code);
  } else {
    url.searchParams.delete("area");
  }
  return url.pathname + url.search;
}

export class AreaBreadcrumb {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container the <nav> under the app bar
   * @param {import("./api.js").Api} options.api
   * @param {import("./i18n.js").I18n} options.i18n
   * @param {object|null} options.user the user of /api/session (``area``: the area the account holds)
   */
  constructor({ container, api, i18n, user }) {
    this.container = container;
    this.api = api;
    this.i18n = i18n;
    this.held = user?.area || null;
    this.code = pageArea() || this.held;
    this.area = null;
    this.city = null;
    this.children = [];
  }

  /** Loads the area and its children, then draws; resolves to the area (null: the whole city). */
  async start() {
    try {
      if (this.code) {
        const [area, listing] = await Promise.all([
          this.api.json(this.api.url(`/areas/${this.code}`)),
          this.api.json(this.api.url("/areas?limit=1")),
        ]);
        this.area = area;
        this.city = listing.city;
        this.children = area.children;
      } else {
        const listing = await this.api.json(this.api.url("/areas?level=district&limit=10000"));
        this.city = listing.city;
        this.children = listing.areas;
      }
    } catch (error) {
      this.error = error;
    }
    this.render();
    this.i18n.onChange(() => this.render());
    return this.area;
  }

  label(area) {
    if (area.name) {
      return area.name;
    }
    return `${this.i18n.t(LEVEL_KEYS[area.level])} ${area.code.slice(area.level === "district" ? 0 : -3)}`;
  }

  link(text, code, current) {
    if (current) {
      return el("span", { className: "area-crumb area-crumb-current", text, attrs: { "aria-current": "page" } });
    }
    return el("a", { className: "area-crumb", text, attrs: { href: scopedUrl(code) } });
  }

  render() {
    const t = (key) => this.i18n.t(key);
    const items = [];
    const path = this.area ? this.area.path : [];
    if (!this.held) {
      items.push(this.link(this.city?.name || t("area.city"), null, !this.area));
    }
    for (const step of path) {
      if (this.held && !step.code.startsWith(this.held)) {
        continue; // above the account's own area
      }
      items.push(this.link(this.label(step), step.code, step.code === this.area.code));
    }
    const list = el("ol", { className: "area-crumbs" });
    items.forEach((item, index) => {
      const entry = el("li", {}, [item]);
      if (index > 0) {
        entry.prepend(el("span", { className: "area-sep", text: "›", attrs: { "aria-hidden": "true" } }));
      }
      list.append(entry);
    });
    if (this.children.length) {
      const select = el("select", { className: "area-down", attrs: { "aria-label": t("area.down_hint") } });
      select.append(el("option", { text: t("area.down"), attrs: { value: "" } }));
      for (const child of this.children) {
        select.append(el("option", { text: this.label(child), attrs: { value: child.code } }));
      }
      select.addEventListener("change", () => {
        if (select.value) {
          globalThis.location.assign(scopedUrl(select.value));
        }
      });
      list.append(el("li", { className: "area-down-item" }, [select]));
    }
    this.container.replaceChildren(list);
    this.container.setAttribute("aria-label", t("area.breadcrumb"));
    this.container.hidden = false;
    this.container.dataset.ready = "1";
    this.container.scrollLeft = this.container.scrollWidth; // on a phone, the area itself stays in view
    if (this.error) {
      const text = this.i18n.errorMessage(this.error);
      this.container.append(el("span", { className: "area-error", text, attrs: { role: "status" } }));
    }
  }
}
