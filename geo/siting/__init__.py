"""Where new facilities do the most good: candidates, the coverage matrix and the solvers."""

from geo.siting.propose import (
    EXACT_NNZ_LIMIT,
    candidates_along,
    coverage_matrix,
    propose_sites,
)

__all__ = [
    "EXACT_NNZ_LIMIT",
    "candidates_along",
    "coverage_matrix",
    "propose_sites",
]
