"""Design-weighted means of a stratified sample with their confidence intervals, and whether two of them
differ by more than the noise."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t


@dataclass(frozen=True)
class Estimate:
    """A mean with its interval.

    Attributes
    ----------
    score : float or None
        The design-weighted mean (None without any observation).
    ci_low, ci_high, se : float or None
        The interval and the standard error (None when the spread cannot be estimated: no stratum with two
        observations).
    n : int
        Observations behind it.
    df : int
        Degrees of freedom of the spread (observations minus strata observed).
    missing_share : float
        Share of the places (by stratum size) in strata without any observation, left out of the mean.
    """

    score: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    n: int
    df: int
    missing_share: float

    @property
    def half_width(self) -> float | None:
        return None if self.ci_low is None else (self.ci_high - self.ci_low) / 2


def stratified_mean(
    values: Sequence[float], strata: Sequence[str], population: Mapping[str, int], confidence: float = 0.95
) -> Estimate:
    """The stratified estimate of the mean over the places of ``population`` (stratum -> number of places).

    ``ybar = sum_h W_h ybar_h`` with ``W_h = N_h / sum N_h`` over the strata observed. The spread is pooled
    within strata, ``s^2 = sum (y - ybar_h)^2 / sum (n_h - 1)``, so strata of one observation still get a
    variance, and ``var = s^2 sum W_h^2 / n_h``; the interval uses Student's t with ``sum (n_h - 1)`` degrees of
    freedom. There is no finite-population correction: inspectors' answers carry measurement error that the
    correction would wrongly remove, so the interval is conservative when most of a stratum is drawn.

    Examples
    --------
    >>> e = stratified_mean([80, 90, 40, 60], ["a", "a", "b", "b"], {"a": 30, "b": 10})
    >>> e.score, e.n, e.df
    (76.25, 4, 2)
    """
    y = np.asarray(values, dtype=float)
    labels = list(strata)
    if len(labels) != len(y):
        raise ValueError(f"values and strata differ in length: {len(y)} and {len(labels)}")
    if not np.all(np.isfinite(y)):
        raise ValueError("values must be finite numbers")
    unknown = sorted(set(labels) - set(population))
    if unknown:
        raise ValueError(f"observations in strata outside the population: {unknown[:3]}")
    total = sum(population.values())
    groups: dict[str, np.ndarray] = {h: y[[i for i, s in enumerate(labels) if s == h]] for h in sorted(set(labels))}
    seen = sum(population[h] for h in groups)
    missing = 0.0 if total == 0 else 1.0 - seen / total
    if not groups or seen == 0:
        return Estimate(None, None, None, None, 0, 0, missing)
    weights = {h: population[h] / seen for h in groups}
    score = float(sum(weights[h] * g.mean() for h, g in groups.items()))
    df = sum(len(g) - 1 for g in groups.values())
    if df == 0:
        return Estimate(score, None, None, None, len(y), 0, missing)
    pooled = sum(float(((g - g.mean()) ** 2).sum()) for g in groups.values()) / df
    se = math.sqrt(pooled * sum(weights[h] ** 2 / len(g) for h, g in groups.items()))
    half = float(student_t.ppf(0.5 + confidence / 2, df)) * se
    return Estimate(score, score - half, score + half, se, len(y), df, missing)


def compare(later: Estimate, earlier: Estimate, confidence: float = 0.95) -> dict:
    """The change from ``earlier`` to ``later``: ``difference``, its interval (Welch-Satterthwaite degrees of
    freedom for two independent samples) and ``significant``, true when the interval leaves out zero. Without
    both spreads the change has no interval and is never called significant."""
    if later.score is None or earlier.score is None:
        return {"difference": None, "ci_low": None, "ci_high": None, "significant": False}
    difference = later.score - earlier.score
    if later.se is None or earlier.se is None:
        return {"difference": difference, "ci_low": None, "ci_high": None, "significant": False}
    va, vb = later.se**2, earlier.se**2
    if va + vb == 0:
        return {"difference": difference, "ci_low": difference, "ci_high": difference, "significant": difference != 0}
    df = (va + vb) ** 2 / (va**2 / later.df + vb**2 / earlier.df)
    half = float(student_t.ppf(0.5 + confidence / 2, df)) * math.sqrt(va + vb)
    low, high = difference - half, difference + half
    return {"difference": difference, "ci_low": low, "ci_high": high, "significant": low > 0 or high < 0}
