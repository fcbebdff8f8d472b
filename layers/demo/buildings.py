"""Buildings: residential compounds, 散居楼栋 along 袁茄路, shops on 风情街, a school, a kindergarten,
the farmers' market, public buildings, and several hundred self-built village houses (城中村自建房).

Nothing overlaps: the fixed layout keeps clear of the roads, and village houses are drawn inside the
blocks left between the alleys, each inside its own lattice cell.
"""

from __future__ import annotations

from shapely.affinity import rotate
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from layers.demo.frame import NAME_ZH
from layers.demo.roads import Addresser, Road

# (minx, miny, maxx, maxy) in local metres, name, use, households, address
_FIXED = (
    ((20, 35, 265, 185), "新港小学", "school", None, "新港东路8号"),
    ((20, 205, 265, 485), "龙泉怡苑", "compound", 620, "龙泉怡苑支路2号"),
    ((300, 30, 450, 180), "新港幼儿园", "school", None, "新港东路36号"),
    ((300, 200, 450, 485), "轻港佳苑", "compound", 260, "龙泉怡苑支路15号"),
    ((580, 25, 885, 196), "港湾雅苑", "compound", 480, "新港东路88号"),
    ((915, 25, 1185, 196), "东港小区", "compound", 300, "新港东路120号"),
    ((600, 305, 760, 485), "新港农贸市场", "market", None, "新港中路61号"),
    ((775, 305, 885, 420), f"{NAME_ZH}党群服务中心", "public", None, "新港中路75号"),
    ((915, 390, 985, 470), "天主教堂", "public", None, "天主教堂支路6号"),
    ((640, 515, 890, 985), "新港花园", "compound", 780, "新港花园支路1号"),
    ((915, 680, 1185, 985), "新港东苑", "compound", 420, "港湾东路20号"),
)
# 散居楼栋: stand-alone blocks of flats (the seed's 袁茄路 buildings with loose wall tiles).
_FLATS = (
    [((470, y, 540, y + 45), "袁茄路") for y in (30, 95, 160, 225, 290, 355, 420)]
    + [((580, y, 625, y + 60), "袁茄路") for y in (515, 590, 665, 740, 815, 890)]
    + [((1005, y, 1180, y + 35), "港湾东路") for y in (310, 370, 430)]
    + [((915, 515, 1045, 660), "新港中路"), ((1060, 515, 1185, 660), "新港中路")]
)
_SHOP_KINDS = ("湘菜馆", "奶茶店", "五金店", "水果店", "烧腊店", "便利店", "美发店", "手机维修", "粥粉面",
               "药店", "服装店", "早餐店", "烟酒店", "快递驿站", "麻辣烫", "牛杂店", "糖水铺", "眼镜店",
               "干洗店", "茶叶店", "潮汕牛肉火锅", "肠粉店", "彩票店", "文具店")


def _fixed(rng) -> list[tuple[Polygon, dict]]:
    out = []
    for (x0, y0, x1, y1), name, use, households, address in _FIXED:
        props = {"name": name, "use": use, "address": address}
        if households:
            props["households"] = households
        out.append((box(x0, y0, x1, y1), props))
    numbers: dict[str, int] = {}
    for (x0, y0, x1, y1), road in _FLATS:
        numbers[road] = numbers.get(road, 0) + int(rng.integers(2, 9))
        address = f"{road}{numbers[road]}号"
        out.append((box(x0, y0, x1, y1), {"name": f"{address}住宅楼", "use": "residential",
                                          "households": int(rng.integers(24, 73)), "address": address}))
    return out


def _shops(rng) -> list[tuple[Polygon, dict]]:
    """Two rows of shop units facing 风情街, broken where 天主教堂支路 and the public toilet are."""
    out = []
    for side, kerb, parity in ((-1, 242.0, 2), (1, 258.0, 1)):
        x, n = 580.0, 0
        while x < 1180:
            w = float(rng.uniform(7, 13))
            gaps = [(893, 907)] + ([(1049, 1066)] if side == 1 else [])
            hit = next((g for g in gaps if x < g[1] and x + w > g[0]), None)
            if hit:
                x = hit[1] + 0.5
                continue
            if x + w > 1185:
                break
            depth = float(rng.uniform(20, 34))
            y0, y1 = (kerb - depth, kerb) if side == -1 else (kerb, kerb + depth)
            n += 1
            number = 2 * n - 2 + parity
            kind = _SHOP_KINDS[int(rng.integers(len(_SHOP_KINDS)))]
            out.append((box(x, y0, x + w, y1), {"name": f"风情街{number}号{kind}", "use": "commercial",
                                                "address": f"风情街{number}号"}))
            x += w + 0.5
    return out


def _cuts(rng, lo: float, hi: float, small: float, large: float) -> list[float]:
    """Plot boundaries across [lo, hi]: plots of uneven size, as land was divided house by house."""
    cuts = [lo]
    while hi - cuts[-1] > large:
        cuts.append(cuts[-1] + float(rng.uniform(small, large)))
    return cuts + [hi] if hi - cuts[-1] >= small * 0.6 or len(cuts) == 1 else cuts[:-1] + [hi]


def _house(rng, plot: Polygon) -> Polygon:
    """An irregular footprint inside its plot: jittered corners, sometimes a cut corner, a slight skew."""
    x0, y0, x1, y1 = plot.bounds
    m = rng.uniform(0.5, 1.8, size=8)
    pts = [(x0 + m[0], y0 + m[1]), (x1 - m[2], y0 + m[3]), (x1 - m[4], y1 - m[5]), (x0 + m[6], y1 - m[7])]
    if rng.random() < 0.3:
        k = int(rng.integers(4))
        (ax, ay), (bx, by), (cx, cy) = pts[k - 1], pts[k], pts[(k + 1) % 4]
        f = float(rng.uniform(0.2, 0.4))
        pts[k:k + 1] = [(bx + f * (ax - bx), by + f * (ay - by)), (bx + f * (cx - bx), by + f * (cy - by))]
    house = Polygon([(round(x, 2), round(y, 2)) for x, y in pts])
    skewed = rotate(house, float(rng.uniform(-6, 6)))
    return skewed if plot.contains(skewed) else house


def _village_houses(rng, roads: list[Road], addresser: Addresser, reserved: list[Point]):
    carriageways = unary_union([r.line.buffer(r.width / 2 + (0.8 if r.cls == "alley" else 1.5)) for r in roads])
    blocks = box(0, 500, 560, 1000).difference(carriageways).geoms
    out = []
    for block in sorted(blocks, key=lambda b: (round(b.centroid.y), round(b.centroid.x))):
        minx, miny, maxx, maxy = block.bounds
        xs, ys = _cuts(rng, minx, maxx, 10, 16), _cuts(rng, miny, maxy, 11, 18)
        for i in range(len(xs) - 1):
            for j in range(len(ys) - 1):
                if rng.random() < 0.18:  # courtyards, vacant plots, sheds
                    continue
                house = _house(rng, box(xs[i], ys[j], xs[i + 1], ys[j + 1]))
                if not block.contains(house) or any(p.distance(house) < 6 for p in reserved):
                    continue
                props = {"use": "village_house", "households": int(rng.integers(4, 13)),
                         "address": addresser.address(house.centroid)}
                out.append((house, props))
    return out


def build_buildings(rng, roads: list[Road], addresser: Addresser, reserved: list[Point]):
    """Every building as (local polygon, properties)."""
    return _fixed(rng) + _shops(rng) + _village_houses(rng, roads, addresser, reserved)
