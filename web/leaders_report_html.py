"""The leaders' report as one standalone HTML file: the report's data (``layers.leaders.report``) laid out with the
same classes as the ``/report`` page, the page's stylesheet inlined, the maps as inline SVG and the photos
as data: URIs. No script and no URL of any kind, so the file opens anywhere, offline, and prints on A4."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from layers import i18n

STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "css" / "report.css"


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """static/css/report.css, which holds no url() or @import (checked here: the file must stay standalone)."""
    css = STYLESHEET.read_text(encoding="utf-8")
    if "url(" in css or "@import" in css or "</style" in css.lower():
        raise RuntimeError("static/css/report.css must not load anything: the standalone report inlines it")
    return css


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(columns: list[list[str]], rows: list[dict], css: str, total: dict | None = None) -> str:
    head = "".join(f'<th scope="col" data-col="{_e(key)}">{_e(label)}</th>' for key, label in columns)
    body = "".join("<tr>" + "".join(f'<td data-col="{_e(key)}">{_e(row.get(key))}</td>' for key, _ in columns)
                   + "</tr>" for row in rows)  # fmt: skip
    foot = ""
    if total is not None:
        foot = "<tfoot><tr>" + "".join(f'<td data-col="{_e(key)}">{_e(total.get(key))}</td>' for key, _ in columns)
        foot += "</tr></tfoot>"
    return (f'<div class="report-table-wrap"><table class="report-table {css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody>{foot}</table></div>")  # fmt: skip


def _cards(report: dict) -> str:
    items = "".join(f'<div class="report-card" data-key="{_e(c["key"])}"><span class="report-card-value">'
                    f'{_e(c["value"])}<small>{_e(c["unit"])}</small></span><span class="report-card-label">'
                    f'{_e(c["label"])}</span></div>' for c in report["cards"])  # fmt: skip
    return f'<div class="report-cards">{items}</div>'


def _maps(report: dict) -> str:
    figures = []
    for key in ("before", "after"):
        item = report["maps"][key]
        # The SVG comes from geo.svgmap, which escapes every text it draws.
        figures.append(f'<figure class="report-map" data-map="{key}">{item["svg"]}'
                       f'<figcaption>{_e(item["title"])}</figcaption></figure>')  # fmt: skip
    return f'<div class="report-maps">{"".join(figures)}</div>'


def _photo(photo: dict | None, label: str, missing: str) -> str:
    if photo is None:
        return (f'<figure class="report-photo report-photo-missing"><div class="report-photo-none">{_e(missing)}'
                f"</div><figcaption>{_e(label)}</figcaption></figure>")  # fmt: skip
    return (f'<figure class="report-photo"><img src="{_e(photo["data_uri"])}" alt="{_e(label)}" '
            f'data-case="{_e(photo["case_id"])}"><figcaption>{_e(label)} · {_e(photo["taken_at"])}</figcaption>'
            f"</figure>")  # fmt: skip


def _places(report: dict) -> str:
    labels, out = report["labels"], []
    for place in report["blackspots"]:
        photos = place["photos"] or {}
        note = f'<p class="report-note">{_e(place["photo_note"])}</p>' if place.get("photo_note") else ""
        out.append(f'<article class="report-place" data-rank="{place["rank"]}"><h3><span class="report-rank">'
                   f'{place["rank"]}</span>{_e(place["category_name"])} · {_e(place["address"])}</h3>'
                   f'<p>{_e(place["text"])}</p><div class="report-photos">'
                   f'{_photo(photos.get("before"), labels["before"], labels["no_photo"])}'
                   f'{_photo(photos.get("after"), labels["after"], labels["no_photo"])}</div>{note}</article>')
    return "".join(out)


def _blocks(report: dict) -> dict[str, str]:
    """What follows each section's paragraphs."""
    labels = report["labels"]
    categories = [r | {"name": (r.get("name") or {}).get("zh-CN", r["category"])}
                  for r in report["compare"]["by_category"]]
    remaining = report["remaining"]
    return {
        "overview": _cards(report),
        "work": _table(labels["category_table"], categories, "report-categories") if categories else "",
        "compare": _maps(report),
        "blackspots": _places(report),
        "grids": _table(labels["grid_table"], [r | {"name": r["short_name"]} for r in report["grid_table"]],
                        "report-grids", report["grid_totals"]),
        "problems": _table(labels["remaining_table"], remaining["shown"], "report-remaining")
        if remaining["shown"] else "",
    }  # fmt: skip


def render_report(report: dict) -> str:
    """The whole report as one HTML document."""
    labels, period, blocks = report["labels"], report["period"], _blocks(report)
    scope = i18n.text("report.word.list_separator").join(report["filters"]["labels"]) or labels["whole"]
    badge = f'<span class="report-badge">{_e(labels["fictional"])}</span>' if report["community"]["fictional"] else ""
    sections = "".join(
        f'<section class="report-section" id="report-{_e(s["id"])}" data-section="{_e(s["id"])}"><h2>{_e(s["heading"])}'
        "</h2>" + "".join(f"<p>{_e(p)}</p>" for p in s["paragraphs"]) + blocks.get(s["id"], "") + "</section>"
        for s in report["sections"]
    )  # fmt: skip
    footer = labels["footer"].replace("{to}", period["to_label"]) + " " + i18n.text(
        "report.label.history_head", head=report["history_head"])
    when = i18n.text("report.head.period", label=labels["period"], start=period["from_label"], end=period["to_label"])
    meta = i18n.text("report.head.meta", scope_label=labels["scope"], scope=scope, generated_label=labels["generated"],
                     generated=report["generated_at"][:16].replace("T", " "))  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(report["title"])} {_e(period["from_date"])}—{_e(period["to_date"])}</title>'
        f"<style>{stylesheet()}</style></head>"
        f'<body class="report-file"><main class="report" data-from="{_e(period["from"])}" data-to="{_e(period["to"])}">'
        f'<header class="report-head"><h1 class="report-title">{_e(report["title"])}{badge}</h1>'
        f'<p class="report-period">{_e(when)}</p><p class="report-meta">{_e(meta)}</p></header>'
        f'{sections}<footer class="report-foot">{_e(footer)}</footer></main></body></html>\n'
    )
