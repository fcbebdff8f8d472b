"""The road network: arterials and secondary roads around and through the community, the seed's four
branch roads, the commercial street 风情街, and the web of alleys inside the 城中村 马王六村.

Network analysis downstream (walking distance to a bin, dark stretches of road) needs a noded graph,
so every crossing and every alley end is a vertex shared by all roads that meet there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.strtree import STRtree

from layers.demo.frame import chinese_number


@dataclass
class Road:
    name: str
    cls: str
    width: float
    lit: bool
    coords: list[tuple[float, float]]
    sides: tuple[int, ...] = (1, -1)  # kerbs facing the community: 1 = left of the drawing direction

    @property
    def line(self) -> LineString:
        return LineString(self.coords)

    def properties(self) -> dict:
        return {"name": self.name, "class": self.cls, "lit": self.lit, "width_m": self.width}


# Perimeter roads carry furniture only on the kerb facing the community (the other side is a neighbour's).
_MAIN = (
    ("新港东路", "arterial", 40.0, True, (0, 0), (1200, 0), (1,)),
    ("袁茄路", "arterial", 30.0, True, (560, 0), (560, 1000), (1, -1)),
    ("港湾西路", "secondary", 20.0, True, (0, 0), (0, 1000), (-1,)),
    ("港湾东路", "secondary", 20.0, True, (1200, 0), (1200, 1000), (1,)),
    ("新港北街", "secondary", 18.0, True, (0, 1000), (1200, 1000), (-1,)),
    ("新港中路", "secondary", 24.0, True, (0, 500), (1200, 500), (1, -1)),
    ("风情街", "commercial", 12.0, True, (560, 250), (1200, 250), (1, -1)),
    ("马王六村支路", "branch", 7.0, False, (0, 750), (560, 750), (1, -1)),
    ("龙泉怡苑支路", "branch", 8.0, False, (280, 0), (280, 500), (1, -1)),
    ("天主教堂支路", "branch", 6.0, False, (900, 250), (900, 500), (1, -1)),  # lamps fitted, never lit
    ("新港花园支路", "branch", 8.0, False, (900, 500), (900, 1000), (1, -1)),
)

# The village lies in x 0..560, y 500..1000, split by 马王六村支路 (y = 750) into four 坊.
_COLS = (48, 95, 142, 188, 234, 280, 326, 372, 418, 465, 512)
_LEVELS = (500, 562, 625, 688, 750, 812, 875, 938, 1000)
_ROAD_LEVELS = (0, 4, 8)
_STRAIGHT_COL = 5  # x = 280 is also a grid-cell boundary, so that alley stays straight


def quarter(x: float, y: float) -> str:
    """Which part (坊) of the village a point lies in."""
    if y > 750:
        return "西围" if x < 280 else "上洞"
    return "船塘" if x < 280 else "马王"


def _village_nodes(rng: np.random.Generator) -> dict[tuple[int, int], tuple[float, float]]:
    """Alley junctions: a jittered lattice, exact on the roads that bound the village."""
    nodes = {}
    for c, x in enumerate(_COLS):
        for r, y in enumerate(_LEVELS):
            jx = 0.0 if c == _STRAIGHT_COL else float(np.clip(rng.normal(0, 2.5), -6, 6))
            jy = 0.0 if r in _ROAD_LEVELS else float(np.clip(rng.normal(0, 3.0), -7, 7))
            nodes[c, r] = (round(x + jx, 2), round(y + jy, 2))
    return nodes


def _north_south_alleys(rng, nodes) -> list[Road]:
    roads = []
    for lo, hi in ((0, 4), (4, 8)):
        for c in range(len(_COLS)):
            coords = [nodes[c, r] for r in range(lo, hi + 1)]
            number = c + 1 if c < _STRAIGHT_COL else c - _STRAIGHT_COL + 1
            mid = coords[len(coords) // 2]
            roads.append(Road(f"{quarter(*mid)}{chinese_number(number)}巷", "alley",
                              round(float(rng.uniform(2.5, 4.0)), 1), bool(rng.random() < 0.45), coords))
    return roads


def _east_west_alleys(rng, nodes) -> list[Road]:
    """Cross alleys (横巷) that run only part of the way, as in a real village, joined where they meet."""
    roads = []
    for r in (1, 2, 3, 5, 6, 7):
        stations = ([(0.0, round(nodes[0, r][1] + float(rng.normal(0, 1)), 2))]
                    + [nodes[c, r] for c in range(len(_COLS))]
                    + [(560.0, round(nodes[len(_COLS) - 1, r][1] + float(rng.normal(0, 1)), 2))])
        keep = rng.random(len(stations) - 1) < 0.6
        start = None
        for g in range(len(keep) + 1):
            if g < len(keep) and keep[g]:
                start = g if start is None else start
            elif start is not None:
                coords = stations[start:g + 1]
                mid = coords[len(coords) // 2]
                row = r if r < 4 else r - 4
                roads.append(Road(f"{quarter(*mid)}{chinese_number(row)}横巷", "alley",
                                  round(float(rng.uniform(1.5, 3.0)), 1), bool(rng.random() < 0.2), coords))
                start = None
    return roads


def _node(roads: list[Road]) -> None:
    """Insert every point where two roads meet as a vertex of both (in place)."""
    lines = [r.line for r in roads]
    left, right = STRtree(lines).query(lines, predicate="intersects")
    extra: list[set] = [set() for _ in roads]
    for i, j in zip(left.tolist(), right.tolist()):
        if i >= j:
            continue
        for part in shapely.get_parts(lines[i].intersection(lines[j])):
            if part.geom_type != "Point":
                raise ValueError(f"roads {roads[i].name} and {roads[j].name} overlap")
            extra[i].add((part.x, part.y))
            extra[j].add((part.x, part.y))
    for road, line, points in zip(roads, lines, extra):
        new = sorted(points - set(road.coords))
        if new:
            keyed = [(line.project(Point(c)), c) for c in road.coords] + [(line.project(Point(p)), p) for p in new]
            road.coords = [c for _, c in sorted(keyed)]


def build_roads(rng: np.random.Generator) -> list[Road]:
    roads = [Road(name, cls, width, lit, [start, end], sides)
             for name, cls, width, lit, start, end, sides in _MAIN]
    nodes = _village_nodes(rng)
    roads += _north_south_alleys(rng, nodes) + _east_west_alleys(rng, nodes)
    _node(roads)
    return roads


class Addresser:
    """Finds the road nearest a point and writes a house-number address on it (odd numbers on the
    left of the road's drawing direction, even on the right, one number per 6 m)."""

    def __init__(self, roads: list[Road]) -> None:
        self.roads = roads
        self.lines = [r.line for r in roads]
        self.tree = STRtree(self.lines)

    def nearest(self, pt: Point) -> Road:
        return self.roads[int(self.tree.nearest(pt))]

    def address(self, pt: Point, road: Road | None = None) -> str:
        road = road or self.nearest(pt)
        line = road.line
        d = line.project(pt)
        a, b = line.interpolate(max(d - 0.5, 0)), line.interpolate(min(d + 0.5, line.length))
        left = (b.x - a.x) * (pt.y - a.y) - (b.y - a.y) * (pt.x - a.x) > 0
        return f"{road.name}{2 * int(d // 12) + (1 if left else 2)}号"

    def clear_of_other_roads(self, pt: Point, own: Road, margin: float = 0.5) -> bool:
        """False when ``pt`` would stand on the carriageway of another road (at a junction)."""
        for i in self.tree.query(pt.buffer(30)).tolist():
            other = self.roads[i]
            if other is not own and self.lines[i].distance(pt) < other.width / 2 + margin:
                return False
        return True
