// A popup for a case dot on the leaders' maps: the case as it was at that map's date (category, state,
// address, reported, deadline) with a link to open it in the field view. Text only, via textContent.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";

/**
 * Open the popup of case ``item.id`` at ``latlng`` on ``map``.
 * @param {object} options
 * @param {L.Map} options.map
 * @param {import("../common/api.js").Api} options.api
 * @param {import("../common/i18n.js").I18n} options.i18n
 * @param {{id: number}} options.item the dot's case
 * @param {L.LatLng} options.latlng
 * @param {string} [options.at] ISO instant of the map's date; the case is shown as it was then
 * @param {string} [options.timeZone]
 */
export async function openCasePopup({ map, api, i18n, item, latlng, at, timeZone }) {
  const popup = L.popup({ maxWidth: 280 }).setLatLng(latlng)
    .setContent(el("p", { className: "lv-case-popup", text: i18n.t("leaders.case.loading") })).openOn(map);
  let body;
  try {
    const query = at ? `?at=${encodeURIComponent(at)}` : "";
    body = await api.json(api.url(`/cases/${encodeURIComponent(item.id)}${query}`));
  } catch (error) {
    popup.setContent(el("p", { className: "lv-case-popup", text: i18n.t("leaders.case.unavailable") }));
    return popup;
  }
  const rows = [
    ["leaders.case.status", i18n.pick(body.status_label, body.status)],
    ["leaders.case.address", body.address],
    ["leaders.case.reported", body.reported_at && i18n.formatDateTime(body.reported_at, timeZone)],
    ["leaders.case.deadline", body.deadline && i18n.formatDateTime(body.deadline, timeZone)],
    ["leaders.case.unit", body.responsible_unit],
  ].filter(([, value]) => value);
  popup.setContent(el("div", { className: "lv-case-popup", dataset: { caseId: String(body.id) } }, [
    el("h3", { text: `${i18n.pick(body.category_name, body.category)} #${body.id}` }),
    el("table", {}, [el("tbody", {}, rows.map(([key, value]) => el("tr", {}, [
      el("th", { attrs: { scope: "row" }, text: i18n.t(key) }), el("td", { text: String(value) })])))]),
    body.overdue ? el("p", { className: "lv-case-overdue", text: i18n.t("leaders.case.overdue") }) : null,
    el("p", {}, [el("a", { attrs: { href: `/field#case/${encodeURIComponent(body.id)}` },
      text: i18n.t("popup.open_case") })]),
  ]));
  return popup;
}
