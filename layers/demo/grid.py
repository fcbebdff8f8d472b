"""Grid cells (单元网格): 8 cells tiling the community without gaps, coded in 15 digits
(division + street + community + cell), numbered west to east, then north to south."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Point, Polygon, box

from layers.demo.frame import COMMUNITY, DIVISION, NAME_ZH, STREET, chinese_number

# Cell edges follow roads: 龙泉怡苑支路 / 船塘 alley (x 280), 袁茄路 (560), 天主教堂/新港花园支路 (900),
# 新港中路 (y 500).
_X_EDGES = (0, 280, 560, 900, 1200)
_Y_EDGES = (1000, 500, 0)
_AREAS = ("西围", "上洞", "新港花园", "新港东苑", "龙泉怡苑", "轻港佳苑", "农贸市场", "风情街")
_WORKERS = ("张敏", "王磊", "李娟", "陈志强", "黄晓燕", "梁伟", "吴桂芳", "罗俊")


@dataclass(frozen=True)
class Cell:
    number: int
    polygon: Polygon

    @property
    def code(self) -> str:
        return f"{DIVISION}{STREET}{COMMUNITY}{self.number:03d}"

    @property
    def worker(self) -> str:
        return _WORKERS[self.number - 1]

    def properties(self) -> dict:
        ordinal = chinese_number(self.number)
        return {"code": self.code, "name": f"{NAME_ZH}第{ordinal}网格（{_AREAS[self.number - 1]}片）",
                "responsible_unit": f"新港社区居委会第{ordinal}网格工作站",
                "responsible_person": self.worker,
                "phone": f"020-0000-01{self.number:02d}"}  # deliberately not a real number


def build_grid() -> list[Cell]:
    cells = []
    for r in range(len(_Y_EDGES) - 1):
        for c in range(len(_X_EDGES) - 1):
            polygon = box(_X_EDGES[c], _Y_EDGES[r + 1], _X_EDGES[c + 1], _Y_EDGES[r])
            cells.append(Cell(len(cells) + 1, polygon))
    return cells


def cell_of(cells: list[Cell], pt: Point) -> Cell:
    """The cell containing ``pt`` (on a shared edge, the first in numbering order)."""
    for cell in cells:
        if cell.polygon.covers(pt):
            return cell
    raise ValueError(f"point {pt} lies outside the community")
