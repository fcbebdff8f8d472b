// The report laid out from /api/report, with the same elements and classes as the standalone file the
// server writes (web/report_html.py), so one stylesheet (report.css) prints both. The report's words are
// the server's, in Chinese; text goes in through textContent. The two maps are SVG drawn by the server
// (geo/svgmap.py), parsed with DOMParser and cleaned of anything active before they are adopted.

import { el } from "../common/dom.js";

const ACTIVE = new Set(["script", "foreignobject", "iframe", "object", "embed", "a", "use", "image", "style"]);

/** The server's SVG map as a node of this document, without scripts, links or event handlers. */
export function svgNode(text) {
  const parsed = new DOMParser().parseFromString(`<!DOCTYPE html><body>${text}</body>`, "text/html");
  const svg = parsed.body.firstElementChild;
  if (!svg || svg.tagName.toLowerCase() !== "svg") {
    return el("div", { className: "report-photo-none", text: "—" });
  }
  for (const node of [svg, ...svg.querySelectorAll("*")]) {
    if (ACTIVE.has(node.tagName.toLowerCase())) {
      node.remove();
      continue;
    }
    for (const attribute of [...node.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || name === "href" || name === "xlink:href" || name === "style") {
        node.removeAttribute(attribute.name);
      }
    }
  }
  return document.importNode(svg, true);
}

function table(columns, rows, className, total = null) {
  const cell = (tag, row, key) => el(tag, { text: row[key] ?? "", dataset: { col: key } });
  return el("div", { className: "report-table-wrap" }, [
    el("table", { className: `report-table ${className}` }, [
      el("thead", {}, [el("tr", {}, columns.map(([key, label]) => el("th", { text: label, attrs: { scope: "col" },
        dataset: { col: key } })))]),
      el("tbody", {}, rows.map((row) => el("tr", {}, columns.map(([key]) => cell("td", row, key))))),
      total ? el("tfoot", {}, [el("tr", {}, columns.map(([key]) => cell("td", total, key)))]) : null,
    ]),
  ]);
}

function cards(report) {
  return el("div", { className: "report-cards" }, report.cards.map((card) => el("div", { className: "report-card",
    dataset: { key: card.key } }, [
    el("span", { className: "report-card-value", text: card.value }, [el("small", { text: card.unit })]),
    el("span", { className: "report-card-label", text: card.label }),
  ])));
}

function maps(report) {
  return el("div", { className: "report-maps" }, ["before", "after"].map((key) => el("figure", {
    className: "report-map", dataset: { map: key } }, [
    svgNode(report.maps[key].svg),
    el("figcaption", { text: report.maps[key].title }),
  ])));
}

function photo(item, label, missing) {
  if (!item) {
    return el("figure", { className: "report-photo report-photo-missing" }, [
      el("div", { className: "report-photo-none", text: missing }),
      el("figcaption", { text: label }),
    ]);
  }
  return el("figure", { className: "report-photo" }, [
    el("img", { attrs: { src: item.data_uri, alt: label }, dataset: { case: item.case_id } }),
    el("figcaption", { text: `${label} · ${item.taken_at}` }),
  ]);
}

function places(report) {
  const labels = report.labels;
  return report.blackspots.map((place) => el("article", { className: "report-place", dataset: { rank: place.rank } }, [
    el("h3", {}, [el("span", { className: "report-rank", text: place.rank }),
      `${place.category_name} · ${place.address}`]),
    el("p", { text: place.text }),
    el("div", { className: "report-photos" }, [
      photo(place.photos?.before, labels.before, labels.no_photo),
      photo(place.photos?.after, labels.after, labels.no_photo),
    ]),
    place.photo_note ? el("p", { className: "report-note", text: place.photo_note }) : null,
  ]));
}

function blocks(report) {
  const labels = report.labels;
  const categories = report.compare.by_category.map((row) => ({ ...row, name: row.name?.["zh-CN"] ?? row.category }));
  const grids = report.grid_table.map((row) => ({ ...row, name: row.short_name }));
  const remaining = report.remaining.shown;
  return {
    overview: [cards(report)],
    work: categories.length ? [table(labels.category_table, categories, "report-categories")] : [],
    compare: [maps(report)],
    blackspots: places(report),
    grids: [table(labels.grid_table, grids, "report-grids", report.grid_totals)],
    problems: remaining.length ? [table(labels.remaining_table, remaining, "report-remaining")] : [],
  };
}

/** Replace ``article``'s content with the report. */
export function renderReport(article, report) {
  const labels = report.labels;
  const period = report.period;
  const scope = report.filters.labels.length ? report.filters.labels.join("、") : labels.whole;
  const extra = blocks(report);
  article.dataset.from = period.from;
  article.dataset.to = period.to;
  article.replaceChildren(
    el("header", { className: "report-head" }, [
      el("h1", { className: "report-title", text: report.title }, [
        report.community.fictional ? el("span", { className: "report-badge", text: labels.fictional }) : null,
      ]),
      el("p", { className: "report-period", text: `${labels.period}：${period.from_label}至${period.to_label}` }),
      el("p", { className: "report-meta",
        text: `${labels.scope}：${scope} · ${labels.generated}：${report.generated_at.slice(0, 16).replace("T", " ")}` }),
    ]),
    ...report.sections.map((section) => el("section", { className: "report-section",
      attrs: { id: `report-${section.id}` }, dataset: { section: section.id } }, [
      el("h2", { text: section.heading }),
      ...section.paragraphs.map((text) => el("p", { text })),
      ...(extra[section.id] || []),
    ])),
    el("footer", { className: "report-foot", text: labels.footer.replace("{to}", period.to_label) }),
  );
}
