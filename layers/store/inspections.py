"""The inspection port: versioned checklists, assessment rounds with their drawn sample, and the answers
sent from the phones."""

from __future__ import annotations

from abc import ABC, abstractmethod


class AnswerExists(Exception):
    """The round's item already has an answer (each sampled item is answered once)."""

    def __init__(self, round_id: int, item: int) -> None:
        super().__init__(f"item {item} of round {round_id} is already answered")
        self.round_id, self.item = round_id, item


class InspectionStore(ABC):
    """What inspections keep. A checklist is a dict with ``code`` and whatever the domain puts in it, kept as
    written; each change is a new ``version`` (1, 2, 3 …), and old versions stay readable, since a round
    keeps the version it started with.

    A round record is a dict with ``id``, ``area``, ``checklist``, ``checklist_version``, ``mode``,
    ``seed``, ``status`` (``open`` or ``closed``), ``created_by``, ``created_at``, ``closed_at`` (instants
    in microseconds) and ``design`` (a dict). Its items are dicts with ``item`` (1, 2 … within the round),
    ``kind``, ``stratum``, ``cell``, ``weight``, ``geometry`` (a GeoJSON dict), ``ref`` (a dict),
    ``inspector`` (a user name or None) and ``seq`` (the order of the inspector's walk). An answer is a dict
    with ``id``, ``round_id``, ``item``, ``values`` (a dict), ``lon``, ``lat``, ``taken_at`` (ISO text),
    ``distance_m``, ``flags`` (a list), ``photo_id``, ``author`` and ``received_at``."""

    @abstractmethod
    def checklists(self) -> list[dict]:
        """The current version of every checklist, in the order they were first added, each as stored plus
        ``version``, ``valid_from`` and ``author``."""

    @abstractmethod
    def checklist(self, code: str, version: int | None = None) -> dict | None:
        """One checklist as now (or its ``version``), with ``version``, ``valid_from``, ``valid_to`` and
        ``author``; None when unknown."""

    @abstractmethod
    def checklist_history(self, code: str) -> list[dict]:
        """Every version of a checklist, oldest first (an empty list for an unknown code)."""

    @abstractmethod
    def put_checklist(self, definition: dict, author: str, at: int | None = None) -> dict:
        """Add a checklist or store a new version of it (``version`` one more than the current one) and
        return the current version. A definition equal to the current one stores nothing."""

    @abstractmethod
    def seed_checklists(self, definitions: list[dict], at: int | None = None) -> int:
        """Add the built-in checklists whose code was never stored (later versions are kept, never
        overwritten); return how many were added."""

    @abstractmethod
    def add_round(self, record: dict, items: list[dict]) -> dict:
        """Store a new round (``status`` open, ``created_at`` the clock unless given) with its items in one
        transaction; return it with its new ``id`` and its ``items``."""

    @abstractmethod
    def inspection_round(self, round_id: int) -> dict | None:
        """One round with its ``items`` (by ``item``), or None."""

    @abstractmethod
    def inspection_rounds(self) -> list[dict]:
        """Every round without its items, newest first."""

    @abstractmethod
    def close_round(self, round_id: int, at: int | None = None) -> dict:
        """Close an open round at the clock (or ``at``) and return its record (KeyError for an unknown
        round); closing a closed round changes nothing."""

    @abstractmethod
    def add_answer(self, round_id: int, record: dict) -> dict:
        """Keep the answer for one item of a round, ``received_at`` the clock unless given, and return it with
        its ``id``. Raise :class:`AnswerExists` when the item already has one."""

    @abstractmethod
    def round_answers(self, round_id: int) -> list[dict]:
        """The answers of a round, by item."""
