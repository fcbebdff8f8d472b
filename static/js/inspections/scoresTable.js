// The round's table: every area with its score, the 95 % interval drawn as a bar on a 0–100 scale, the
// places answered, and its rank, or 样本不足 with the count when the interval is too wide to rank; then the
// worst places with their photos, the trend across rounds and the clean-building list.

import { el } from "../common/dom.js";

const LEVEL_WORDS = { district: "scores.level_district", street: "scores.level_street",
  community: "scores.level_community", cell: "scores.level_cell" };

function intervalBar(area) {
  const bar = el("span", { className: "ins-ci" });
  if (area.ci_low !== null) {
    const band = el("span", { className: "ins-ci-band" });
    band.style.left = `${Math.max(0, area.ci_low)}%`;
    band.style.width = `${Math.max(0.5, Math.min(100, area.ci_high) - Math.max(0, area.ci_low))}%`;
    const dot = el("span", { className: "ins-ci-dot" });
    dot.style.left = `${area.score}%`;
    bar.append(band, dot);
  }
  return bar;
}

export function areaRows(areas, i18n) {
  return areas.map((area) => {
    const interval = area.ci_low === null ? "—" : `${area.ci_low} – ${area.ci_high}`;
    const rank = area.ranked ? String(area.rank) : i18n.t("scores.too_few", { n: area.n });
    return el("tr", { dataset: { code: area.code, ranked: area.ranked } }, [
      el("td", { text: area.name || area.code }),
      el("td", { text: i18n.t(LEVEL_WORDS[area.level]) }),
      el("td", { className: "num", text: area.score ?? "—" }),
      el("td", {}, [el("span", { className: "ins-ci-text", text: interval }), intervalBar(area)]),
      el("td", { className: "num", text: `${area.n} / ${area.population}` }),
      el("td", { className: area.ranked ? "num" : "ins-too-few", text: rank }),
    ]);
  });
}

/** ``worst``: places of GET /scores; ``texts``: {item code: {"zh-CN", "en"}} of the round's checklist. */
export function worstItems(worst, i18n, texts = {}) {
  return worst.map((place) => {
    const photo = place.photo_id ? el("img", { className: "ins-thumb",
      attrs: { src: `/api/photos/${place.photo_id}/thumb`, alt: i18n.t("scores.photo_alt") } }) : null;
    const names = place.failed.map((code) => i18n.pick(texts[code], code));
    const failed = names.length ? i18n.t("scores.failed", { items: i18n.join(names) }) : "";
    return el("li", { dataset: { item: place.item } }, [photo, el("span", {
      text: `${place.ref.name || place.ref.layer} · ${place.score} · ${failed}` })]);
  });
}

export function trendItems(rounds, i18n) {
  return rounds.map((round) => el("li", {}, [el("span", { text: i18n.t("scores.trend_row", {
    round: round.id ?? round.round, at: i18n.formatDateTime(round.created_at, undefined, { dateStyle: "medium" }),
    score: round.score ?? "—", low: round.ci_low ?? "—", high: round.ci_high ?? "—", n: round.n }) })]));
}

/** One line per desk figure: its title and source, then every cell's value with the count behind it. */
export function deskItems(figures, names, i18n) {
  return figures.map((figure) => {
    const cells = figure.by_cell.map((row) => {
      const value = row.value === null ? "—" : (row.value <= 1 && figure.code !== "dark_roads"
        ? `${Math.round(row.value * 100)}%` : i18n.formatNumber(row.value));
      return row.n === null ? `${names.get(row.code) || row.code} ${value}`
        : `${names.get(row.code) || row.code} ${value} (n=${row.n})`;
    });
    // a standard's number reads the same in both languages; a source with words of its own comes in both
    const cited = typeof figure.source === "string" ? figure.source : figure.source && i18n.pick(figure.source);
    const source = cited ? ` [${cited}]` : "";
    return el("li", { dataset: { figure: figure.code } }, [el("span", {
      text: `${i18n.pick(figure.title)}${source}: ${i18n.join(cells)}` })]);
  });
}
