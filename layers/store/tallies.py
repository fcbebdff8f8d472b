"""The tally port: a layer's features as they stood at given instants, and counts of them, straight from the
version table's indexes, so figures over a year of history (the leaders' compare, dashboard and weekly
series) never read that whole history.

Both methods take the same scope: ``filters`` as :meth:`Store.query` takes them (a property equal to a value,
or to any of a list), and ``prefix`` (property, text) keeping the versions whose property is a JSON string
that starts with ``text`` (an area's grid cells: the codes beginning with the area's code).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class Tallies(ABC):
    """Reads of whole instants of a layer's history, each answered from one snapshot."""

    @abstractmethod
    def rows_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        properties: Sequence[str],
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> tuple[int, list[tuple]]:
        """The layer's revision and every version valid at one or more of ``instants``
        (``valid_from <= t < valid_to``; deletions are never valid), each version once, in the row shape of
        :meth:`Store.version_rows` (``fid, version, op, valid_from, valid_to, x, y, *values``, values typed
        as in JSON), ordered by fid and version; within ``filters`` and ``prefix``. The revision and the rows
        come from one snapshot. An unknown layer is a KeyError; no instants give no rows."""

    @abstractmethod
    def counts_at(
        self,
        layer_id: str,
        instants: Sequence[int],
        group_by: str,
        *,
        filters: dict | None = None,
        prefix: tuple[str, str] | None = None,
    ) -> list[dict]:
        """For each of ``instants``, in the order given, how many features were alive then (their version
        valid at it) within ``filters`` and ``prefix``, per value of the property ``group_by``: a dict from
        that value (a JSON string's text; None when the property is missing or not a string) to the count,
        holding only values counted at least once. All instants are read from one snapshot. An unknown layer
        is a KeyError."""
