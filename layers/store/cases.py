"""The case port: versioned categories, photo records and the stored answers of idempotent requests."""

from __future__ import annotations

from abc import ABC, abstractmethod


class CaseStore(ABC):
    """What the case workflow keeps beside the features: versioned categories, photos and the results of
    requests sent with an idempotency key. Several of these writes are made together with feature writes
    inside one :meth:`Store.atomic` block (``layers.store.once.run_once``, ``layers.cases``).

    A photo record is a dict with ``id``, ``case_fid`` and ``kind`` (None until attached; kind ``before`` or
    ``after``), ``sha256``, ``phash``, ``image_key`` and ``thumb_key`` (blob keys, see
    :class:`~layers.store.BlobStore`), ``width``, ``height``, ``source_type``, ``taken_at``, ``lon``, ``lat``,
    ``uploaded_by``, ``uploaded_at``, ``attached_at`` and ``warnings`` (a list of dicts)."""

    @abstractmethod
    def categories(self, at: int | None = None) -> list[dict]:
        """The category definitions as now (or ``at`` an instant), in the order they were first added, each
        as it was stored plus ``valid_from`` and ``author``."""

    @abstractmethod
    def category_history(self, code: str) -> list[dict]:
        """Every version of one category, oldest first, with ``valid_from``, ``valid_to`` (None for the
        current one) and ``author``; an empty list for an unknown code."""

    @abstractmethod
    def put_category(self, definition: dict, author: str, at: int | None = None) -> dict:
        """Add a category (``definition["code"]``) or store a new version of it, and return the current
        version. A definition equal to the current one stores nothing. A new version starts at the clock (or
        ``at``), and never before the version it ends."""

    @abstractmethod
    def seed_categories(self, definitions: list[dict], at: int | None = None) -> int:
        """Add the built-in categories whose code was never stored (versions stored since are kept, never
        overwritten); return how many were added."""

    @abstractmethod
    def add_photo(self, record: dict, image: bytes, thumb: bytes) -> dict:
        """Keep a processed photo: its image and thumbnail as blobs (``.jpg``), then its record, inside the
        caller's transaction if there is one. Return the record with its new ``id`` and blob keys."""

    @abstractmethod
    def photo(self, photo_id: int) -> dict | None:
        """One photo record, or None."""

    @abstractmethod
    def case_photos(self, case_fid: int, at: int | None = None) -> list[dict]:
        """The photos attached to a case (those attached by ``at`` an instant, when given), by id."""

    @abstractmethod
    def photo_counts(self, case_fids: list[int] | None = None) -> dict[int, dict[str, int]]:
        """``{case id: {"before": n, "after": m}}`` for every case with photos (or those of ``case_fids``)."""

    @abstractmethod
    def attach_photo(
        self, photo_id: int, case_fid: int, kind: str, at: int | None = None, warnings: list[dict] | None = None
    ) -> dict:
        """Attach an uploaded photo to a case as its ``before`` or ``after`` photo at the clock (or ``at``),
        replacing its warnings when given; return the record."""

    @abstractmethod
    def photo_fingerprints(self) -> list[tuple[int, int | None, str, str]]:
        """``(photo id, case id, sha256, phash)`` of every photo."""

    @abstractmethod
    def contributions(self, author: str, case_layer: str, since: int) -> dict[str, tuple[int, int | None]]:
        """What ``author`` added at or after ``since``, for per-user quotas: ``{"reports": (count, oldest
        instant), "photos": (count, oldest instant)}`` (the oldest None when the count is 0); reports are the
        features created in ``case_layer`` with that author, photos those with that ``uploaded_by``."""

    @abstractmethod
    def idempotent_result(self, actor: str, key: str) -> tuple[str, int, str, dict] | None:
        """The stored ``(fingerprint, status, body, headers)`` of an actor's request key, or None."""

    @abstractmethod
    def save_idempotent_result(
        self, actor: str, key: str, fingerprint: str, status: int, body: str, headers: dict | None = None
    ) -> None:
        """Remember a request key's answer. Called inside the :meth:`Store.atomic` block that made the change,
        so the answer and the change commit together or not at all. A key is stored once per actor: saving
        it again raises an error (the block's check-then-save under :meth:`Store.atomic` prevents that)."""
