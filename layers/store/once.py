"""Work done at most once per request key: the stored answer is checked, the work done and its answer
stored in one :meth:`Store.atomic` block, so the change and the answer commit together, and a repeat
racing the first request waits for it and then gets its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from layers.store.cases import CaseStore
from layers.store.features import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Replay:
    """The answer stored for a request key by an earlier request (which may have been another one: compare
    ``fingerprint``)."""

    fingerprint: str
    status: int
    body: str
    headers: dict


def stored_answer(store: CaseStore, actor: str, key: str) -> Replay | None:
    """The answer already stored for ``actor``'s ``key``, or None (a plain read, no transaction)."""
    found = store.idempotent_result(actor, key)
    return None if found is None else Replay(*found)


def run_once(
    store: Store | CaseStore,
    actor: str,
    key: str,
    fingerprint: str,
    work: Callable[[], T],
    answer: Callable[[T], tuple[int, str, dict] | None],
) -> T | Replay:
    """``work()`` and the storing of its answer in one transaction, unless an answer is stored already.

    Inside ``store.atomic()`` (whose writers are serialised): if an answer for (``actor``, ``key``) is
    stored, return it as a :class:`Replay` and do nothing; else run ``work()``, and when ``answer(result)``
    gives ``(status, body, headers)`` store it with ``fingerprint`` in the same transaction (None stores
    nothing: a refusal may be retried). An exception from ``work`` rolls everything back and goes on.
    """
    with store.atomic():
        found = stored_answer(store, actor, key)
        if found is not None:
            return found
        result = work()
        kept = answer(result)
        if kept is not None:
            store.save_idempotent_result(actor, key, fingerprint, *kept)
        return result
