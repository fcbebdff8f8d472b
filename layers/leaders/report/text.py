"""The words of the leaders' report, in the shape of a community 创卫 work summary (基本情况, 主要工作, 整治
前后对比, 反复出现的点位, 各网格情况, 存在问题, 下阶段工作), written only from the report's own figures:
every number in a sentence is one of the report's, and a sentence whose figure is zero or missing says so
or is left out, never padded."""

from __future__ import annotations

from layers import i18n
from layers.catalogue import facility, load_catalogue, with_role

_NUMERALS = i18n.text("report.word.numerals").split()
_DOTS = {"#d62f27": i18n.text("report.dot.red"), "#f39c12": i18n.text("report.dot.orange"),
         "#7b3294": i18n.text("report.dot.purple"), "#1a9850": i18n.text("report.dot.green")}  # the maps' colours
_SEP, _COMMA = i18n.text("report.word.list_separator"), i18n.text("report.word.comma")  # list and comma punctuation
_CLAUSES, _STOP = i18n.text("report.word.clauses"), i18n.text("report.word.stop")  # clause and sentence ends
_CASES = i18n.text("report.unit.cases")  # the counter word of cases


def percent(ratio: float | None) -> str:
    """0.8523 → '85.2%'; None → '—'."""
    return "—" if ratio is None else f"{100 * ratio:.1f}%".replace(".0%", "%")


def duration(hours: float | None) -> str:
    """Median time to fix in words: hours under two days, days beyond."""
    if hours is None:
        return "—"
    if hours < 48:
        return i18n.text("report.duration.hours", hours=hours)
    return i18n.text("report.duration.days", days=hours / 24)


def metres(value: float) -> str:
    return i18n.text("report.unit.metres", value=value)


def _items(pairs: list[tuple[str, int]], limit: int = 5) -> str:
    """'暴露垃圾42宗、店外经营18宗等' from (name, count) pairs, largest first."""
    shown = _SEP.join(i18n.text("report.items.item", name=name, count=n) for name, n in pairs[:limit])
    return i18n.text("report.items.more", items=shown) if len(pairs) > limit else shown


def _scope(report: dict) -> str:
    labels = report["filters"]["labels"]
    name = report["community"]["name"]
    return i18n.text("report.scope.filtered", community=name, labels=_SEP.join(labels)) if labels else name


def _short(report: dict, name: str) -> str:
    community = report["community"]["name"]
    return name[len(community):] if name.startswith(community) and len(name) > len(community) else name


def overview(report: dict) -> list[str]:
    f, p = report["figures"], report["period"]
    out = []
    if report["community"]["fictional"]:
        out.append(i18n.text("report.overview.fictional"))
    first = i18n.text("report.overview.received", start=p["from_label"], end=p["to_label"], days=p["days"],
                      scope=_scope(report), count=f["new"])  # fmt: skip
    if f["not_accepted"]:
        first += i18n.text("report.overview.not_accepted", count=f["not_accepted"])
    out.append(first + i18n.text("report.overview.open_before", count=f["open_before"]))
    second = i18n.text("report.overview.fixed", count=f["fixed"], rate=percent(f["fix_rate"]))
    if f["median_hours_to_fix"] is not None:
        second += i18n.text("report.overview.median", duration=duration(f["median_hours_to_fix"]),
                            count=f["timed_fixes"])  # fmt: skip
    out.append(second + _STOP)
    third = i18n.text("report.overview.open_after", end=p["to_label"], count=f["open_after"])
    if f["open_after"]:
        overdue = i18n.text("report.overview.overdue", count=f["overdue"])
        third += overdue if f["overdue"] else i18n.text("report.overview.none_overdue")
    out.append(third + _STOP)
    if f["recurring"]:
        out.append(i18n.text("report.overview.recurring", count=f["recurring"]))
    else:
        out.append(i18n.text("report.overview.no_recurring"))
    return out


def _facilities(figure: str) -> list[tuple[str, str]]:
    """(layer id, what it is called in the report) of the catalogue's facilities shown as ``figure``, by rank:
    the role's ``report`` text, else the layer's title."""
    out = []
    for definition in with_role(load_catalogue(), "facility"):
        leaders = facility(definition).get("leaders") or {}
        if leaders.get("figure") == figure:
            out.append((definition["id"], (leaders.get("report") or definition["title"])["zh-CN"]))
    return out


def _coverage(coverage: dict) -> list[str]:
    before, after = coverage.get("before") or {}, coverage.get("after") or {}
    out = []
    for layer, what in _facilities("gaps"):
        b, a = (before.get(layer) or {}).get("gap_length_m"), (after.get(layer) or {}).get("gap_length_m")
        if a is None or b is None:
            continue
        if a < b:
            out.append(i18n.text("report.coverage.gap_down", what=what, before=metres(b), after=metres(a)))
        elif a > b:
            out.append(i18n.text("report.coverage.gap_up", what=what, before=metres(b), after=metres(a)))
        else:
            out.append(i18n.text("report.coverage.gap_same", what=what, after=metres(a)))
    for layer, what in _facilities("coverage"):
        b, a = before.get(layer) or {}, after.get(layer) or {}
        if a.get("coverage_ratio") is None or b.get("coverage_ratio") is None:
            continue
        head = i18n.text("report.coverage.head", what=what, radius_m=a["radius_m"])
        if round(a["coverage_ratio"], 3) == round(b["coverage_ratio"], 3):
            out.append(i18n.text("report.coverage.ratio_same", head=head, after=percent(a["coverage_ratio"])))
        else:
            out.append(i18n.text("report.coverage.ratio_changed", head=head, before=percent(b["coverage_ratio"]),
                                 after=percent(a["coverage_ratio"])))  # fmt: skip
    return out


def work(report: dict) -> list[str]:
    compare = report["compare"]
    fixed = [(r["name"]["zh-CN"] if r.get("name") else r["category"], r["fixed"])
             for r in sorted(compare["by_category"], key=lambda r: -r["fixed"]) if r["fixed"]]  # fmt: skip
    out = [i18n.text("report.work.by_category", items=_items(fixed, 6)) if fixed
           else i18n.text("report.work.by_category_none")]  # fmt: skip
    grids = sorted((r for r in report["grid_table"] if r["fixed"]), key=lambda r: (-r["fixed"], r["grid_code"]))
    if grids:
        top = _SEP.join(i18n.text("report.work.grid", name=_short(report, r["name"]), count=r["fixed"])
                        for r in grids[:3])  # fmt: skip
        out.append(i18n.text("report.work.by_grid", grids=top))
    facilities = _coverage(report.get("coverage") or {})
    if facilities:
        out.append(i18n.text("report.work.facilities", items=_CLAUSES.join(facilities)))
    return out


def before_after(report: dict) -> list[str]:
    f, p = report["figures"], report["period"]
    change = f["open_after"] - f["open_before"]
    if change < 0:
        trend = i18n.text("report.compare.down", count=-change) + (i18n.text(
            "report.compare.down_ratio", ratio=percent(-change / f["open_before"])) if f["open_before"] else "")
    elif change > 0:
        trend = i18n.text("report.compare.up", count=change)
    else:
        trend = i18n.text("report.compare.flat")
    out = [i18n.text("report.compare.open", start=p["from_label"], before=f["open_before"], end=p["to_label"],
                     after=f["open_after"], trend=trend)]  # fmt: skip
    parts = []
    for key, when in (("before", i18n.text("report.compare.map_before")),
                      ("after", i18n.text("report.compare.map_after"))):
        legend = [e for e in report["maps"][key]["legend"] if e["count"]]
        shown = [i18n.text("report.compare.dot", dot=_DOTS.get(e["color"], i18n.text("report.dot.other")),
                           label=e["label"]) for e in legend]  # fmt: skip
        if shown:
            parts.append(when + _COMMA.join(shown))
    if report["blackspots"]:
        parts.append(i18n.text("report.compare.numbered"))
    return out + ([_CLAUSES.join(parts) + _STOP] if parts else [])


def blackspots(report: dict) -> list[str]:
    places, p = report["blackspots"], report["period"]
    if not places:
        return [i18n.text("report.blackspots.none", end=p["to_label"])]
    return [i18n.text("report.blackspots.listed", end=p["to_label"], count=len(places))]


def place_text(report: dict, place: dict) -> str:
    """One recurring place in a sentence."""
    where = place["address"] or i18n.text("report.place.no_address")
    status = (place["status_label"] or {}).get("zh-CN", "—")
    return i18n.text("report.place.text", where=where, grid=_short(report, place["grid_name"]),
                     category=place["category_name"], reports=place["reports"], recurring=place["recurring"],
                     in_period=place["recurring_in_period"], last=place["last_reported"], status=status)


def grids(report: dict) -> list[str]:
    rows = report["grid_table"]
    out = [i18n.text("report.grids.intro")]
    worst = max(rows, key=lambda r: (r["overdue"], r["open"]), default=None)
    if worst and worst["overdue"]:
        out.append(i18n.text("report.grids.most_overdue", name=_short(report, worst["name"]), count=worst["overdue"]))
    timed = [r for r in rows if r["median_hours"] is not None]
    if len(timed) > 1:
        fast = min(timed, key=lambda r: r["median_hours"])
        slow = max(timed, key=lambda r: r["median_hours"])
        out.append(i18n.text("report.grids.fastest_slowest", fast=_short(report, fast["name"]),
                             fast_time=duration(fast["median_hours"]), slow=_short(report, slow["name"]),
                             slow_time=duration(slow["median_hours"])))  # fmt: skip
    return out


def problems(report: dict) -> list[str]:
    remaining, places = report["remaining"], report["blackspots"]
    points = []
    if remaining["total"]:
        cats = [(c["name"], c["open"]) for c in remaining["by_category"]]
        points.append(i18n.text("report.problems.open", count=remaining["total"], overdue=remaining["overdue"],
                                items=_items(cats, 4)))  # fmt: skip
    absent = [(c["name"], c["open"]) for c in remaining["by_category"] if c["group"] == "absence"]
    if absent:
        points.append(i18n.text("report.problems.absent", count=sum(n for _, n in absent), items=_items(absent, 4)))
    if places:
        cats = sorted({p["category_name"] for p in places})
        points.append(i18n.text("report.problems.recurring", count=len(places), categories=_SEP.join(cats)))
    if not points:
        return [i18n.text("report.problems.none")]
    out = [_CLAUSES.join(i18n.text("report.problems.point", numeral=_NUMERALS[k], text=text)
                         for k, text in enumerate(points)) + _STOP]  # fmt: skip
    listed = i18n.text("report.problems.listed")
    if remaining["more"]:
        listed += i18n.text("report.problems.more", shown=len(remaining["shown"]), more=remaining["more"])
    return out + [listed + _STOP] if remaining["total"] else out


def owners(report: dict) -> list[str]:
    rows = report["remaining"]["owners"]
    if not rows:
        return [i18n.text("report.owners.none")]
    out = [i18n.text("report.owners.intro")]
    for k, row in enumerate(rows, 1):
        text = i18n.text("report.owners.row", index=k, unit=row["responsible_unit"], count=row["open"])
        if row["overdue"]:
            text += i18n.text("report.owners.overdue", count=row["overdue"])
        if row["earliest_deadline"]:
            text += i18n.text("report.owners.deadline", deadline=row["earliest_deadline"])
        if row["categories"]:
            text += i18n.text("report.owners.categories", categories=_SEP.join(row["categories"]))
        out.append(text + _STOP)
    return out


def sections(report: dict) -> list[dict]:
    """The report's sections in order: ``{"id", "heading", "paragraphs"}``."""
    parts = (("overview", i18n.text("report.section.overview"), overview),
             ("work", i18n.text("report.section.work"), work),
             ("compare", i18n.text("report.section.compare"), before_after),
             ("blackspots", i18n.text("report.section.blackspots"), blackspots),
             ("grids", i18n.text("report.section.grids"), grids),
             ("problems", i18n.text("report.section.problems"), problems),
             ("owners", i18n.text("report.section.owners"), owners))  # fmt: skip
    return [{"id": key, "heading": i18n.text("report.section.heading", numeral=_NUMERALS[k], title=heading),
             "paragraphs": write(report)} for k, (key, heading, write) in enumerate(parts)]  # fmt: skip


#: The report's fixed words (headings of tables and cards), shared by the page and the standalone file.
LABELS = {
    "period": i18n.text("report.label.period"), "generated": i18n.text("report.label.generated"),
    "scope": i18n.text("report.label.scope"), "whole": i18n.text("report.label.whole"),
    "total": i18n.text("report.label.total"), "before": i18n.text("report.label.before"),
    "after": i18n.text("report.label.after"), "no_photo": i18n.text("report.label.no_photo"),
    "fictional": i18n.text("report.label.fictional"),
    "footer": i18n.text("report.label.footer", to="{to}"),  # the page and the file put the period's end in
    "category_table": [["name", i18n.text("report.column.category")], ["new", i18n.text("report.column.new")],
                       ["fixed", i18n.text("report.column.fixed")],
                       ["still_open", i18n.text("report.column.still_open")]],
    "grid_table": [["name", i18n.text("report.column.grid")], ["responsible_unit", i18n.text("report.column.unit")],
                   ["new", i18n.text("report.column.new")], ["fixed", i18n.text("report.column.fixed")],
                   ["still_open", i18n.text("report.column.still_open")], ["open", i18n.text("report.column.open")],
                   ["overdue", i18n.text("report.column.overdue")],
                   ["median_text", i18n.text("report.column.median")]],
    "remaining_table": [["index", i18n.text("report.column.index")], ["id", i18n.text("report.column.id")],
                        ["category_name", i18n.text("report.column.category")],
                        ["address", i18n.text("report.column.address")], ["owner", i18n.text("report.column.unit")],
                        ["status_text", i18n.text("report.column.status")],
                        ["deadline", i18n.text("report.column.deadline")],
                        ["overdue_text", i18n.text("report.column.overdue_days")]],
}  # fmt: skip


def cards(report: dict) -> list[dict]:
    """The key figures as labelled, formatted values (the cards under 基本情况)."""
    f = report["figures"]
    return [
        {"key": "new", "label": i18n.text("report.card.new"), "value": f"{f['new']:,}", "unit": _CASES},
        {"key": "fixed", "label": i18n.text("report.card.fixed"), "value": f"{f['fixed']:,}", "unit": _CASES},
        {"key": "fix_rate", "label": i18n.text("report.card.fix_rate"), "value": percent(f["fix_rate"]), "unit": ""},
        {"key": "open_after", "label": i18n.text("report.card.open_after"), "value": f"{f['open_after']:,}",
         "unit": _CASES},
        {"key": "overdue", "label": i18n.text("report.card.overdue"), "value": f"{f['overdue']:,}", "unit": _CASES},
        {"key": "recurring", "label": i18n.text("report.card.recurring"), "value": f"{f['recurring']:,}",
         "unit": _CASES},
    ]


def decorate(report: dict) -> None:
    """Add the formatted texts the page and the file print as they are: each recurring place's sentence,
    each grid row's time to fix, each remaining problem's state, short grid names."""
    for place in report["blackspots"]:
        place["text"] = place_text(report, place)
    for row in report["grid_table"]:
        row["median_text"] = duration(row["median_hours"])
        row["short_name"] = _short(report, row["name"])
    for k, row in enumerate(report["remaining"]["shown"], 1):
        status = (row["status_label"] or {}).get("zh-CN", row["status"] or "—")
        row["index"] = k
        row["status_text"] = status
        row["overdue_text"] = f"{row['overdue_days']:,}" if row["overdue"] else ""
        row["grid_short"] = _short(report, row["grid_name"])
        row["owner"] = row["responsible_unit"] or i18n.text("report.owner.undispatched")
        if row["assignee"]:
            row["owner"] += i18n.text("report.owner.assignee", name=row["assignee"])
    counts = ("new", "fixed", "still_open", "open", "overdue")
    report["grid_totals"] = {key: sum(r[key] for r in report["grid_table"]) for key in counts}
    report["grid_totals"] |= {"name": LABELS["total"], "short_name": LABELS["total"], "responsible_unit": "",
                              "median_text": duration(report["figures"]["median_hours_to_fix"])}  # fmt: skip
    report["cards"] = cards(report)
    report["labels"] = LABELS
