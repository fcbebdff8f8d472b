"""A fictional but believable 创卫 community for demonstrations, training and tests.

``seed_demo(store)`` fills an empty store with 新港社区（虚构示例）, a made-up community in Tianhe,
Guangzhou (division 440106, street 003, community 012) drawn from real community 创卫 work summaries:
a 城中村 (马王六村 with its 西围/船塘/上洞 alleys and a dry toilet), residential compounds, 风情街 with
shops trading on the pavement, a farmers' market, three side roads without lamps or bins, and a year of
blackspot cases with their full workflow history. Every place, name and phone number is invented.

The result depends only on ``seed`` and ``now_us``: the same pair always gives the same features, and
every version is written back-dated through the Store interface, so map views ``at`` any instant of
the past year show the community as it was then. Base layers appear about 13 months before "now"; ten
bins are added three months ago and two lamps repaired later, so before/after maps differ. The recurring
blackspots carry synthetic before/after photos (``layers/demo/photos.py``).
"""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point

from layers.cases.categories import BUILTIN as BUILTIN_CATEGORIES
from layers.demo.cases import Case
from layers.demo.frame import NAME, Frame, iso_cst
from layers.demo.photos import DemoPhotos
from layers.demo.texts import DUPLICATE_SUFFIX
from layers.demo.world import World, build_world
from layers.demo.writer import Writer
from layers.store import Store

__all__ = ["NAME", "seed_demo"]

LAYERS = ("grid", "roads", "buildings", "collection_points", "toilets", "bins", "streetlights", "blackspots")
OPEN = ("reported", "filed", "dispatched", "in_progress")


def seed_demo(store: Store, *, seed: int = 20260301, now_us: int | None = None) -> dict:
    """Write the demo community into ``store`` (its built-in layers must exist and be empty) and return
    counts: live features per layer now, versions written, and how the cases stand now."""
    now_us = store.now() if now_us is None else int(now_us)
    writer = Writer(store, Frame(), now_us)
    taken = [layer for layer in LAYERS if writer.definition(layer).get("feature_count")]
    if taken:
        raise ValueError(f"the demo needs empty layers; these already hold features: {', '.join(taken)}")
    world = build_world(seed, now_us)
    # Everything is validated while scheduling, so a bad feature stops the seed before any write.
    fids: dict[str, list[int]] = {}
    _schedule_base_layers(writer, world, fids)
    _schedule_later_changes(writer, world, fids)
    case_fids = _schedule_cases(writer, world)
    photos = DemoPhotos(world.cases, seed)  # drawn while the history is written
    writer.run()
    summary = _summary(writer, world, seed, now_us)
    summary["history"]["photos"] = photos.attach(store, case_fids)
    store.set_meta("demo", {"name": NAME, "seed": seed, "fictional": True})
    return summary


def _schedule_base_layers(writer: Writer, world: World, fids: dict[str, list[int]]) -> None:
    layers = {
        "grid": [(cell.polygon, cell.properties()) for cell in world.cells],
        "roads": [(road.line, road.properties()) for road in world.roads],
        "buildings": world.buildings, "collection_points": world.collection_points,
        "toilets": world.toilets, "bins": world.bins, "streetlights": world.streetlights,
    }
    for k, (layer, features) in enumerate(layers.items()):
        validated = writer.validate(layer, writer.local(features))

        def create(layer=layer, validated=validated):
            fids[layer] = writer.create(layer, validated, world.static_us)
        writer.at(world.static_us + k * 1_000_000, create)


def _schedule_later_changes(writer: Writer, world: World, fids: dict[str, list[int]]) -> None:
    """Ten bins on the side roads that lacked them, and two broken lamps repaired."""
    new_bins = writer.validate("bins", writer.local(world.new_bins))
    writer.at(world.new_bins_us, lambda: writer.create("bins", new_bins, world.new_bins_us, "环卫站-刘伟"))
    for index, at in zip(world.repaired_lamps, world.repairs_us):
        point, props = world.streetlights[index]
        [fixed] = writer.validate("streetlights", writer.local([(point, dict(props, status="working"))]))

        def repair(index=index, fixed=fixed, at=at):
            writer.update("streetlights", fids["streetlights"][index], fixed, at, "路灯所-马骏")
        writer.at(at, repair)


def _case_versions(case: Case, unit: str, categories: dict[str, dict]) -> list[dict]:
    """The case's properties after each step, with the fields the workflow keeps (dispatch time and
    deadline, who fixed it and when, when it was closed); a duplicate's link is filled in when written."""
    props = case.properties() | {"responsible_unit": unit}
    if case.recurrence:
        props["recurrence"] = case.recurrence
    versions = [props]
    for at, status, author in case.steps:
        props = dict(props, status=status)
        if status == "dispatched":
            hours = categories[case.category]["deadline_hours"]
            props |= {"dispatched_at": iso_cst(at), "deadline": iso_cst(at + int(hours * 3_600_000_000))}
        elif status == "fixed":
            props |= {"fixed_by": author, "fixed_at": iso_cst(at)}
        elif status == "closed":
            props["closed_at"] = iso_cst(at)
        elif status == "duplicate":
            props["description"] += DUPLICATE_SUFFIX
            props["duplicate_of"] = 1  # placeholder for validation: the original's id is known once written
        versions.append(props)
    return versions


def _schedule_cases(writer: Writer, world: World) -> dict[int, list[int]]:
    """Each case is created when reported and then moved through its workflow, one version a step."""
    units = {cell.code: cell.properties()["responsible_unit"] for cell in world.cells}
    categories = {c["code"]: c for c in BUILTIN_CATEGORIES}
    fids: dict[int, list[int]] = {}  # id(case) -> [fid], known once the case is created
    for case in world.cases:
        geometry = writer.frame.geojson(Point(case.xy))
        versions = _case_versions(case, units[case.grid_code], categories)
        first, *later = writer.validate("blackspots", [(geometry, p) for p in versions])
        fid = fids.setdefault(id(case), [])

        def report(case=case, first=first, fid=fid):
            fid.extend(writer.create("blackspots", [first], case.reported_us, case.reporter))
        writer.at(case.reported_us, report)
        for (at, status, author), feature in zip(case.steps, later):
            def step(at=at, author=author, feature=feature, fid=fid, case=case, status=status):
                if status == "duplicate":
                    feature.properties["duplicate_of"] = fids[id(case.original)][0]
                writer.update("blackspots", fid[0], feature, at, author)
            writer.at(at, step)
    return fids


def _summary(writer: Writer, world: World, seed: int, now_us: int) -> dict:
    final = Counter(case.steps[-1][1] if case.steps else "reported" for case in world.cases)
    recurring = {tag for case in world.cases for tag in case.tags if tag.startswith("recurring:")}
    return {
        "name": NAME, "seed": seed, "now_us": now_us, "now": iso_cst(now_us),
        "base_layers_at": iso_cst(world.static_us),
        "layers": {layer: writer.live[layer] for layer in LAYERS},
        "history": {
            "versions": sum(writer.written.values()),
            "creates": sum(n for (_, op), n in writer.written.items() if op == "create"),
            "updates": sum(n for (_, op), n in writer.written.items() if op == "update"),
            "cases": len(world.cases),
            "open_now": sum(final[s] for s in OPEN),
            "status_now": dict(sorted(final.items())),
            "rejected": final["rejected"], "duplicates": final["duplicate"],
            "recurring_places": len(recurring),
            "absence_cases": sum(1 for case in world.cases if "absence" in case.tags),
            "bins_added_later": len(world.new_bins), "lamps_repaired": len(world.repaired_lamps),
        },
    }
