"""Durability tests against real server processes (a package, like tests/browser, so module names stay unique)."""
