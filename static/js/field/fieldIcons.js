// Category icons (static/icons/<icon>.svg, named by the `icon` field of the category table) as <img>
// elements; an icon name the folder does not have shows the "other" icon.

import { el } from "../common/dom.js";

export const ICONS = new Set(["structure", "garbage", "road", "water", "green", "poster", "drain", "vendor", "pile",
  "other", "lamp", "toilet", "septic", "sign", "collection", "bin"]);

export function iconUrl(icon) {
  return `/static/icons/${ICONS.has(icon) ? icon : "other"}.svg`;
}

/** A decorative icon (the category's name is always written next to it). */
export function categoryIcon(icon, className = "fv-icon") {
  return el("img", { className, attrs: { src: iconUrl(icon), alt: "", width: 24, height: 24, draggable: "false" } });
}
