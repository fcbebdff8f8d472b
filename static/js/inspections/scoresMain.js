// Entry point of the leaders' inspection page (/scores?round=ID): the score map of the round's cells, the
// table of every area with its 95 % interval and count (ranked only on enough data), the worst places with
// their photos, the trend of the round's area across rounds, an Excel download and a print layout for the
// 检查评比 report. Tests read body[data-ready] and the table's rows.

import { Api, goToLogin } from "../common/api.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { UserMenu } from "../common/userMenu.js";
import { ScoreMap } from "./scoresMap.js";
import { hasPermission } from "../common/session.js";
import { RoundForm } from "./roundForm.js";
import { areaRows, deskItems, trendItems, worstItems } from "./scoresTable.js";

const REASON_WORDS = { no_after_photo: "scores.reason_no_after_photo", no_camera_time: "scores.reason_no_camera_time",
  taken_before_dispatch: "scores.reason_taken_before_dispatch", no_position: "scores.reason_no_position",
  far_from_case: "scores.reason_far_from_case", reused_photo: "scores.reason_reused_photo" };

async function cells(api) {
  const body = await api.json(api.url("/layers/grid/features?limit=10000"));
  return body.features.map((f) => ({ code: f.properties.code, name: f.properties.name, geometry: f.geometry }));
}

async function start() {
  const body = document.body;
  const api = new Api();
  const i18n = new I18n({ storage: safeStorage() });
  const [session] = await Promise.all([api.session(), i18n.load()]);
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user: session.user, page: "scores" }).start();
  const [config, definitions, grid, list, catalogue] = await Promise.all([api.config(), api.layers(), cells(api),
    api.json(api.url("/inspections")), api.json(api.url("/checklists"))]);
  const names = new Map(grid.map((cell) => [cell.code, cell.name]));
  const map = new ScoreMap({ element: document.getElementById("score-map"), api, i18n, config, definitions });
  const select = document.getElementById("round-select");
  const titles = new Map(catalogue.checklists.map((c) => [c.code, c.title]));
  const fillSelect = () => select.replaceChildren(...list.rounds.map((round) => {
    const option = document.createElement("option");
    option.value = String(round.id);
    option.textContent = i18n.t("scores.round_option", { id: round.id, area: names.get(round.area) || round.area,
      checklist: i18n.pick(titles.get(round.checklist), round.checklist),
      status: i18n.t(round.status === "open" ? "scores.round_open" : "scores.round_closed") });
    return option;
  }));
  fillSelect();
  const closeButton = document.getElementById("close-round");
  const show = async (id) => {
    body.dataset.ready = "loading";
    const round = list.rounds.find((r) => String(r.id) === String(id));
    closeButton.hidden = !(round.status === "open" && hasPermission(session.user, "cases.dispatch"));
    let scores;
    try {
      scores = await api.json(api.url(`/inspections/${encodeURIComponent(id)}/scores`));
    } catch (error) {
      if (error.status !== 403) {
        throw error;
      }
      document.getElementById("score-summary").textContent = i18n.errorMessage(error); // an open spot-check
      for (const part of ["score-rows", "worst-list", "trend-list", "desk-list"]) {
        document.getElementById(part).replaceChildren();
      }
      map.show(grid, []);
      body.dataset.ready = "true";
      return;
    }
    const trend = await api.json(api.url(`/inspections/trend?area=${round.area}&checklist=${round.checklist}`));
    const checklist = await api.json(api.url(`/checklists/${encodeURIComponent(round.checklist)}?version=${scores.checklist_version}`));
    const texts = Object.fromEntries(checklist.items.map((item) => [item.code, item.text]));
    document.getElementById("score-summary").textContent = i18n.t("scores.summary", { drawn: scores.drawn,
      answered: scores.answered, counted: scores.counted, flagged: scores.flagged,
      min_n: scores.ranking.min_n, width: scores.ranking.max_half_width });
    document.getElementById("score-rows").replaceChildren(...areaRows(scores.areas, i18n));
    document.getElementById("worst-list").replaceChildren(...worstItems(scores.worst, i18n, texts));
    document.getElementById("trend-list").replaceChildren(...trendItems(trend.rounds, i18n));
    const clean = document.getElementById("clean-box");
    clean.hidden = !scores.clean_buildings;
    if (scores.clean_buildings) {
      document.getElementById("clean-list").replaceChildren(...worstItems(scores.clean_buildings.buildings, i18n, texts));
    }
    const desk = await api.json(api.url(`/inspections/${encodeURIComponent(id)}/desk`));
    document.getElementById("desk-list").replaceChildren(...deskItems(desk.figures, names, i18n));
    const evidence = await api.json(api.url(`/inspections/evidence?area=${round.area}`));
    const reasons = Object.entries(evidence.reasons).filter(([, n]) => n > 0)
      .map(([code, n]) => `${i18n.t(REASON_WORDS[code])} ${n}`);
    document.getElementById("evidence-line").textContent = i18n.t("scores.evidence", { closed: evidence.closed,
      verified: evidence.verified, unverified: evidence.unverified, reasons: i18n.join(reasons) || "—" });
    document.getElementById("export-link").href = `/api/inspections/${encodeURIComponent(id)}/export.xlsx?lang=${i18n.lang}`;
    map.show(grid, scores.areas);
    await map.ready;
    body.dataset.ready = "true";
  };
  select.addEventListener("change", () => show(select.value));
  const reload = async (id) => {
    list.rounds = (await api.json(api.url("/inspections"))).rounds;
    fillSelect();
    select.value = String(id);
    await show(id);
  };
  closeButton.addEventListener("click", async () => {
    await api.send("POST", `/inspections/${encodeURIComponent(select.value)}/close`, {});
    await reload(select.value);
  });
  new RoundForm({ root: document.getElementById("round-form"), api, i18n, user: session.user,
    checklists: catalogue.checklists, cells: grid, onCreated: (created) => reload(created.id) }).start();
  document.getElementById("print-button").addEventListener("click", () => globalThis.print());
  const wanted = new URLSearchParams(globalThis.location.search).get("round");
  if (wanted && list.rounds.some((r) => String(r.id) === wanted)) {
    select.value = wanted;
  }
  if (select.value) {
    await show(select.value);
  } else {
    body.dataset.ready = "true";
  }
}

start().catch((error) => {
  document.body.dataset.ready = "error";
  console.error(error);
});
