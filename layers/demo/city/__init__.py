"""A synthetic city for testing at scale: ``generate_city`` writes several districts of street offices,
communities and grid cells, with roads, buildings, every kind of facility, area names and a year of cases,
into an empty store. Deterministic: the same ``seed``, ``scale`` and ``now_us`` give the same data.
``python server.py demo-city --data DIR [--scale S]`` runs it (docs/demo-city.md)."""

from layers.demo.city.generate import estimate, generate_city
from layers.demo.city.plan import CITY_NAME, level_counts, plan_city
from layers.demo.city.write import DiskTooSmall, NotEmpty

__all__ = ["CITY_NAME", "DiskTooSmall", "NotEmpty", "estimate", "generate_city", "level_counts", "plan_city"]
