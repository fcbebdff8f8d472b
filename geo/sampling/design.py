"""The sample design: how many places to draw for a target precision, how to share them among strata, and the
draw itself, reproducible from a seed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.stats import norm


def size_for_precision(population: int, sd: float, half_width: float, confidence: float = 0.95) -> int:
    """The sample size whose confidence interval for a mean has about ``half_width`` on either side.

    ``n = (z * sd / half_width)^2`` for a simple random sample, at most ``population``: ``sd`` is the planning
    guess of the spread of the scores (the checklist declares it), and the interval that comes out of the
    answers uses the spread actually seen.

    Examples
    --------
    >>> size_for_precision(1000, 25.0, 5.0)
    97
    >>> size_for_precision(40, 25.0, 5.0)
    40
    """
    for name, value in (("sd", sd), ("half_width", half_width), ("confidence", confidence)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence}")
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"population must be a count, got {population!r}")
    z = float(norm.ppf(0.5 + confidence / 2))
    return min(population, math.ceil((z * sd / half_width) ** 2))


def allocate(sizes: Mapping[str, int], n: int, minimum: int = 2) -> dict[str, int]:
    """Share ``n`` draws among strata in proportion to their sizes (largest remainders), then give every
    stratum at least ``minimum`` (so its spread can be estimated) and never more than it holds.

    The total may exceed ``n`` by the minimums; it is what the round then draws.

    Examples
    --------
    >>> allocate({"a": 60, "b": 30, "c": 10}, 10)
    {'a': 6, 'b': 3, 'c': 2}
    >>> allocate({"a": 1, "b": 5}, 2)
    {'a': 1, 'b': 2}
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a count, got {n!r}")
    total = sum(sizes.values())
    if total == 0:
        return {k: 0 for k in sizes}
    shares = {k: min(n, total) * v / total for k, v in sizes.items()}
    out = {k: math.floor(s) for k, s in shares.items()}
    left = min(n, total) - sum(out.values())
    for k in sorted(shares, key=lambda k: (-(shares[k] - out[k]), k))[:left]:
        out[k] += 1
    return {k: min(sizes[k], max(out[k], minimum)) for k in sizes}


def draw_stratified(strata: Sequence[str], allocation: Mapping[str, int], seed: int) -> list[int]:
    """The positions drawn: ``allocation[h]`` places without replacement from each stratum ``h``, uniformly.

    The same ``strata`` (in the same order), allocation and ``seed`` always give the same draw; strata are
    drawn in sorted order from one generator.

    Examples
    --------
    >>> draw_stratified(["a", "a", "b", "b", "b"], {"a": 1, "b": 2}, 7) == draw_stratified(
    ...     ["a", "a", "b", "b", "b"], {"a": 1, "b": 2}, 7)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    labels = np.asarray(list(strata), dtype=object)
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for stratum in sorted(allocation):
        members = np.flatnonzero(labels == stratum)
        want = allocation[stratum]
        if want > len(members):
            raise ValueError(f"stratum {stratum!r} holds {len(members)} places, {want} asked")
        if want:
            chosen += rng.choice(members, size=want, replace=False).tolist()
    return sorted(int(i) for i in chosen)
