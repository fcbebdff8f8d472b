"""The shape of a generated city: how many districts, street offices, communities and cells a scale gives,
their codes and (fictional) names, and where each cell lies on the city's grid of 200 m squares."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# At scale 1.0: 8 districts × 10 street offices × 10 communities × 32 cells = 25,600 cells (Chengdu's
# 数字城管 had 27,775 unit grids); every level shrinks by the fourth root of the scale.
FULL = (8, 10, 10, 32)
CELL_M = 200.0
CITY_NAME = "蓉城市（虚构示例）"
DISTRICT_NAMES = ("锦华区", "青溪区", "金沙区", "望江区", "龙泉区", "天府区", "东湖区", "北苑区", "西岭区", "南河区",
                  "玉林区", "桂溪区")  # fmt: skip
WORDS = ("春熙", "红星", "双桥", "玉双", "沙河", "府南", "草堂", "浣花", "金牛", "驷马", "抚琴", "营门", "桃蹊",
         "白莲", "芳草", "石羊", "肖家", "永丰", "簇桥", "合作", "新鸿", "建设", "猛追", "跳蹬", "龙潭", "柳城",
         "晋阳", "机投", "华阳", "中和", "大源", "三圣", "万年", "青龙", "东光", "牛市", "水井", "锦官", "宽巷",
         "金河", "文殊", "荷花", "万福", "望平", "书院", "太升", "盐市", "督院")  # fmt: skip


def level_counts(scale: float) -> tuple[int, int, int, int]:
    """(districts, streets per district, communities per street, cells per community) for a scale.

    >>> level_counts(1.0), level_counts(0.01)
    ((8, 10, 10, 32), (3, 3, 3, 10))
    """
    if not (isinstance(scale, (int, float)) and 0 < scale <= 1.0):
        raise ValueError(f"scale must be above 0 and at most 1.0, got {scale!r}")
    factor = scale ** 0.25
    return tuple(max(2, round(n * factor)) for n in FULL)  # type: ignore[return-value]


def _block(n: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(n))
    return cols, math.ceil(n / cols)


@dataclass
class CityPlan:
    """The areas and cells of one city: ``cells`` codes in order, ``cell_xy`` their south-west corners in
    metres on the city's local grid, and every area's code and name."""

    scale: float
    seed: int
    counts: tuple[int, int, int, int]
    cells: list[str] = field(default_factory=list)
    cell_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    names: dict[str, str] = field(default_factory=dict)
    width_m: float = 0.0
    height_m: float = 0.0


def plan_city(scale: float, seed: int) -> CityPlan:
    """Codes (510104 … as districts of a GB/T 2260-like prefix), names and positions of every cell."""
    counts = level_counts(scale)
    nd, ns, nc, nn = counts
    rng = np.random.default_rng(seed)
    words = list(rng.permutation(len(WORDS)))
    plan = CityPlan(scale, seed, counts)
    cw, ch = _block(nn)
    sw, sh = _block(nc)
    dw, dh = _block(ns)
    xw, _ = _block(nd)
    xy = []
    for d in range(nd):
        district = f"5101{4 + d:02d}"
        plan.names[district] = DISTRICT_NAMES[d % len(DISTRICT_NAMES)] + ("" if d < len(DISTRICT_NAMES) else str(d))
        dx, dy = (d % xw) * dw * sw * cw, (d // xw) * dh * sh * ch
        for s in range(ns):
            street = f"{district}{s + 1:03d}"
            word = WORDS[words[(d * ns + s) % len(WORDS)]]
            plan.names[street] = f"{word}街道" if d * ns + s < len(WORDS) else f"{word}{d * ns + s}街道"
            sx, sy = dx + (s % dw) * sw * cw, dy + (s // dw) * sh * ch
            for c in range(nc):
                community = f"{street}{c + 1:03d}"
                plan.names[community] = f"{word}{'东西南北中新'[c % 6]}{c // 6 + 1}社区"
                cx, cy = sx + (c % sw) * cw, sy + (c // sw) * ch
                for n in range(nn):
                    plan.cells.append(f"{community}{n + 1:03d}")
                    xy.append((cx + n % cw, cy + n // cw))
    plan.cell_xy = np.asarray(xy, dtype=float) * CELL_M
    plan.width_m = float(plan.cell_xy[:, 0].max() + CELL_M)
    plan.height_m = float(plan.cell_xy[:, 1].max() + CELL_M)
    return plan
