// How the leaders' maps draw cases: one colour per state group (open / fixed awaiting check / closed, the
// groups of /api/workflow) and one ring per kind of change between two dates (compare's `changes`), with the
// legend chips that explain them. Colours are set through the CSSOM (the CSP allows no style attributes).

import { el } from "../common/dom.js";

export const GROUPS = ["open", "fixed", "closed"];
export const GROUP_KEYS = { open: "leaders.group.open", fixed: "leaders.group.fixed", closed: "leaders.group.closed" };
export const GROUP_STYLES = {
  open: { color: "#ffffff", fillColor: "#d32f2f", fillOpacity: 0.95, weight: 1.5, radius: 6 },
  fixed: { color: "#ffffff", fillColor: "#f57c00", fillOpacity: 0.95, weight: 1.5, radius: 5.5 },
  closed: { color: "#1b5e20", fillColor: "#66bb6a", fillOpacity: 0.55, weight: 0.75, radius: 3.5 },
};

// The order decides a case's ring when it counts in more than one: a new case that recurs is "recurring",
// one reported and already fixed within the period is "fixed".
export const CHANGES = ["recurring", "fixed", "still_open", "new"];
export const CHANGE_KEYS = {
  new: "leaders.change.new", fixed: "leaders.change.fixed", still_open: "leaders.change.still_open",
  recurring: "leaders.change.recurring",
};
export const CHANGE_COLORS = { new: "#1565c0", fixed: "#2e7d32", still_open: "#c62828", recurring: "#8e24aa" };

/** The one change a case is drawn as, from compare's list of the numbers it counts in. */
export function primaryChange(changes) {
  return CHANGES.find((change) => (changes || []).includes(change)) || null;
}

/** Circle-marker options for a case of state group ``group`` (scaled down when zoomed far out). */
export function groupOptions(group, zoom = 17) {
  const style = GROUP_STYLES[group] || GROUP_STYLES.closed;
  const scale = zoom >= 17 ? 1 : zoom >= 16 ? 0.85 : 0.7;
  return { ...style, radius: Math.max(2.5, style.radius * scale), fill: true, opacity: 1 };
}

/** Ring options for a change. */
export function changeOptions(change) {
  return { color: CHANGE_COLORS[change] || "#455a64", weight: 2.5, opacity: 0.9, fill: false, radius: 8.5 };
}

/** A legend chip: a coloured dot (or ring) and its label. */
export function chip({ color, fill, ring = false, label, count }) {
  const dot = el("span", { className: ring ? "lv-chip-ring" : "lv-chip-dot", attrs: { "aria-hidden": "true" } });
  if (ring) {
    dot.style.borderColor = color;
  } else {
    dot.style.backgroundColor = fill;
    dot.style.borderColor = color;
  }
  return el("span", { className: "lv-chip" }, [
    dot,
    el("span", { className: "lv-chip-label", text: label }),
    count === undefined ? null : el("span", { className: "lv-chip-count", text: count }),
  ]);
}
