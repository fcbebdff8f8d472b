// Grid cells (单元网格) as a list of checkboxes, from the grid layer's features (code + name): which
// cells a field worker is responsible for.

import { el } from "./dom.js";

/** The grid layer's cells as [{code, name}], sorted by code (none when there is no grid layer). */
export async function loadGridCells(api) {
  let page;
  try {
    page = await api.featurePage("grid", { limit: 1000 });
  } catch (error) {
    if (error.status === 404) {
      return [];
    }
    throw error;
  }
  const cells = [];
  for (const feature of page.features || []) {
    const code = feature.properties?.code;
    if (typeof code === "string" && code) {
      cells.push({ code, name: String(feature.properties?.name ?? "") });
    }
  }
  return cells.sort((a, b) => a.code.localeCompare(b.code));
}

/** A cell's short label: the last three digits of its 15-digit code (the cell's number in its community). */
export function cellNumber(code) {
  return String(code).slice(-3);
}

export class GridPicker {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container gets the checkboxes
   * @param {string} options.idPrefix prefix of the checkboxes' ids
   * @param {Array<{code: string, name: string}>} options.cells
   */
  constructor({ container, idPrefix, cells }) {
    this.container = container;
    this.idPrefix = idPrefix;
    this.cells = cells;
  }

  render(selected = []) {
    const chosen = new Set(selected);
    // Codes a user holds that the grid layer no longer has stay listed, so saving keeps them.
    const known = new Set(this.cells.map((cell) => cell.code));
    const cells = [...this.cells, ...[...chosen].filter((code) => !known.has(code)).map((code) => ({ code, name: "" }))];
    this.container.replaceChildren(...cells.map((cell) => {
      const id = `${this.idPrefix}-${cell.code}`;
      return el("label", { className: "grid-option", attrs: { for: id } }, [
        el("input", { className: "grid-checkbox",
          attrs: { type: "checkbox", id, value: cell.code, checked: chosen.has(cell.code) } }),
        el("span", { className: "grid-number", text: cellNumber(cell.code) }),
        el("span", { className: "grid-name", text: cell.name || cell.code, attrs: { title: cell.code } }),
      ]);
    }));
    return this;
  }

  /** The ticked codes. */
  value() {
    return [...this.container.querySelectorAll(".grid-checkbox:checked")].map((box) => box.value);
  }
}
