"""Sampling places for inspections and estimating scores from the sample: road stretches of a fixed length,
stratified random draws reproducible from a seed, sample sizes from a target precision, and design-weighted
means with their confidence intervals."""

from geo.sampling.design import allocate, draw_stratified, size_for_precision
from geo.sampling.estimate import Estimate, compare, stratified_mean
from geo.sampling.stretches import road_stretches

__all__ = [
    "Estimate",
    "allocate",
    "compare",
    "draw_stratified",
    "road_stretches",
    "size_for_precision",
    "stratified_mean",
]
