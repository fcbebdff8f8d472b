"""Inspections and scores: checklists as versioned data, assessment rounds drawn as stratified random samples,
answers sent from the phones, and scores with their 95 % intervals (docs/inspections.md)."""

from layers.inspections import answers, report, rounds, scores, views
from layers.inspections.checklists import BUILTIN, GRADES, GROUPS, check_checklist

__all__ = ["BUILTIN", "GRADES", "GROUPS", "answers", "check_checklist", "report", "rounds", "scores", "views"]
