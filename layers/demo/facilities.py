"""Facilities: litter bins, garbage collection points, public toilets and streetlights.

The gaps are deliberate and follow the seed: no bins on 马王六村支路, 龙泉怡苑支路 and 天主教堂支路 until
ten are added three months before "now"; no lamps at all on three side roads, lamps on 天主教堂支路 that
were fitted but never lit; a dry toilet (旱厕) in 马王六村 with nobody looking after it; and parts of the
village and of the north-east more than 120 m from a collection point and 300 m from a flush toilet.
"""

from __future__ import annotations

from shapely.geometry import Point

from layers.demo.frame import BINLESS_SIDE_ROADS, UNLIT_SIDE_ROADS, along
from layers.demo.roads import Addresser, Road

# name, type, (x, y), opening hours, sorted
COLLECTION_POINTS = (
    ("龙泉怡苑垃圾房", "room", (255, 230), "07:00-09:00, 18:30-21:00", True),
    ("轻港佳苑垃圾房", "room", (440, 210), "07:00-09:00, 18:30-21:00", True),
    ("新港花园1号垃圾房", "room", (650, 600), "07:00-09:00, 18:30-21:00", True),
    ("新港花园2号垃圾房", "room", (880, 900), "07:00-09:00, 18:30-21:00", True),
    ("新港东苑垃圾房", "room", (925, 700), "07:00-09:00, 18:30-21:00", True),
    ("港湾雅苑定时定点投放点", "point", (870, 185), "07:30-09:00, 19:00-21:00", True),
    ("东港小区定时定点投放点", "point", (1170, 40), "07:30-09:00, 19:00-21:00", True),
    ("新港农贸市场垃圾站", "station", (750, 312), "05:00-22:00", False),
    ("西围垃圾收集点", "point", (147, 652), "全天", False),
    ("上洞垃圾房", "room", (420, 880), "06:00-22:00", False),
)
# name, (x, y), flush, grade, accessible, managed_by
TOILETS = (
    ("马王六村公厕（旱厕）", (330, 727), "dry", "none", False, ""),  # the seed: no flushing, no caretaker
    ("新港农贸市场公厕", (612, 478), "flush", "III", False, "新港农贸市场管理处"),
    ("风情街公厕", (1057, 276), "flush", "II", True, "天河区环卫站"),
    ("新港社区党群服务中心公厕", (830, 315), "flush", "II", True, "新港社区居委会"),
    ("龙泉怡苑公厕", (270, 300), "flush", "III", False, "龙泉怡苑物业"),
    ("新港花园公厕", (760, 700), "flush", "II", True, "新港花园物业"),
)
DRY_TOILET_XY = TOILETS[0][1]
# Bins at the gates of compounds, schools, the market and the service centre: (name, road, gate x/y)
_GATES = (
    ("新港小学", "新港东路", (140, 35)), ("龙泉怡苑", "新港中路", (140, 485)), ("新港幼儿园", "新港东路", (375, 30)),
    ("轻港佳苑", "袁茄路", (450, 340)), ("港湾雅苑", "新港东路", (730, 25)), ("东港小区", "新港东路", (1050, 25)),
    ("新港农贸市场", "新港中路", (680, 485)), ("新港农贸市场", "袁茄路", (600, 400)),
    ("党群服务中心", "新港中路", (830, 420)), ("新港花园", "新港中路", (760, 515)),
    ("新港花园", "新港花园支路", (890, 750)), ("新港东苑", "港湾东路", (1185, 830)),
)

# road class -> (bin spacing m within the CJJ 27 ranges, capacity l, share of sorted bins)
_BIN_RULES = {"commercial": (30, 240, 0.7), "arterial": (55, 240, 0.6), "secondary": (85, 240, 0.4),
              "branch": (90, 120, 0.3)}
# road class -> (lamp spacing m, pole height m, light distribution, arrangement); spacing stays within
# CJJ 45 (S <= 3H cut-off, 3.5H semi-cut-off) except in alleys, where wall lamps are sparse on purpose.
_LAMP_RULES = {"arterial": (28, 10, "cutoff", "opposite"), "secondary": (28, 9, "semi_cutoff", "single"),
               "commercial": (25, 8, "semi_cutoff", "staggered"), "branch": (30, 8, "cutoff", "single"),
               "alley": (40, 4.5, "non_cutoff", "single")}


def reserved_points() -> list[Point]:
    """Village spots kept free of houses: the dry toilet and the two village collection points."""
    return [Point(DRY_TOILET_XY), Point(147, 652), Point(420, 880)]


def _kerb_points(rng, road: Road, addresser: Addresser, spacing: float, kerbs: tuple[int, ...], inset: float,
                 stagger: bool = True):
    """Points every ~``spacing`` m along each given kerb (the second kerb shifted by half a spacing when
    staggered, opposite the first otherwise), leaving out any that would stand on another road."""
    line, out = road.line, []
    start = float(rng.uniform(0.2, 0.8)) * spacing
    for n, side in enumerate(kerbs):
        d = start + (n * spacing / 2 if stagger else 0.0)
        while d < line.length:
            pt = along(line, d, side, max(road.width / 2 - inset, 0.3))
            if addresser.clear_of_other_roads(pt, road):
                out.append(pt)
            d += spacing * float(rng.uniform(0.85, 1.15))
    return out


def build_bins(rng, roads: list[Road], addresser: Addresser) -> list[tuple[Point, dict]]:
    out = []
    for road in roads:
        rule = _BIN_RULES.get(road.cls)
        if rule is None or road.name in BINLESS_SIDE_ROADS:
            continue
        spacing, capacity, sorted_share = rule
        kerbs = road.sides if road.cls != "secondary" else road.sides[:1]
        for pt in _kerb_points(rng, road, addresser, spacing * len(kerbs), kerbs, 0.8):
            out.append((pt, _bin_props(rng, f"{road.name}垃圾箱", capacity, sorted_share)))
    alleys = [r for r in roads if r.cls == "alley"]
    for k in rng.choice(len(alleys), size=8, replace=False).tolist():  # a few fixed to village walls
        road = alleys[k]
        out.append((along(road.line, road.line.length / 2, 1, road.width / 2),
                    _bin_props(rng, f"{road.name}垃圾箱", 120, 0.0)))
    for name, road_name, xy in _GATES:
        road = next(r for r in roads if r.name == road_name)
        d = road.line.project(Point(xy))
        side = min(road.sides, key=lambda s: along(road.line, d, s, road.width / 2).distance(Point(xy)))
        out.append((along(road.line, d, side, road.width / 2 - 0.8), _bin_props(rng, f"{name}门口垃圾箱", 240, 0.8)))
    for n, (_, props) in enumerate(out, 1):
        props["name"] += f"{n:03d}"
    return out


def _bin_props(rng, name: str, capacity: int, sorted_share: float) -> dict:
    roll = rng.random()
    status = "damaged" if roll < 0.04 else "missing" if roll < 0.05 else "ok"
    return {"name": name, "capacity_l": capacity if rng.random() < 0.8 else 120,
            "sorted": bool(rng.random() < sorted_share), "status": status}


def build_new_bins(rng, roads: list[Road], addresser: Addresser) -> list[tuple[Point, dict]]:
    """The ten bins placed on the seed's bin-less side roads three months before now."""
    out = []
    for name, count in zip(BINLESS_SIDE_ROADS, (4, 3, 3)):
        road = next(r for r in roads if r.name == name)
        for k in range(count):
            pt = along(road.line, road.line.length * (k + 0.5) / count, 1 if k % 2 else -1, road.width / 2 - 0.5)
            out.append((pt, {"name": f"{name}新增垃圾箱{k + 1:02d}", "capacity_l": 240, "sorted": True,
                             "status": "ok"}))
    return out


def build_streetlights(rng, roads: list[Road], addresser: Addresser) -> tuple[list[tuple[Point, dict]], list[int]]:
    """The lamps, and the indexes of broken ones the lighting office could simply repair."""
    dark = [r.line for r in roads if r.name in UNLIT_SIDE_ROADS]
    out, repairable = [], []
    for road in roads:
        rule = _LAMP_RULES.get(road.cls)
        if rule is None or road.name in UNLIT_SIDE_ROADS or (road.cls == "alley" and not road.lit):
            continue
        spacing, height, cutoff, arrangement = rule
        kerbs = road.sides[:1] if arrangement == "single" else road.sides
        per_kerb = spacing if arrangement == "opposite" else spacing * len(kerbs)
        for pt in _kerb_points(rng, road, addresser, per_kerb, kerbs, 0.5, arrangement == "staggered"):
            if min(line.distance(pt) for line in dark) < 20:  # the seed's side roads stay dark to the kerb
                continue
            never_lit = road.name == "天主教堂支路"  # fitted last winter, never switched on (the seed)
            status = "broken" if never_lit or rng.random() < 0.02 else "working"
            if status == "broken" and not never_lit:
                repairable.append(len(out))
            out.append((pt, {"status": status, "pole_height_m": height, "cutoff": cutoff}))
    return out, repairable


def build_collection_points() -> list[tuple[Point, dict]]:
    return [(Point(xy), {"name": name, "type": kind, "opening_hours": hours, "sorted": sorted_})
            for name, kind, xy, hours, sorted_ in COLLECTION_POINTS]


def build_toilets() -> list[tuple[Point, dict]]:
    return [(Point(xy), {"name": name, "flush": flush, "grade": grade, "opening_hours": "全天",
                         "accessible": accessible, "managed_by": managed_by})
            for name, xy, flush, grade, accessible, managed_by in TOILETS]
