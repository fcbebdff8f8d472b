"""The words of the leaders' report, in the shape of a community 创卫 work summary (基本情况, 主要工作, 整治
前后对比, 反复出现的点位, 各网格情况, 存在问题, 下阶段工作), written only from the report's own figures:
every number in a sentence is one of the report's, and a sentence whose figure is zero or missing says so
or is left out, never padded."""

from __future__ import annotations

from layers.catalogue import facility, load_catalogue, with_role

_NUMERALS = "一二三四五六七八九十"
_DOTS = {"#d62f27": "红点", "#f39c12": "橙点", "#7b3294": "紫点", "#1a9850": "绿点"}  # the maps' colours in words


def percent(ratio: float | None) -> str:
    """0.8523 → '85.2%'; None → '—'."""
    return "—" if ratio is None else f"{100 * ratio:.1f}%".replace(".0%", "%")


def duration(hours: float | None) -> str:
    """Median time to fix in words: hours under two days, days beyond."""
    if hours is None:
        return "—"
    return f"约{hours:.0f}小时" if hours < 48 else f"约{hours / 24:.1f}天"


def metres(value: float) -> str:
    return f"{value:,.0f}米"


def _items(pairs: list[tuple[str, int]], limit: int = 5) -> str:
    """'暴露垃圾42宗、店外经营18宗等' from (name, count) pairs, largest first."""
    shown = "、".join(f"{name}{n}宗" for name, n in pairs[:limit])
    return shown + ("等" if len(pairs) > limit else "")


def _scope(report: dict) -> str:
    labels = report["filters"]["labels"]
    return report["community"]["name"] + (f"（{'、'.join(labels)}）" if labels else "")


def _short(report: dict, name: str) -> str:
    community = report["community"]["name"]
    return name[len(community):] if name.startswith(community) and len(name) > len(community) else name


def overview(report: dict) -> list[str]:
    f, p = report["figures"], report["period"]
    out = []
    if report["community"]["fictional"]:
        out.append("（本报告由系统根据示例社区的虚构数据生成，仅供演示。）")
    first = f"{p['from_label']}至{p['to_label']}（共{p['days']}天），{_scope(report)}共受理创卫问题{f['new']}宗"
    if f["not_accepted"]:
        first += f"，其中{f['not_accepted']}宗经核实不予立案或属重复上报"
    out.append(first + f"；上期末尚未办结的问题{f['open_before']}宗。")
    second = f"本期办结{f['fixed']}宗，办结率{percent(f['fix_rate'])}（办结数÷（办结数＋期末未办结数））"
    if f["median_hours_to_fix"] is not None:
        second += f"；从派遣到处理完毕用时的中位数为{duration(f['median_hours_to_fix'])}（{f['timed_fixes']}宗）"
    out.append(second + "。")
    third = f"截至{p['to_label']}，仍有{f['open_after']}宗问题未办结"
    if f["open_after"]:
        third += f"，其中{f['overdue']}宗已超过处理期限" if f["overdue"] else "，均未超过处理期限"
    out.append(third + "。")
    if f["recurring"]:
        out.append(f"本期新受理的问题中，有{f['recurring']}宗出现在此前已整治过同类问题的点位（回潮）。")
    else:
        out.append("本期新受理的问题中，没有出现在此前已整治过同类问题点位的（回潮）。")
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
            out.append(f"{what}由{metres(b)}减少到{metres(a)}")
        elif a > b:
            out.append(f"{what}由{metres(b)}增加到{metres(a)}")
        else:
            out.append(f"{what}仍为{metres(a)}")
    for layer, what in _facilities("coverage"):
        b, a = before.get(layer) or {}, after.get(layer) or {}
        if a.get("coverage_ratio") is None or b.get("coverage_ratio") is None:
            continue
        head = f"{what}{a['radius_m']}米服务范围覆盖的建筑"
        if round(a["coverage_ratio"], 3) == round(b["coverage_ratio"], 3):
            out.append(f"{head}保持在{percent(a['coverage_ratio'])}")
        else:
            out.append(f"{head}由{percent(b['coverage_ratio'])}变为{percent(a['coverage_ratio'])}")
    return out


def work(report: dict) -> list[str]:
    compare = report["compare"]
    fixed = [(r["name"]["zh-CN"] if r.get("name") else r["category"], r["fixed"])
             for r in sorted(compare["by_category"], key=lambda r: -r["fixed"]) if r["fixed"]]  # fmt: skip
    out = [f"（一）按问题类别：本期办结{_items(fixed, 6)}。" if fixed else "（一）按问题类别：本期没有办结的问题。"]
    grids = sorted((r for r in report["grid_table"] if r["fixed"]), key=lambda r: (-r["fixed"], r["grid_code"]))
    if grids:
        top = "、".join(f"{_short(report, r['name'])}（{r['fixed']}宗）" for r in grids[:3])
        out.append(f"（二）按网格：办结较多的是{top}；各网格明细见第五部分。")
    facilities = _coverage(report.get("coverage") or {})
    if facilities:
        out.append(f"（三）设施补短板（全社区，按各类设施的服务半径和间距规则测算）：{'；'.join(facilities)}。")
    return out


def before_after(report: dict) -> list[str]:
    f, p = report["figures"], report["period"]
    change = f["open_after"] - f["open_before"]
    if change < 0:
        trend = f"减少{-change}宗" + (f"（下降{percent(-change / f['open_before'])}）" if f["open_before"] else "")
    elif change > 0:
        trend = f"增加{change}宗"
    else:
        trend = "持平"
    out = [f"期初（{p['from_label']}）未办结问题{f['open_before']}宗，"
           f"期末（{p['to_label']}）{f['open_after']}宗，{trend}。"]
    parts = []
    for key, when in (("before", "整治前图中"), ("after", "整治后图中")):
        legend = [e for e in report["maps"][key]["legend"] if e["count"]]
        shown = [f"{_DOTS.get(e['color'], '圆点')}为{e['label']}的问题" for e in legend]
        if shown:
            parts.append(when + "，".join(shown))
    if report["blackspots"]:
        parts.append("蓝色编号为第四部分所列反复出现的点位")
    return out + (["；".join(parts) + "。"] if parts else [])


def blackspots(report: dict) -> list[str]:
    places, p = report["blackspots"], report["period"]
    if not places:
        return [f"截至{p['to_label']}，未发现同类问题在整治后再次出现的点位。"]
    return [f"截至{p['to_label']}，同类问题在整治后再次出现的点位，按本期再次出现次数、累计次数排列，"
            f"前{len(places)}处如下（每处附最近一次整治前后的现场照片）。"]


def place_text(report: dict, place: dict) -> str:
    """One recurring place in a sentence."""
    where = place["address"] or "（无地址）"
    status = (place["status_label"] or {}).get("zh-CN", "—")
    return (f"{where}（{_short(report, place['grid_name'])}）：{place['category_name']}累计上报{place['reports']}次，"
            f"整治后再次出现{place['recurring']}次（本期{place['recurring_in_period']}次），"
            f"最近一次上报于{place['last_reported']}，目前{status}。")


def grids(report: dict) -> list[str]:
    rows = report["grid_table"]
    out = ["各网格本期新增、办结、期末未办结、超期问题和处理用时见下表。"]
    worst = max(rows, key=lambda r: (r["overdue"], r["open"]), default=None)
    if worst and worst["overdue"]:
        out.append(f"超期问题最多的是{_short(report, worst['name'])}（{worst['overdue']}宗）。")
    timed = [r for r in rows if r["median_hours"] is not None]
    if len(timed) > 1:
        fast = min(timed, key=lambda r: r["median_hours"])
        slow = max(timed, key=lambda r: r["median_hours"])
        out.append(f"处理用时中位数最短的是{_short(report, fast['name'])}（{duration(fast['median_hours'])}），"
                   f"最长的是{_short(report, slow['name'])}（{duration(slow['median_hours'])}）。")
    return out


def problems(report: dict) -> list[str]:
    remaining, places = report["remaining"], report["blackspots"]
    points = []
    if remaining["total"]:
        cats = [(c["name"], c["open"]) for c in remaining["by_category"]]
        points.append(f"仍有{remaining['total']}宗问题未办结，其中超期{remaining['overdue']}宗，"
                      f"主要为{_items(cats, 4)}")
    absent = [(c["name"], c["open"]) for c in remaining["by_category"] if c["group"] == "absence"]
    if absent:
        points.append(f"设施缺失类问题{sum(n for _, n in absent)}宗尚未解决（{_items(absent, 4)}），有待设施建设解决")
    if places:
        cats = sorted({p["category_name"] for p in places})
        points.append(f"{len(places)}处点位同类问题整治后再次出现（{'、'.join(cats)}），整治成果尚不稳固")
    if not points:
        return ["本期末没有未办结的问题。"]
    out = ["；".join(f"{_NUMERALS[k]}是{text}" for k, text in enumerate(points)) + "。"]
    listed = "未办结问题清单见下表（超期的在前，按处理期限排列）"
    if remaining["more"]:
        listed += f"，表中列出前{len(remaining['shown'])}宗，另有{remaining['more']}宗未列出"
    return out + [listed + "。"] if remaining["total"] else out


def owners(report: dict) -> list[str]:
    rows = report["remaining"]["owners"]
    if not rows:
        return ["本期末没有需要跟进的未办结问题。"]
    out = ["按责任单位，剩余问题及最早处理期限如下，请各责任单位按期办结："]
    for k, row in enumerate(rows, 1):
        text = f"{k}. {row['responsible_unit']}：未办结{row['open']}宗"
        if row["overdue"]:
            text += f"（超期{row['overdue']}宗）"
        if row["earliest_deadline"]:
            text += f"，最早处理期限{row['earliest_deadline']}"
        if row["categories"]:
            text += f"，以{'、'.join(row['categories'])}为主"
        out.append(text + "。")
    return out


def sections(report: dict) -> list[dict]:
    """The report's sections in order: ``{"id", "heading", "paragraphs"}``."""
    parts = (("overview", "基本情况", overview), ("work", "主要工作", work), ("compare", "整治前后对比", before_after),
             ("blackspots", "反复出现的问题点位", blackspots), ("grids", "各网格工作情况", grids),
             ("problems", "存在问题", problems), ("owners", "下阶段工作：责任单位与期限", owners))  # fmt: skip
    return [{"id": key, "heading": f"{_NUMERALS[k]}、{heading}", "paragraphs": write(report)}
            for k, (key, heading, write) in enumerate(parts)]  # fmt: skip


#: The report's fixed words (headings of tables and cards), shared by the page and the standalone file.
LABELS = {
    "period": "统计期", "generated": "生成时间", "scope": "范围", "whole": "全社区", "total": "合计",
    "before": "整治前", "after": "整治后", "no_photo": "无照片", "fictional": "示例数据（虚构）",
    "footer": "本报告由创卫地图根据问题台账自动生成，数字均来自系统记录；数据截至{to}。",
    "category_table": [["name", "问题类别"], ["new", "本期新增"], ["fixed", "本期办结"],
                       ["still_open", "期初遗留仍未办结"]],
    "grid_table": [["name", "网格"], ["responsible_unit", "责任单位"], ["new", "本期新增"], ["fixed", "本期办结"],
                   ["still_open", "期初遗留仍未办结"], ["open", "期末未办结"], ["overdue", "超期"],
                   ["median_text", "处理用时中位数"]],
    "remaining_table": [["index", "序号"], ["id", "编号"], ["category_name", "问题类别"], ["address", "地址"],
                        ["owner", "责任单位"], ["status_text", "状态"], ["deadline", "处理期限"],
                        ["overdue_text", "超期天数"]],
}  # fmt: skip


def cards(report: dict) -> list[dict]:
    """The key figures as labelled, formatted values (the cards under 基本情况)."""
    f = report["figures"]
    return [
        {"key": "new", "label": "本期受理", "value": f"{f['new']:,}", "unit": "宗"},
        {"key": "fixed", "label": "本期办结", "value": f"{f['fixed']:,}", "unit": "宗"},
        {"key": "fix_rate", "label": "办结率", "value": percent(f["fix_rate"]), "unit": ""},
        {"key": "open_after", "label": "期末未办结", "value": f"{f['open_after']:,}", "unit": "宗"},
        {"key": "overdue", "label": "其中超期", "value": f"{f['overdue']:,}", "unit": "宗"},
        {"key": "recurring", "label": "本期回潮", "value": f"{f['recurring']:,}", "unit": "宗"},
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
        row["owner"] = row["responsible_unit"] or "（未派遣）"
        if row["assignee"]:
            row["owner"] += f"（{row['assignee']}）"
    counts = ("new", "fixed", "still_open", "open", "overdue")
    report["grid_totals"] = {key: sum(r[key] for r in report["grid_table"]) for key in counts}
    report["grid_totals"] |= {"name": LABELS["total"], "short_name": LABELS["total"], "responsible_unit": "",
                              "median_text": duration(report["figures"]["median_hours_to_fix"])}  # fmt: skip
    report["cards"] = cards(report)
    report["labels"] = LABELS
