"""Forward geocoding against the project's own gazetteer: named roads (with house numbers), buildings and
compounds (by name and by their doorplate address) and grid cells. Chinese addresses are normalised
(full-width forms, blanks, punctuation, Chinese numerals in house numbers, suffixes like 附近/旁/内), matched
exactly where a known name occurs in them, else fuzzily (rapidfuzz), and each answer carries a confidence.

House numbers follow :mod:`geo.revgeo` (odd on the left of the road's drawing direction, one pair per
``2 * HOUSE_NUMBER_STEP_M`` metres from its first vertex), so a reverse-geocoded address finds its way back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.crs import metric_crs_for_bounds
from geo.revgeo import HOUSE_NUMBER_STEP_M

__all__ = ["CONFIDENCE", "Gazetteer", "normalize_address"]

#: Confidence of each kind of answer (fuzzy answers scale these by their similarity).
CONFIDENCE = {"building": 1.0, "address": 1.0, "house_number": 0.95, "house_number_beyond": 0.6, "road": 0.7,
              "cell": 0.5}  # fmt: skip
FUZZY_CUTOFF = 60.0  # rapidfuzz partial_ratio, 0-100
_SIDE_OFFSET_M = HOUSE_NUMBER_STEP_M * 5 / 6  # 5 m to the side of the centre line, like a doorplate
_PUNCT = re.compile(r"[\s,.;:'\"()\[\]{}<>·、，。；：‘’“”（）【】《》\-—_/\\#＃~～!！?？]+")
_SUFFIX = re.compile(r"(附近|旁边|旁|门口|对面|内|里)$")
_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百千]+)(?=号|號|栋|棟|幢|座|弄|巷)")
_HOUSE = re.compile(r"^\D{0,2}?(\d{1,5})(?:号|號)")
_KIND_RANK = {"building": 0, "address": 0, "road": 1, "cell": 2}


def _chinese_number(text: str) -> str:
    """``"十二"`` → ``"12"``, ``"一〇五"`` → ``"105"`` (digits read one by one when there is no unit)."""
    if not any(c in _UNITS for c in text):
        return "".join(str(_DIGITS[c]) for c in text)
    total, digit = 0, 0
    for c in text:
        if c in _DIGITS:
            digit = _DIGITS[c]
        else:
            total += (digit or 1) * _UNITS[c]
            digit = 0
    return str(total + digit)


def normalize_address(text: object) -> str:
    """An address reduced for matching: NFKC (full-width digits and letters), lower case, no blanks or
    punctuation, Chinese numerals before 号/栋/幢 as digits, a trailing 附近/旁/内 removed.

    >>> normalize_address(" 广州市 风情街 十二號 附近"), normalize_address("ＸＸ路１８号（新港花园）")
    ('广州市风情街12號', 'xx路18号新港花园')
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PUNCT.sub("", text)
    text = _CN_NUMBER.sub(lambda m: _chinese_number(m[1]), text)
    return _SUFFIX.sub("", text)


@dataclass
class _Entry:
    key: str
    name: str
    kind: str
    row: int  # position in its layer's frame


class Gazetteer:
    """The named places of a community, for :meth:`geocode`.

    Parameters
    ----------
    roads_gdf, buildings_gdf, cells_gdf : GeoDataFrame, optional
        Layers with a ``name`` column (buildings may also have ``address``), in any CRS.
    """

    def __init__(self, roads_gdf=None, buildings_gdf=None, cells_gdf=None) -> None:
        self.layers: dict[str, gpd.GeoDataFrame] = {}
        self.entries: list[_Entry] = []
        for kind, gdf, columns in (("road", roads_gdf, ("name",)), ("building", buildings_gdf, ("name", "address")),
                                   ("cell", cells_gdf, ("name",))):  # fmt: skip
            if gdf is None or not len(gdf):
                continue
            if not isinstance(gdf, gpd.GeoDataFrame) or gdf.crs is None:
                raise TypeError(f"{kind} layer must be a GeoDataFrame with a CRS")
            gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)].to_crs("EPSG:4326").reset_index(drop=True)
            self.layers[kind] = gdf
            for column in columns:
                if column not in gdf.columns:
                    continue
                entry_kind = "address" if column == "address" else kind
                for row, name in enumerate(gdf[column].tolist()):
                    key = normalize_address(name)
                    if len(key) >= 2:
                        self.entries.append(_Entry(key, str(name).strip(), entry_kind, row))
        self._keys = [e.key for e in self.entries]
        self._roads_metric = None

    def __len__(self) -> int:
        return len(self.entries)

    # -- matching --------------------------------------------------------------------------------
    def _exact(self, key: str) -> tuple[_Entry, int] | None:
        """The longest known name inside ``key`` (buildings before roads before cells), and where it ends."""
        best = None
        for entry in self.entries:
            at = key.find(entry.key)
            if at < 0:
                continue
            rank = (-len(entry.key), _KIND_RANK[entry.kind], at)
            if best is None or rank < best[0]:
                best = (rank, entry, at + len(entry.key))
        return (best[1], best[2]) if best else None

    def _fuzzy(self, key: str) -> tuple[_Entry, int, float] | None:
        from rapidfuzz import fuzz, process

        if not self.entries or not key:
            return None
        found = process.extractOne(key, self._keys, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF)
        if found is None:
            return None
        entry = self.entries[found[2]]
        alignment = fuzz.partial_ratio_alignment(entry.key, key)
        end = alignment.dest_end if alignment is not None else len(key)
        return entry, end, found[1] / 100.0

    def _road_metric(self):
        if self._roads_metric is None:
            roads = self.layers["road"]
            crs = metric_crs_for_bounds(*roads.total_bounds)
            self._roads_metric = (roads.geometry.to_crs(crs).values, crs)
        return self._roads_metric

    def _house_number(self, entry: _Entry, number: int) -> tuple[float, float, str]:
        """The doorplate position of ``number`` on the road of ``entry`` (lon, lat, method)."""
        lines, crs = self._road_metric()
        line = shapely.line_merge(lines[entry.row], directed=True)
        parts = shapely.get_parts(line)
        k = (number - 1) // 2
        along_m = k * 2 * HOUSE_NUMBER_STEP_M + HOUSE_NUMBER_STEP_M
        method = "house_number"
        lengths = shapely.length(parts)
        if along_m > lengths.sum():
            along_m, method = lengths.sum(), "house_number_beyond"
        i = min(int(np.searchsorted(np.cumsum(lengths), along_m)), len(parts) - 1)
        part, d = parts[i], along_m - (np.cumsum(lengths)[i] - lengths[i])
        a = shapely.get_coordinates(shapely.line_interpolate_point(part, max(d - 0.5, 0.0)))[0]
        b = shapely.get_coordinates(shapely.line_interpolate_point(part, min(d + 0.5, lengths[i])))[0]
        p = shapely.get_coordinates(shapely.line_interpolate_point(part, d))[0]
        direction = (b - a) / (np.hypot(*(b - a)) or 1.0)
        left = np.array([-direction[1], direction[0]])
        p = p + left * _SIDE_OFFSET_M * (1 if number % 2 else -1)
        lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*p)
        return float(lon), float(lat), method

    def _place(self, entry: _Entry, rest: str) -> tuple[float, float, str]:
        if entry.kind == "road":
            house = _HOUSE.match(rest)
            if house and int(house[1]) > 0:
                return self._house_number(entry, int(house[1]))
            point = shapely.line_interpolate_point(self.layers["road"].geometry.values[entry.row], 0.5,
                                                   normalized=True)  # fmt: skip
            return point.x, point.y, "road"
        gdf = self.layers["building" if entry.kind == "address" else entry.kind]
        point = shapely.point_on_surface(gdf.geometry.values[entry.row])
        return point.x, point.y, entry.kind

    def geocode_one(self, address: object) -> dict:
        """``{"lon", "lat", "confidence", "matched", "kind", "method"}`` for one address (lon/lat None and
        confidence 0 when nothing matches)."""
        key = normalize_address(address)
        exact = self._exact(key) if key else None
        if exact is not None:
            entry, end = exact
            score, how = 1.0, "exact"
        else:
            fuzzy = self._fuzzy(key)
            if fuzzy is None:
                return {"lon": None, "lat": None, "confidence": 0.0, "matched": None, "kind": None, "method": "none"}
            entry, end, score = fuzzy
            how = "fuzzy"
        lon, lat, method = self._place(entry, key[end:])
        confidence = CONFIDENCE[method] * score
        if entry.kind in ("building", "address") and how == "exact" and key != entry.key:
            confidence *= 0.9  # the address says more than the name (a unit, a floor) that cannot be placed
        return {"lon": lon, "lat": lat, "confidence": round(confidence, 3), "matched": entry.name,
                "kind": entry.kind, "method": f"{how}:{method}"}  # fmt: skip

    def geocode(self, addresses) -> pd.DataFrame:
        """:meth:`geocode_one` of every address (each distinct address is matched once), indexed like the input.

        Examples
        --------
        >>> from shapely.geometry import LineString, box
        >>> roads = gpd.GeoDataFrame({"name": ["风情街"]}, geometry=[LineString([(500000, 2550000),
        ...     (500100, 2550000)])], crs="EPSG:32649")
        >>> homes = gpd.GeoDataFrame({"name": ["新港花园"]}, geometry=[box(500000, 2550100, 500100, 2550200)],
        ...     crs="EPSG:32649")
        >>> found = Gazetteer(roads, homes).geocode(["风情街5号附近", "新港花园3栋", "火星"])
        >>> found["method"].tolist(), found["confidence"].tolist()
        (['exact:house_number', 'exact:building', 'none'], [0.95, 0.9, 0.0])
        """
        series = pd.Series(addresses, dtype=object) if not isinstance(addresses, pd.Series) else addresses
        cache: dict = {}
        rows = []
        for value in series.tolist():
            key = value if isinstance(value, str) else None
            if key not in cache:
                cache[key] = self.geocode_one(value)
            rows.append(cache[key])
        return pd.DataFrame(rows, index=series.index, columns=["lon", "lat", "confidence", "matched", "kind", "method"])
