"""Gap thresholds per road class from the standards: CJJ 45-2015 lamp spacing (dark stretches) and
CJJ 27-2005 / GB 50337-2003 litter-bin spacing, with where each figure comes from in zh-CN and en.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Real

from geo import i18n
from geo.gaps.checks import positive

__all__ = ["BIN_CATEGORY_OF_CLASS", "CJJ27_BIN_SPACING_M", "CJJ45_SPACING_FACTORS", "ROAD_CLASSES",
           "bin_gap_thresholds", "lamp_gap_thresholds"]  # fmt: skip

ROAD_CLASSES = ("arterial", "secondary", "branch", "alley", "commercial")  # layers/catalogue/roads.json
# Presets mirroring the layer catalogue (streetlights.json rules.spacing, bins.json rules.service_distance;
# the tests check they agree): pass the catalogue's figures in to use edited ones.
CJJ45_SPACING_FACTORS = {"cutoff": 3.0, "semi_cutoff": 3.5, "non_cutoff": 4.0}
CJJ27_BIN_SPACING_M = {"commercial": (25.0, 50.0), "arterial": (50.0, 80.0), "ordinary": (80.0, 100.0)}
BIN_CATEGORY_OF_CLASS = {"commercial": "commercial", "arterial": "arterial", "secondary": "ordinary",
                         "branch": "ordinary", "alley": "ordinary"}  # fmt: skip
_LABELS = {"cutoff": i18n.both("gaps.label.cutoff"), "semi_cutoff": i18n.both("gaps.label.semi_cutoff"),
           "non_cutoff": i18n.both("gaps.label.non_cutoff"), "commercial": i18n.both("gaps.label.commercial"),
           "arterial": i18n.both("gaps.label.arterial"), "ordinary": i18n.both("gaps.label.ordinary")}  # fmt: skip


def lamp_gap_thresholds(
    pole_height_m: float | Mapping[str, float] = 8.0,
    distribution: str = "semi_cutoff",
    factor_of_spacing: float = 2.0,
    classes: Iterable[str] = ROAD_CLASSES,
    spacing_factors: Mapping[str, float] | None = None,
) -> dict:
    """Dark-stretch thresholds per road class from the CJJ 45-2015 lamp spacing.

    CJJ 45-2015: spacing S ≤ 3H (cut-off), 3.5H (semi-cut-off), 4H (non-cut-off), H = pole height.
    Calling a stretch dark when it is longer than ``factor_of_spacing × S`` is this tool's choice, not
    the standard; ``source`` says so in zh-CN and en.

    Parameters
    ----------
    pole_height_m : float or dict
        H in metres, one for all classes or ``{road class: H}`` covering every class in `classes`.
    distribution : str
        ``"cutoff"``, ``"semi_cutoff"`` or ``"non_cutoff"`` (streetlights.json ``cutoff``).
    factor_of_spacing : float
        A stretch longer than this many spacings S is a gap.
    classes : iterable of str
        Road classes to give a threshold.
    spacing_factors : dict, optional
        ``{distribution: S / H}``, by default `CJJ45_SPACING_FACTORS` (streetlights.json
        ``rules.spacing.max_spacing_factor``).

    Returns
    -------
    dict
        ``thresholds`` ``{class: metres}`` for `line_gaps`, ``spacing_m`` ``{class: S}``,
        ``factor_of_spacing``, ``distribution``, ``source`` ``{"zh-CN": str, "en": str}``.

    Examples
    --------
    >>> lamp_gap_thresholds()["thresholds"]["alley"]  # 2 x 3.5 x 8 m
    56.0
    """
    factors = CJJ45_SPACING_FACTORS if spacing_factors is None else spacing_factors
    if distribution not in factors:
        raise ValueError(f"distribution must be one of {sorted(factors)}, got {distribution!r}")
    per_h = positive(factors[distribution], f"spacing_factors[{distribution!r}]")
    factor, classes = positive(factor_of_spacing, "factor_of_spacing"), _class_list(classes)
    if isinstance(pole_height_m, Mapping):
        missing = [c for c in classes if c not in pole_height_m]
        if missing:
            raise ValueError(f"pole_height_m has no height for classes {missing}, got keys {sorted(pole_height_m)}")
        height = {c: positive(pole_height_m[c], f"pole_height_m[{c!r}]") for c in classes}
    else:
        height = dict.fromkeys(classes, positive(pole_height_m, "pole_height_m"))
    sizes = sorted({(h, per_h * h) for h in height.values()})
    sizes_text = {lang: i18n.text("gaps.word.clauses", lang).join(
        i18n.text("gaps.lamp.size", lang, h=h, s=s, threshold=factor * s) for h, s in sizes)
        for lang in i18n.LANGUAGES}  # fmt: skip
    return {
        "thresholds": {c: factor * per_h * h for c, h in height.items()},
        "spacing_m": {c: per_h * h for c, h in height.items()},
        "factor_of_spacing": factor,
        "distribution": distribution,
        "source": i18n.both("gaps.lamp.source", per_h=per_h, distribution=_LABELS.get(distribution, distribution),
                            sizes=sizes_text, factor=factor),
    }


def bin_gap_thresholds(
    by_road_class: Mapping[str, float | Iterable[float]] | None = None, classes: Iterable[str] = ROAD_CLASSES
) -> dict:
    """Bin-gap thresholds per road class: the upper bounds of the CJJ 27-2005 / GB 50337-2003 spacing.

    Commercial street 25–50 m, arterial 50–80 m, ordinary road 80–100 m.  Our classes map onto those
    kinds of road as `BIN_CATEGORY_OF_CLASS` says: commercial → commercial, arterial → arterial,
    secondary / branch / alley → ordinary.  A stretch longer than the upper bound with no bin is a gap.

    Parameters
    ----------
    by_road_class : dict, optional
        ``{"commercial" | "arterial" | "ordinary": metres or [min, max]}``, the shape of bins.json
        ``rules.service_distance.by_road_class``; by default `CJJ27_BIN_SPACING_M`.  A kind of road
        left out leaves its classes without a threshold (unchecked by `line_gaps`).
    classes : iterable of str
        Road classes to give a threshold, among the keys of `BIN_CATEGORY_OF_CLASS`.

    Returns
    -------
    dict
        ``thresholds`` ``{class: metres}``, ``category`` ``{class: kind of road}``, ``source``
        ``{"zh-CN": str, "en": str}``.

    Examples
    --------
    >>> bin_gap_thresholds()["thresholds"]["branch"]
    100.0
    """
    spacing = CJJ27_BIN_SPACING_M if by_road_class is None else by_road_class
    if not isinstance(spacing, Mapping):
        raise TypeError(f"by_road_class must be a dict, got {type(spacing).__name__}")
    classes = _class_list(classes)
    for got, allowed, name in ((list(spacing), CJJ27_BIN_SPACING_M, "by_road_class keys"),
                               (classes, BIN_CATEGORY_OF_CLASS, "classes")):  # fmt: skip
        unknown = [k for k in got if k not in allowed]
        if unknown:
            raise ValueError(f"{name} must be among {sorted(allowed)}, got {unknown}")
    upper = {k: _upper_bound(v, f"by_road_class[{k!r}]") for k, v in spacing.items()}
    category = {c: BIN_CATEGORY_OF_CLASS[c] for c in classes}
    bounds = {lang: i18n.text("gaps.word.list", lang).join(
        i18n.text("gaps.bin.bound", lang, label=_LABELS[k], metres=v) for k, v in upper.items())
        for lang in i18n.LANGUAGES}  # fmt: skip
    return {
        "thresholds": {c: upper[k] for c, k in category.items() if k in upper},
        "category": category,
        "source": i18n.both("gaps.bin.source", bounds=bounds),
    }


def _upper_bound(value: object, name: str) -> float:
    if isinstance(value, Real):
        return positive(value, name)
    if isinstance(value, str) or not isinstance(value, Iterable) or len(pair := list(value)) != 2:
        raise TypeError(f"{name} must be metres or a [min, max] pair, got {value!r}")
    low, high = positive(pair[0], name), positive(pair[1], name)
    if low > high:
        raise ValueError(f"{name} must be [min, max] with min <= max, got {pair!r}")
    return high


def _class_list(classes: Iterable[str]) -> list[str]:
    if isinstance(classes, str) or not isinstance(classes, Iterable):
        raise TypeError(f"classes must be a collection of road classes, got {classes!r}")
    return list(classes)
