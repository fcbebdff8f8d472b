// Feature popups: a table of the feature's properties with the layer's property titles and enum
// labels in the current language. Every value goes in through textContent, never as HTML.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";

/** A property value as text for people: enum labels, yes/no, local date-times, grouped numbers. */
export function formatValue(value, spec, i18n, timeZone) {
  if (value === null || value === undefined || value === "") {
    return i18n.t("value.unset");
  }
  const labels = spec && spec.enum_labels;
  if (labels && Object.prototype.hasOwnProperty.call(labels, String(value))) {
    return i18n.pick(labels[String(value)], String(value));
  }
  if (typeof value === "boolean") {
    return i18n.t(value ? "value.true" : "value.false");
  }
  if (typeof value === "number") {
    return i18n.formatNumber(value, { maximumFractionDigits: 6 });
  }
  if (spec && spec.type === "datetime" && typeof value === "string") {
    return i18n.formatDateTime(value, timeZone);
  }
  if (typeof value === "object") {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * The popup content for a GeoJSON feature of a layer.
 * @returns {HTMLElement}
 */
export function buildFeatureContent({ definition, feature, i18n, timeZone }) {
  const properties = feature.properties || {};
  const schema = definition.properties || {};
  const layerTitle = i18n.pick(definition.title, definition.id);
  const labelProperty = definition.label_property;
  const label = labelProperty && properties[labelProperty] !== undefined && properties[labelProperty] !== null
    && properties[labelProperty] !== ""
    ? formatValue(properties[labelProperty], schema[labelProperty], i18n, timeZone) : null;

  const names = [...Object.keys(schema).filter((name) => name in properties),
    ...Object.keys(properties).filter((name) => !(name in schema))];
  const rows = names
    .filter((name) => !(label && name === labelProperty)) // already the heading
    .filter((name) => properties[name] !== null && properties[name] !== undefined && properties[name] !== "")
    .map((name) => el("tr", { dataset: { property: name } }, [
      el("th", { attrs: { scope: "row" }, text: schema[name] ? i18n.pick(schema[name].title, name) : name }),
      el("td", { text: formatValue(properties[name], schema[name], i18n, timeZone) }),
    ]));

  const meta = [];
  if (feature.id !== undefined && feature.id !== null) {
    meta.push(`${i18n.t("popup.feature_id")} ${feature.id}`);
  }
  if (feature.version !== undefined) {
    meta.push(`${i18n.t("popup.version")} ${feature.version}`);
  }
  if (feature.valid_from) {
    meta.push(`${i18n.t("popup.updated")} ${i18n.formatDateTime(feature.valid_from, timeZone)}`);
  }
  if (feature.author) {
    meta.push(`${i18n.t("popup.author")} ${feature.author}`);
  }

  return el("div", { className: "feature-popup", dataset: { layerId: definition.id, featureId: feature.id ?? "" } }, [
    el("p", { className: "popup-layer", text: layerTitle }),
    label ? el("h3", { className: "popup-title", text: label }) : null,
    rows.length
      ? el("table", { className: "popup-properties" }, [el("tbody", {}, rows)])
      : el("p", { className: "popup-empty", text: i18n.t("popup.no_properties") }),
    meta.length ? el("p", { className: "popup-meta", text: meta.join(" · ") }) : null,
    caseLink(definition, feature, i18n),
  ]);
}

/** Cases open in the field view, where their photos, timeline and next steps are. */
function caseLink(definition, feature, i18n) {
  if (definition.id !== "blackspots" || feature.id === undefined || feature.id === null) {
    return null;
  }
  return el("p", { className: "popup-case-link" }, [
    el("a", { attrs: { href: `/field#case/${encodeURIComponent(feature.id)}` }, text: i18n.t("popup.open_case") }),
  ]);
}

/** One popup on the map at a time, re-rendered when the language changes. */
export class FeaturePopup {
  /**
   * @param {object} options
   * @param {L.Map} options.map
   * @param {import("../common/api.js").Api} options.api
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {string} [options.timeZone] the project's time zone (from /api/config)
   */
  constructor({ map, api, i18n, timeZone }) {
    this.map = map;
    this.api = api;
    this.i18n = i18n;
    this.timeZone = timeZone;
    this.render = null; // () => HTMLElement for the current content
    this.request = 0;
    const narrow = globalThis.matchMedia?.("(max-width: 640px)").matches;
    this.popup = L.popup({
      maxWidth: narrow ? 280 : 360,
      minWidth: 200,
      maxHeight: narrow ? 320 : 420,
      autoPanPadding: L.point(16, 16),
      className: "feature-popup-wrap",
    });
    this.popup.on("add", () => this.labelCloseButton());
    this.popup.on("remove", () => {
      this.request += 1;
      this.render = null;
    });
  }

  labelCloseButton() {
    const button = this.popup.getElement()?.querySelector(".leaflet-popup-close-button");
    if (button) {
      button.setAttribute("aria-label", this.i18n.t("popup.close"));
      button.title = this.i18n.t("popup.close");
    }
  }

  show(latlng, render) {
    this.render = render;
    this.popup.setLatLng(latlng).setContent(render());
    if (!this.map.hasLayer(this.popup)) {
      this.popup.openOn(this.map);
    }
  }

  /** Open a popup for a feature already in hand (vector layers get full features). */
  showFeature({ definition, feature, latlng }) {
    this.request += 1;
    this.show(latlng, () => buildFeatureContent({ definition, feature, i18n: this.i18n, timeZone: this.timeZone }));
  }

  /** Open a popup for a feature known by id (points): shows "loading", then the fetched feature. */
  async showById({ definition, fid, latlng }) {
    this.request += 1;
    const request = this.request;
    this.show(latlng, () => el("p", { className: "feature-popup popup-loading", text: this.i18n.t("popup.loading") }));
    try {
      const feature = await this.api.feature(definition.id, fid);
      if (request !== this.request) {
        return;
      }
      const at = feature.geometry && feature.geometry.type === "Point"
        ? L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]) : latlng;
      this.show(at, () => buildFeatureContent({ definition, feature, i18n: this.i18n, timeZone: this.timeZone }));
    } catch (error) {
      if (request !== this.request) {
        return;
      }
      this.show(latlng, () => el("p", {
        className: "feature-popup popup-error",
        text: this.i18n.t("popup.error", { message: this.i18n.errorMessage(error) }),
      }));
    }
  }

  /** Redraw the open popup in the current language. */
  relabel() {
    if (this.render && this.map.hasLayer(this.popup)) {
      this.popup.setContent(this.render());
      this.labelCloseButton();
    }
  }
}
