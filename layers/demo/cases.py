"""A year of blackspot cases (问题点位) and their workflow histories, planned before anything is written.

Cases cluster where they do in real 城中村 communities: the village alleys, round the farmers' market
and along 风情街. The first half of the year is worse (more reports, slower fixes, more cases left
hanging) than the recent months, so before/after maps tell a story. On top of the ordinary cases come
places where the same problem returns after it was closed, duplicates of open cases, and the "absence"
cases (no bin, no lamp, dry toilet, no toilet in reach) at the real gaps of the facility layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point, Polygon

from layers.cases.categories import BUILTIN as BUILTIN_CATEGORIES
from layers.demo import texts
from layers.demo.frame import DAY_US, HEIGHT_M, HOUR_US, WIDTH_M, along, iso_cst
from layers.demo.grid import Cell, cell_of
from layers.demo.roads import Addresser, Road

N_REGULAR = 360
# Reports per month relative to the mean, oldest month first: the campaign starts bad and improves.
_MONTHLY = (1.5, 1.6, 1.8, 1.6, 1.5, 1.3, 1.0, 0.9, 0.8, 0.7, 0.6, 0.6)
# name, share of ordinary cases, where (road class, road names or the market), category weights
_HOTSPOTS = (
    ("village", 0.36, "alley", {"0102": 34, "0103": 14, "0404": 16, "0201": 12, "0507": 10, "0101": 8,
                                "0104": 4, "0105": 2}),
    ("马王六村支路", 0.07, ("马王六村支路",), {"0102": 30, "0104": 20, "0401": 10, "0507": 15, "0201": 10,
                                          "0404": 15}),
    ("market", 0.14, "market", {"0102": 30, "0104": 25, "0501": 20, "0507": 15, "0404": 10}),
    ("风情街", 0.16, ("风情街",), {"0504": 45, "0104": 20, "0201": 15, "0102": 15, "0501": 5}),
    ("袁茄路", 0.08, ("袁茄路",), {"0201": 40, "0102": 20, "0504": 15, "0199": 15, "0204": 10}),
    ("side roads", 0.09, ("龙泉怡苑支路", "天主教堂支路", "新港花园支路"),
     {"0102": 30, "0401": 20, "0104": 20, "0201": 15, "0507": 15}),
    ("elsewhere", 0.10, ("新港东路", "港湾西路", "港湾东路", "新港北街", "新港中路"),
     {"0102": 30, "0104": 25, "0201": 20, "0106": 15, "0204": 10}),
)
# hotspot, category, how many times the problem comes back in the year
_RECURRING = (("village", "0102", 4), ("风情街", "0504", 3), ("market", "0102", 3), ("village", "0404", 3))
# Of the cases whose deadline has passed while still on the clock, the share the office re-dispatched (改派)
# lately with a fresh deadline; the rest stay overdue. Its own random stream (the seed), so nothing drawn
# before changes.
REDISPATCH_SHARE = 0.8
REDISPATCH_SEED = 2026
RECURRENCE_SHIFT_DAYS = 170  # how far later every other recurring chain is moved (see CasePlanner._spread)
_SLOW, _MEDIUM = {"0101", "0401", "0404"}, {"0103", "0507", "0105", "0199"}


@dataclass
class Case:
    xy: tuple[float, float]
    category: str
    reported_us: int
    steps: list[tuple[int, str, str]]  # (instant, new status, author), after the initial "reported"
    description: str = ""
    reporter: str | None = None
    address: str = ""
    grid_code: str = ""
    tags: set = field(default_factory=set)  # "recurring:<n>", "duplicate", "absence": for the summary
    original: Case | None = None  # the case a duplicate repeats
    recurrence: int = 0  # earlier fixed cases of this kind at this place (回潮)

    def properties(self) -> dict:
        return {"category": self.category, "status": "reported", "description": self.description,
                "address": self.address, "reported_at": iso_cst(self.reported_us), "grid_code": self.grid_code,
                "reporter": self.reporter}


class CasePlanner:
    def __init__(self, rng, roads: list[Road], addresser: Addresser, cells: list[Cell], market: Polygon,
                 now_us: int, new_bins_us: int) -> None:
        self.rng, self.roads, self.addresser, self.cells = rng, roads, addresser, cells
        self.market_ring = market.buffer(4, join_style="mitre").exterior
        self.now_us, self.new_bins_us = now_us, new_bins_us
        self.start_us = now_us - 365 * DAY_US
        self.mid_us = now_us - 182 * DAY_US
        self.by_name = {r.name: r for r in roads}
        alleys = [r for r in roads if r.cls == "alley"]
        picks = rng.choice(len(alleys), size=12, replace=False).tolist()  # the village's 卫生死角
        self.corners = [(alleys[k], float(rng.uniform(0, alleys[k].line.length))) for k in picks]

    def plan(self) -> list[Case]:
        cases = self._ordinary() + self._recurring() + self._absences()
        cases += self._duplicates(cases)
        for case in cases:
            self._finish(case)
        self._redispatch(cases)
        return sorted(cases, key=lambda c: c.reported_us)

    def _redispatch(self, cases: list[Case]) -> None:
        """Most cases still on the clock past their deadline were re-dispatched lately with a new one, so
        the deadlines of the demo lie around today (剩余 5 小时, a few 超期 2 天), as in a running office, and
        not in a wall of long-overdue cases. The cases waiting on investment (absences) stay as they are."""
        rng = np.random.default_rng(REDISPATCH_SEED)
        hours_of = {c["code"]: float(c["deadline_hours"]) for c in BUILTIN_CATEGORIES}
        for case in cases:
            if "absence" in case.tags or not case.steps or case.steps[-1][1] not in ("dispatched", "in_progress"):
                continue
            hours = hours_of[case.category]
            dispatched = max(t for t, status, _ in case.steps if status == "dispatched")
            roll, share = rng.random(), float(rng.uniform(0.1, 0.75))
            again, lag = rng.random() < 0.6, int(rng.uniform(0.3, 3) * HOUR_US)
            if dispatched + hours * HOUR_US > self.now_us or roll >= REDISPATCH_SHARE:
                continue
            t = self.now_us - int(share * hours * HOUR_US)
            t -= t % 1_000_000
            if t <= case.steps[-1][0] + 600_000_000:
                continue
            last_status, last_author = case.steps[-1][1:]
            case.steps.append((t, "dispatched", texts.DISPATCHER))
            if last_status == "in_progress" and again and t + lag < self.now_us - 60_000_000:
                case.steps.append((t + lag - (t + lag) % 1_000_000, "in_progress", last_author))

    # -- where and when -----------------------------------------------------------------------------
    def _on_road(self, road: Road, dist: float) -> Point:
        """A spot at the roadside: anywhere across a narrow alley, along the kerb of a wider road."""
        line, rng = road.line, self.rng
        side = int(rng.choice(road.sides))
        if road.cls == "alley":
            offset = float(rng.uniform(0, road.width / 2))
        else:
            offset = road.width / 2 - float(rng.uniform(0, min(3.0, road.width / 2)))
        return along(line, dist, side, offset)

    def _spot(self, hotspot: str) -> Point:
        rng = self.rng
        where = next(h[2] for h in _HOTSPOTS if h[0] == hotspot)
        if where == "market":
            p = self.market_ring.interpolate(float(rng.uniform(0, 1)), normalized=True)
            return Point(p.x + rng.normal(0, 1.2), p.y + rng.normal(0, 1.2))
        if where == "alley":
            if rng.random() < 0.6:  # most village reports come from a dozen notorious corners
                road, d0 = self.corners[int(rng.integers(len(self.corners)))]
                return self._on_road(road, float(np.clip(d0 + rng.normal(0, 10), 0, road.line.length)))
            candidates = [r for r in self.roads if r.cls == "alley"]
        else:
            candidates = [self.by_name[n] for n in where]
        lengths = np.array([r.line.length for r in candidates])
        road = candidates[int(rng.choice(len(candidates), p=lengths / lengths.sum()))]
        return self._on_road(road, float(rng.uniform(0, road.line.length)))

    def _at(self, day: float) -> int:
        """An instant on day ``day`` of the year (0 = a year ago), in working hours China time."""
        midnight = (self.start_us + 8 * HOUR_US) // DAY_US * DAY_US - 8 * HOUR_US
        hour = float(self.rng.uniform(7.5, 21.0))
        t = midnight + int(day) * DAY_US + int(hour * HOUR_US) // 1_000_000 * 1_000_000
        while t >= self.now_us - 2 * HOUR_US:
            t -= DAY_US
        while t <= self.start_us:
            t += DAY_US
        return t

    def _days(self, n: int) -> np.ndarray:
        weights = np.array([_MONTHLY[min(d * 12 // 365, 11)] for d in range(365)])
        return self.rng.choice(365, size=n, p=weights / weights.sum())

    # -- workflow -----------------------------------------------------------------------------------
    def _workflow(self, t0: int, category: str, *, may_fail: bool = True) -> list[tuple[int, str, str]]:
        """reported -> filed -> dispatched -> in_progress -> fixed -> closed, with realistic delays;
        a few are rejected, and some stall after dispatch (overdue), more often early in the year."""
        rng, h = self.rng, HOUR_US
        early = t0 < self.mid_us
        if may_fail and rng.random() < 0.05:
            return [(t0 + int(rng.uniform(1, 24) * h), "rejected", texts.DISPATCHER)]
        fixer = texts.FIXERS.get(category, texts.DEFAULT_FIXER)
        t = t0 + int(rng.uniform(0.3, 8) * h)
        steps = [(t, "filed", texts.DISPATCHER)]
        t += int(rng.uniform(0.3, 6) * h)
        steps.append((t, "dispatched", texts.DISPATCHER))
        stalls = may_fail and rng.random() < (0.16 if early else 0.10)
        if stalls and rng.random() < 0.4:
            return steps
        t += int(rng.uniform(2, 36) * h)
        steps.append((t, "in_progress", fixer))
        if stalls:
            return steps
        median = 200 if category in _SLOW else 60 if category in _MEDIUM else 20
        t += int(rng.lognormal(np.log(median * (1.6 if early else 1.0)), 0.6) * h)
        steps.append((t, "fixed", fixer))
        t += int(rng.uniform(12, 72) * h)
        steps.append((t, "closed", texts.INSPECTOR))
        return steps

    # -- the cases ------------------------------------------------------------------------------------
    def _ordinary(self) -> list[Case]:
        rng = self.rng
        shares = np.array([h[1] for h in _HOTSPOTS])
        cases = []
        for day in self._days(N_REGULAR).tolist():
            name, _, _, mix = _HOTSPOTS[int(rng.choice(len(_HOTSPOTS), p=shares / shares.sum()))]
            category = str(rng.choice(list(mix), p=np.array(list(mix.values())) / sum(mix.values())))
            t0 = self._at(day)
            pt = self._spot(name)
            cases.append(Case((pt.x, pt.y), category, t0, self._workflow(t0, category)))
        return cases

    def _recurring(self) -> list[Case]:
        """The same problem at the same spot, reported again some weeks after each closure."""
        rng, cases = self.rng, []
        for n, (hotspot, category, times) in enumerate(_RECURRING, 1):
            base = self._spot(hotspot)
            t0 = self._at(float(rng.uniform(5, 50)))
            for k in range(times):
                angle, r = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(1, 4))
                xy = (base.x + r * np.cos(angle), base.y + r * np.sin(angle))
                steps = self._workflow(t0, category, may_fail=False)
                cases.append(Case(xy, category, t0, steps, tags={f"recurring:{n}"}, recurrence=k))
                day = (steps[-1][0] - self.start_us) / DAY_US + float(rng.uniform(7, 45))
                if day > 362:
                    break
                t0 = self._at(day)
        return self._spread(cases)

    def _spread(self, cases: list[Case]) -> list[Case]:
        """Move every other chain of recurrences into the second half of the year (whole days, so each keeps
        its hours), as far as the chain still ends before now: the leaders' default six-month report then
        has recurrences to show. Done after drawing, so the random stream, and all else, stays the same."""
        by_chain: dict[str, list[Case]] = {}
        for case in cases:
            by_chain.setdefault(next(iter(case.tags)), []).append(case)
        for tag, chain in by_chain.items():
            if int(tag.split(":")[1]) % 2:
                continue
            last = max(t for case in chain for t, _, _ in case.steps)
            days = min(RECURRENCE_SHIFT_DAYS, (self.now_us - 3 * HOUR_US - last) // DAY_US)
            if days <= 0:
                continue
            for case in chain:
                case.reported_us += days * DAY_US
                case.steps = [(t + days * DAY_US, status, who) for t, status, who in case.steps]
        return cases

    def _absences(self) -> list[Case]:
        """Cases for the gaps the coverage analysis finds: they wait on investment, so most stay open."""
        rng, h, cases = self.rng, HOUR_US, []
        bins_day = (self.new_bins_us - self.start_us) / DAY_US
        for name, count in (("马王六村支路", 3), ("龙泉怡苑支路", 2), ("天主教堂支路", 2)):
            road = self.by_name[name]
            for _ in range(count):  # no bin: closed once the ten new bins are out
                t0 = self._at(float(rng.uniform(15, bins_day - 20)))
                t_fix = self.new_bins_us + int(rng.uniform(2, 30) * h)
                steps = [(t0 + 3 * h, "filed", texts.DISPATCHER), (t0 + 5 * h, "dispatched", texts.DISPATCHER),
                         (t0 + 2 * DAY_US, "in_progress", texts.DEFAULT_FIXER),
                         (t_fix, "fixed", texts.DEFAULT_FIXER), (t_fix + 3 * DAY_US, "closed", texts.INSPECTOR)]
                cases.append(self._absence(road, "A001", t0, steps))
        for name in ("马王六村支路", "马王六村支路", "龙泉怡苑支路", "新港花园支路", "新港花园支路", "天主教堂支路"):
            t0 = self._at(float(rng.uniform(20, 300)))  # no lamp: waiting for the 36 lamps to be approved
            cases.append(self._absence(self.by_name[name], "A002", t0, self._waiting(t0, "A002")))
        t0 = self._at(12.0)
        cases.append(self._absence(None, "A003", t0, self._waiting(t0, "A003"), xy=(333.0, 731.0)))
        for xy, day in (((1150.0, 930.0), 40.0), ((30.0, 960.0), 120.0)):
            t0 = self._at(day)
            cases.append(self._absence(None, "A004", t0, self._waiting(t0, "A004"), xy=xy))
        return cases

    def _waiting(self, t0: int, category: str) -> list[tuple[int, str, str]]:
        fixer = texts.FIXERS[category]
        return [(t0 + 4 * HOUR_US, "filed", texts.DISPATCHER), (t0 + 6 * HOUR_US, "dispatched", texts.DISPATCHER),
                (t0 + int(self.rng.uniform(3, 15)) * DAY_US, "in_progress", fixer)]

    def _absence(self, road: Road | None, category: str, t0: int, steps, xy=None) -> Case:
        if xy is None:
            pt = self._on_road(road, float(self.rng.uniform(0.1, 0.9)) * road.line.length)
            xy = (pt.x, pt.y)
        case = Case(xy, category, t0, steps, tags={"absence"})
        if road is not None and road.name == "天主教堂支路" and category == "A002":
            case.description = texts.A002_NEVER_LIT
        elif road is not None:
            case.description = str(self.rng.choice(texts.DESCRIPTIONS[category])).format(road=road.name)
        case.reporter = f"网格员-{cell_of(self.cells, Point(xy)).worker}"
        return case

    def _duplicates(self, cases: list[Case]) -> list[Case]:
        """A second report of a case still open, a few metres off, marked duplicate by the dispatcher."""
        rng, out = self.rng, []
        for case in cases:
            if "absence" in case.tags or not case.steps or case.steps[0][1] != "filed" or rng.random() > 0.05:
                continue
            done = next((t for t, status, _ in case.steps if status in ("fixed", "closed")), self.now_us)
            window = min(20 * HOUR_US, done - case.reported_us - HOUR_US, self.now_us - case.reported_us - 8 * HOUR_US)
            if window < HOUR_US:
                continue
            t0 = case.reported_us + int(rng.uniform(0.5 * HOUR_US, window))
            angle, r = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(1, 5))
            xy = (case.xy[0] + r * np.cos(angle), case.xy[1] + r * np.sin(angle))
            steps = [(t0 + int(rng.uniform(0.5, 6) * HOUR_US), "duplicate", texts.DISPATCHER)]
            dup = Case(xy, case.category, t0, steps, tags={"duplicate"}, original=case)
            dup.reporter = str(rng.choice([texts.HOTLINE, texts.RESIDENT]))
            out.append(dup)
        return out

    def _finish(self, case: Case) -> None:
        """Address, grid cell, reporter and wording; drop any step that would lie in the future."""
        # Jittered repeats at the community's edge could step outside it; keep every case inside a cell.
        case.xy = (float(np.clip(case.xy[0], 1, WIDTH_M - 1)), float(np.clip(case.xy[1], 1, HEIGHT_M - 1)))
        rng, pt = self.rng, Point(case.xy)
        cell = cell_of(self.cells, pt)
        case.grid_code = cell.code
        case.address = self.addresser.address(pt) + "附近"
        if case.reporter is None:
            roll = rng.random()
            case.reporter = (f"网格员-{cell.worker}" if roll < 0.55 else texts.HOTLINE if roll < 0.8
                             else texts.RESIDENT if roll < 0.95 else texts.PATROL)
        if not case.description:
            template = str(rng.choice(texts.DESCRIPTIONS[case.category]))
            case.description = template.format(spot=str(rng.choice(texts.SPOTS)), n=int(rng.integers(2, 9)),
                                               road=self.addresser.nearest(pt).name) + str(rng.choice(texts.SUFFIXES))
        # Whole seconds, as reported_at is written; steps are minutes apart, so order survives.
        case.reported_us -= case.reported_us % 1_000_000
        case.steps = [(t - t % 1_000_000, status, author) for t, status, author in case.steps
                      if t < self.now_us - 60_000_000]
