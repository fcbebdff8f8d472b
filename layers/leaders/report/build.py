"""The leaders' printable report for a period, assembled from the store: the compare and dashboard figures
(``layers.leaders``), the before/after maps, the places where problems keep coming back with their latest
before and after photos, the per-grid table and the problems still open with their owners and deadlines,
plus the text of a community 创卫 work summary generated from those figures (``layers.leaders.report.text``)."""

from __future__ import annotations

import base64
import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from geo import casestats
from geo.reportstats import period_fix_hours, recurring_places
from layers import i18n
from layers.accounts import CASE_LAYER
from layers.cases import workflow
from layers.catalogue.frames import layer_frame
from layers.leaders import Filters, Leaders, compare_view, dashboard_view, names
from layers.leaders.report.maps import MapInput, base_layers, extent_of, folium_page, kinds_of, svg_maps
from layers.leaders.report.text import decorate, sections
from layers.store import Store, format_instant

REMAINING_MAX = 50  # problems listed one by one; the rest are counted
TOP_PLACES = 5
DAY_US = 86_400_000_000
_PLACE_WORDS = re.compile(r"^(.*(?:社区|街道|村|镇)(?:（[^（）]*）|\([^()]*\))?)")


def date_zh(us: int, tz: ZoneInfo) -> str:
    """2026年6月1日."""
    day = datetime.fromtimestamp(us / 1e6, tz)
    return i18n.text("report.date.long", year=day.year, month=day.month, day=day.day)


def date_iso(us: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(us / 1e6, tz).date().isoformat()


def community(store: Store, grid_names: dict[str, dict]) -> dict:
    """The community's name: the demo's, else what the grid cells' names share ("新港社区第一网格", ...)."""
    meta = store.get_meta("demo") or {}
    name = str(meta.get("name") or "").split("/")[0].strip()  # "新港社区（虚构示例）/ Xingang Community (…)"
    if not name:
        labels = sorted(n["zh-CN"] for n in grid_names.values() if n.get("zh-CN"))
        prefix = labels[0] if len(labels) == 1 else _common_prefix(labels)
        match = _PLACE_WORDS.match(prefix)
        name = match.group(1) if match else prefix.rstrip("第 ·-_（(")
    if len(name) < 2:
        name = i18n.text("report.community.default")
    plain = re.sub(r"（[^（）]*）|\([^()]*\)", "", name).strip() or name
    return {"name": name, "plain_name": plain, "fictional": bool(meta.get("fictional"))}


def _common_prefix(texts: list[str]) -> str:
    if not texts:
        return ""
    first, last = texts[0], texts[-1]  # sorted: their common prefix is everyone's
    k = 0
    while k < min(len(first), len(last)) and first[k] == last[k]:
        k += 1
    return first[:k]


def file_name(report: dict) -> str:
    """新港社区创卫工作报告_2026-06-01_2026-11-29.html"""
    period = report["period"]
    return i18n.text("report.file.report", community=report["community"]["plain_name"], start=period["from_date"],
                     end=period["to_date"])  # fmt: skip


def _short_grid_labels(grid_names: dict[str, dict], community_name: str) -> dict[str, str]:
    out = {}
    for code, name in grid_names.items():
        text = name["zh-CN"]
        out[code] = text[len(community_name):] if text.startswith(community_name) and len(text) > len(community_name) \
            else text  # fmt: skip
    return out


def _clean(value):
    """A value read from a frame as plain JSON: missing (NA, NaN) as None, numpy numbers as Python's."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _photo(store: Store, record: dict, tz: ZoneInfo) -> dict | None:
    """A photo's thumbnail as a data: URI, so the report needs no request to show it (None when its file
    cannot be read: the report then says the photo is missing rather than failing)."""
    try:
        thumb = store.read_blob(record["thumb_key"])
    except (OSError, ValueError):
        return None
    taken = record.get("taken_at") or format_instant(record["uploaded_at"], tz)
    return {"id": record["id"], "case_id": record["case_fid"], "kind": record["kind"],
            "data_uri": "data:image/jpeg;base64," + base64.b64encode(thumb).decode("ascii"),
            "taken_at": str(taken)[:16].replace("T", " "), "uploaded_by": record.get("uploaded_by")}  # fmt: skip


def place_photos(store: Store, fids: list[int], to_us: int, tz: ZoneInfo) -> tuple[dict, str | None]:
    """The latest case with an "after" photo gives both photos (the same spot before and after the fix);
    without one, the latest "before" photo alone. Also what is missing, in words."""
    latest_before = None
    for fid in reversed(fids):  # newest report first
        photos = store.case_photos(fid, at=to_us)
        before = [p for p in (_photo(store, p, tz) for p in photos if p["kind"] == "before") if p]
        after = [p for p in (_photo(store, p, tz) for p in photos if p["kind"] == "after") if p]
        if after:
            pair = {"before": before[-1] if before else None, "after": after[-1]}
            return pair, None if before else i18n.text("report.photo.no_before")
        if before and latest_before is None:
            latest_before = before[-1]
    if latest_before is not None:
        return {"before": latest_before, "after": None}, i18n.text("report.photo.no_after")
    return {"before": None, "after": None}, i18n.text("report.photo.none")


def _places(store, after, props, names_, recent, to_us, tz, *, photos: bool = True) -> list[dict]:
    radii = {c["code"]: float(c["duplicate_radius_m"]) for c in store.categories()}
    accepted = after[~after["status"].isin(["rejected", "duplicate"])]
    out = []
    for rank, place in enumerate(recurring_places(accepted, radii, to_us, recent=recent, top=TOP_PLACES), 1):
        fid = place["latest_fid"]
        address = _clean(props.loc[fid].get("address")) if fid in props.index else None
        row = after.loc[fid]
        grid, status = _clean(row["grid_code"]), _clean(row["status"])
        pair, note = place_photos(store, place["fids"], to_us, tz) if photos else ({}, None)
        out.append({
            "rank": rank, "category": place["category"],
            "category_name": names_["category"].get(place["category"], place["category"]),
            "address": address or "", "grid_code": grid,
            "grid_name": names_["grid"].get(grid, grid or i18n.text("report.grid.outside")),
            "responsible_unit": _clean(row["responsible_unit"]), "reports": place["reports"],
            "recurring": place["recurring"], "recurring_in_period": place["recurring_in_period"],
            "first_reported": date_iso(place["first_reported_us"], tz),
            "last_reported": date_iso(place["last_reported_us"], tz),
            "status": status, "status_label": workflow.STATES.get(status, {}).get("label"),
            "lon": place["lon"], "lat": place["lat"], "case_ids": place["fids"], "photos": pair,
            "photo_note": note,
        })  # fmt: skip
    return out


def _grid_table(compare: dict, dashboard: dict, after: pd.DataFrame, grid_names: dict, filters: Filters,
                from_us: int, to_us: int) -> list[dict]:  # fmt: skip
    period = compare["by_grid"]
    now = {r["grid_code"]: r for r in dashboard["by_grid"]}
    changes = {r["grid_code"]: r for r in period}
    hours = period_fix_hours(after, from_us, to_us, "grid_code")
    codes = set(grid_names) if filters.grids is None else set(filters.grids) & set(grid_names)
    codes |= set(changes) | set(now)
    rows = []
    for code in sorted(codes):
        name = grid_names.get(code, {})
        change, state, fix = changes.get(code, {}), now.get(code, {}), hours.get(code, {})
        outside = i18n.text("report.grid.outside")
        rows.append({"grid_code": code, "name": name.get("zh-CN") or (outside if not code else code),
                     "responsible_unit": name.get("responsible_unit"), "new": change.get("new", 0),
                     "fixed": change.get("fixed", 0), "still_open": change.get("still_open", 0),
                     "recurring": change.get("recurring", 0), "open": state.get("open", 0),
                     "overdue": state.get("overdue", 0), "median_hours": fix.get("median_hours"),
                     "timed_fixes": fix.get("fixed", 0)})  # fmt: skip
    return rows


def _remaining(after: pd.DataFrame, props: pd.DataFrame, names_: dict, to_us: int, tz: ZoneInfo) -> dict:
    groups = {s: d["group"] for s, d in workflow.STATES.items()}
    open_ = after[after["status"].map(groups) == "open"].copy()
    open_["overdue"] = (open_["status"].isin(list(workflow.CLOCK_STATES)) & (open_["deadline_us"] >= 0)
                        & (open_["deadline_us"] < to_us))  # fmt: skip
    open_["order"] = open_["deadline_us"].where(open_["deadline_us"] >= 0, math.inf)
    open_["case"] = open_["fid"]
    open_ = open_.sort_values(["overdue", "order", "reported_us", "case"], ascending=[False, True, True, True])
    rows = []
    for fid, case in open_.head(REMAINING_MAX).iterrows():
        p = props.loc[fid] if fid in props.index else pd.Series(dtype=object)
        deadline, grid, status = int(case["deadline_us"]), _clean(case["grid_code"]), _clean(case["status"])
        rows.append({
            "id": int(fid), "category": _clean(case["category"]),
            "category_name": names_["category"].get(_clean(case["category"]), _clean(case["category"])),
            "address": _clean(p.get("address")) or "", "description": str(_clean(p.get("description")) or "")[:60],
            "grid_name": names_["grid"].get(grid, grid or i18n.text("report.grid.outside")),
            "responsible_unit": _clean(case["responsible_unit"]), "assignee": _clean(p.get("assignee")),
            "status": status, "status_label": workflow.STATES.get(status, {}).get("label"),
            "reported": date_iso(int(case["reported_us"]), tz) if case["reported_us"] >= 0 else None,
            "deadline": date_iso(deadline, tz) if deadline >= 0 else None,
            "overdue": bool(case["overdue"]),
            "overdue_days": int((to_us - deadline) // DAY_US) if case["overdue"] else None,
        })  # fmt: skip
    owners = []
    undispatched = i18n.text("report.owner.undispatched")
    for unit, cases in open_.groupby(open_["responsible_unit"].astype(object).fillna(undispatched), sort=True):
        deadlines = cases.loc[cases["deadline_us"] >= 0, "deadline_us"]
        categories = cases["category"].value_counts()
        owners.append({"responsible_unit": unit, "open": len(cases), "overdue": int(cases["overdue"].sum()),
                       "earliest_deadline": date_iso(int(deadlines.min()), tz) if len(deadlines) else None,
                       "categories": [names_["category"].get(c, c) for c in categories.index[:3]]})  # fmt: skip
    owners.sort(key=lambda o: (-o["overdue"], -o["open"], o["responsible_unit"]))
    by_category = [{"category": code, "name": names_["category"].get(code, code), "group": names_["group"].get(code),
                    "open": len(cases), "overdue": int(cases["overdue"].sum())}
                   for code, cases in open_.groupby(open_["category"].astype(object).fillna(""), sort=True)]
    by_category.sort(key=lambda c: (-c["open"], -c["overdue"], c["category"]))
    return {"total": len(open_), "overdue": int(open_["overdue"].sum()), "shown": rows,
            "more": max(0, len(open_) - REMAINING_MAX), "owners": owners, "by_category": by_category}  # fmt: skip


def _figures(compare: dict, dashboard: dict, after: pd.DataFrame, from_us: int, to_us: int) -> dict:
    summary = compare["summary"]
    new_ids = compare["ids"]["new"]
    not_accepted = int(after.loc[after.index.isin(new_ids), "status"].isin(["rejected", "duplicate"]).sum())
    workload = summary["fixed"] + summary["open_after"]
    overall = period_fix_hours(after.assign(_all=""), from_us, to_us, "_all").get("", {})
    return {**summary, "not_accepted": not_accepted, "overdue": dashboard["overdue"]["count"],
            # Unrounded: the text rounds it once (101 / 162 is 62.3 %, not 62.35 % rounded again to 62.4 %).
            "fix_rate": summary["fixed"] / workload if workload else None,
            "median_hours_to_fix": overall.get("median_hours"), "timed_fixes": overall.get("fixed", 0)}  # fmt: skip


def _label_filters(filters: Filters, names_: dict) -> dict:
    grids = sorted(filters.grids) if filters.grids is not None else None
    categories = sorted(filters.categories) if filters.categories is not None else None
    labels = [names_["grid"].get(g, g) for g in grids or []] + [names_["category"].get(c, c) for c in categories or []]
    return {"grid": grids, "category": categories, "labels": labels}


class _Gathered:
    """What the report and the before/after page read from the store, once."""

    def __init__(self, leaders: Leaders, store: Store, tz: ZoneInfo, from_us: int, to_us: int, filters: Filters,
                 *, report: bool = True) -> None:  # fmt: skip
        self.compare = compare_view(leaders, store, tz, from_us, to_us, filters, with_coverage=report)
        self.dashboard = dashboard_view(leaders, store, tz, to_us, filters, since_us=from_us, with_instants=(from_us,))
        grid_names, category_names = names(store)
        self.names = {"grid": {k: v["zh-CN"] for k, v in grid_names.items()},
                      "category": {k: v["zh-CN"] for k, v in category_names.items()},
                      "group": {c["code"]: c["group"] for c in store.categories()}}  # fmt: skip
        self.grid_names = grid_names
        self.community = community(store, grid_names)
        history = leaders.history(store, tz, filters, (from_us, to_us))
        self.before = casestats.snapshot(history, from_us)
        self.after = casestats.snapshot(history, to_us)
        props = layer_frame(store, CASE_LAYER, at=to_us)
        self.props = props.set_index("id", drop=False) if len(props) else props
        self.places = _places(store, self.after, self.props, self.names, self.compare["ids"]["recurring"], to_us, tz,
                              photos=report)  # fmt: skip
        before, after = kinds_of(self.before, self.after, self.compare["ids"])
        base_before, base_after = base_layers(store, from_us, filters.grids), base_layers(store, to_us, filters.grids)
        self.maps = MapInput(before=before, after=after, places=self.places, base_before=base_before,
                             base_after=base_after, extent=extent_of(base_after, self.after),
                             grid_labels=_short_grid_labels(grid_names, self.community["name"]))  # fmt: skip


def build_report(leaders: Leaders, store: Store, tz: ZoneInfo, from_us: int, to_us: int, filters: Filters) -> dict:
    """The report for (``from_us``, ``to_us``] under ``filters``, as JSON-ready data (see docs/report.md)."""
    got = _Gathered(leaders, store, tz, from_us, to_us, filters)
    compare, dashboard = got.compare, got.dashboard
    report = {
        "title": i18n.text("report.head.title", community=got.community["name"]),
        "community": got.community,
        "period": {"from": format_instant(from_us, tz), "to": format_instant(to_us, tz),
                   "from_date": date_iso(from_us, tz), "to_date": date_iso(to_us, tz),
                   "from_label": date_zh(from_us, tz), "to_label": date_zh(to_us, tz),
                   "days": max(1, round((to_us - from_us) / DAY_US))},
        "generated_at": format_instant(store.now(), tz),
        # the history the figures came from, as sealed when the report was made (``server.py verify``)
        "history_head": store.chain_head()["head"],
        "filters": _label_filters(filters, got.names),
        "figures": _figures(compare, dashboard, got.after, from_us, to_us),
        "compare": {k: compare[k] for k in ("summary", "by_grid", "by_category")},
        "dashboard": {"total": dashboard["total"], "by_group": dashboard["by_group"],
                      "overdue": {"count": dashboard["overdue"]["count"]}, "time_to_fix": dashboard["time_to_fix"],
                      "by_month": dashboard["by_month"]},
        "coverage": compare["coverage"],
        "maps": svg_maps(got.maps, date_zh(from_us, tz), date_zh(to_us, tz)),
        "blackspots": got.places,
        "grid_table": _grid_table(compare, dashboard, got.after, got.grid_names, filters, from_us, to_us),
        "remaining": _remaining(got.after, got.props, got.names, to_us, tz),
    }  # fmt: skip
    decorate(report)
    report["sections"] = sections(report)
    return report


def before_after_page(leaders: Leaders, store: Store, tz: ZoneInfo, from_us: int, to_us: int,
                      filters: Filters) -> tuple[str, str]:  # fmt: skip
    """(the offline folium page of the cases before and after, its file name)."""
    got = _Gathered(leaders, store, tz, from_us, to_us, filters, report=False)
    summary = got.compare["summary"]
    from_label, to_label = date_iso(from_us, tz), date_iso(to_us, tz)
    shown = {i18n.bilingual("report.compare_map.period"): i18n.text("report.compare_map.span", start=from_label,
                                                                     end=to_label),
             i18n.bilingual("report.compare_map.new"): summary["new"],
             i18n.bilingual("report.compare_map.fixed"): summary["fixed"],
             i18n.bilingual("report.compare_map.open_before"): summary["open_before"],
             i18n.bilingual("report.compare_map.open_after"): summary["open_after"],
             i18n.bilingual("report.compare_map.recurring"): summary["recurring"]}  # fmt: skip
    title = i18n.text("report.compare_map.title", community=got.community["name"])
    page = folium_page(got.maps, got.props, tz, got.names, title=title, from_label=from_label, to_label=to_label,
                       summary=shown)  # fmt: skip
    return page, i18n.text("report.compare_map.file", community=got.community["plain_name"], start=from_label,
                           end=to_label)  # fmt: skip
