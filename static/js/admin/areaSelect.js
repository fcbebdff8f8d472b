// The "area" field of the admin page's user forms: the whole city (empty value) or one district, street
// office or community from /api/areas, indented by level and named (the code as a tooltip and fallback).
// An account holding an area sees only that area's places; field workers keep their grid cells.

import { el } from "../common/dom.js";

const INDENT = { district: "", street: "\u3000", community: "\u3000\u3000" };

export class AreaSelect {
  /**
   * @param {object} options
   * @param {HTMLSelectElement} options.select
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<{code: string, name: string|null, level: string}>} options.areas districts, streets, communities
   */
  constructor({ select, i18n, areas }) {
    this.select = select;
    this.i18n = i18n;
    this.areas = areas;
  }

  render(value = this.value) {
    const options = [el("option", { text: this.i18n.t("admin.area_city"), attrs: { value: "" } })];
    for (const area of this.areas) {
      const label = `${INDENT[area.level] ?? ""}${area.name || area.code}`;
      options.push(el("option", { text: label, attrs: { value: area.code, title: area.code } }));
    }
    if (value && !this.areas.some((area) => area.code === value)) {
      options.push(el("option", { text: value, attrs: { value } })); // an area no longer listed stays visible
    }
    this.select.replaceChildren(...options);
    this.select.value = value || "";
    return this;
  }

  get value() {
    return this.select.value || null;
  }

  set value(code) {
    this.render(code || "");
  }
}

/** The areas an administrator may give (inside their own area): every level but the cells. */
export async function loadAreas(api) {
  try {
    const body = await api.json(api.url("/areas?limit=10000"));
    return body.areas.filter((area) => area.level !== "cell");
  } catch {
    return [];
  }
}
