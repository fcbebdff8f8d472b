"""The round's table for Excel: every area's score with its interval, the count behind it and its rank (or
"too few samples"), in the reader's language."""

from __future__ import annotations

from layers import i18n
from layers.cases.places import Places
from layers.exports.xlsx import write_xlsx
from layers.inspections.scores import round_scores
from layers.store import Store

HEADERS = ("inspections.export.code", "inspections.export.level", "inspections.export.name",
           "inspections.export.score", "inspections.export.ci_low", "inspections.export.ci_high",
           "inspections.export.n", "inspections.export.population", "inspections.export.rank")  # fmt: skip
LEVEL_WORDS = {"district": "inspections.level.district", "street": "inspections.level.street",
               "community": "inspections.level.community", "cell": "inspections.level.cell"}  # fmt: skip


def round_workbook(store: Store, places: Places, round_: dict, tz, lang: str) -> bytes:
    """An .xlsx of the round's areas (one row each, district to cell)."""
    body = round_scores(store, places, round_, tz)
    header = [i18n.text(key, lang) for key in HEADERS]
    too_few = i18n.text("inspections.export.too_few", lang)
    rows = []
    for area in body["areas"]:
        level = i18n.text(LEVEL_WORDS[area["level"]], lang)
        rank = area["rank"] if area["ranked"] else too_few
        rows.append([area["code"], level, area["name"], area["score"], area["ci_low"], area["ci_high"], area["n"],
                     area["population"], rank])  # fmt: skip
    title = i18n.text("inspections.export.sheet", lang, round_id=round_["id"])
    return write_xlsx(header, rows, sheet_name=title)
