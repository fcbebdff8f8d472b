"""The tamper-evident history: every feature version and every audit entry carries a SHA-256 hash of its
content chained to the hash of the entry before it (one chain per table, in the order of their ids), so that
changing, inserting or removing a row breaks every hash after it. Both backends seal new rows in the same
transaction that wrote them (``seal``) and recompute the chains on demand (``verify``); the hashing here is
the same for both, so one history has one head whatever stores it.

The port (:class:`HistoryChain`) is part of every store; ``python server.py verify`` runs it.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator

GENESIS = "0" * 64
CHAINS = ("version", "audit")
# The columns each chain hashes, in order (valid_to is left out: it is set when the next version supersedes
# a row, and that next version is itself in the chain).
VERSION_FIELDS = ("vid", "fid", "layer", "version", "op", "valid_from", "author", "geometry", "properties")
AUDIT_FIELDS = ("id", "at", "actor", "action", "target", "detail", "ip")


def link(previous: str, table: str, row: tuple) -> str:
    """The hash of ``row`` (a tuple of the table's fields) after ``previous``.

    >>> link(GENESIS, "audit", (1, 0, "admin", "login.ok", "admin", "{}", "")) != GENESIS
    True
    """
    text = json.dumps([table, *row], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def seal(previous: str, table: str, rows: Iterable[tuple]) -> Iterator[tuple[int, str]]:
    """``(id, hash)`` of each unsealed row (its id first), chained on from ``previous``."""
    for row in rows:
        previous = link(previous, table, row)
        yield row[0], previous


def verify(table: str, rows: Iterable[tuple]) -> tuple[str, int, dict | None]:
    """Recompute a chain over ``rows`` (the table's fields, then the stored hash): ``(head, rows checked,
    first problem)``, the problem a dict naming the row's ``id`` and what is wrong, None when all agree."""
    previous, count = GENESIS, 0
    for *row, stored in rows:
        expected = link(previous, table, tuple(row))
        count += 1
        if stored != expected:
            reason = "not sealed" if stored is None else "its content or its place in the chain was changed"
            return previous, count, {"table": table, "id": row[0], "reason": reason, "stored": stored,
                                     "expected": expected}  # fmt: skip
        previous = stored
    return previous, count, None


def head_of(heads: dict[str, str]) -> str:
    """One hash for the whole history: the chains' heads together.

    >>> len(head_of({"version": GENESIS, "audit": GENESIS}))
    64
    """
    return hashlib.sha256("\n".join(heads[t] for t in CHAINS).encode()).hexdigest()


class HistoryChain(ABC):
    """The port: the chains' heads now, and their verification."""

    @abstractmethod
    def chain_head(self) -> dict:
        """``{"head": hash of the whole history, "version": head, "audit": head}`` as sealed now (each
        :data:`GENESIS` for an empty chain)."""

    @abstractmethod
    def verify_chain(self) -> dict:
        """Recompute both chains from the rows as stored: ``{"ok": bool, "head", "version", "audit",
        "rows": {table: count}, "problems": [first problem of each broken chain]}``."""
