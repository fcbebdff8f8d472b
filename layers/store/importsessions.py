"""The import-session port: the state of each upload → preview → commit session, kept by the store so that every
app process on one database sees it (a preview made through one may be committed through another)."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ImportSessionStore(ABC):
    """Import sessions as records: ``{"id", "owner", "created_at", "meta"}``, ``meta`` being any JSON object the
    import code keeps (options, status, result, the blob keys of the upload and of the refused rows; the
    bytes themselves are blobs, see :class:`~layers.store.BlobStore`)."""

    @abstractmethod
    def save_import_session(self, session_id: str, owner: str, created_at: int, meta: dict) -> None:
        """Store a session's record, replacing the one of the same id (its owner and creation stay as first
        saved). Inside the caller's :meth:`Store.atomic` block when there is one: a commit stores its features
        and its session's new state together."""

    @abstractmethod
    def import_session(self, session_id: str) -> dict | None:
        """One session's record as saved last (committed by anyone, in any process), or None."""

    @abstractmethod
    def import_sessions(self) -> list[dict]:
        """Every session's record, oldest first (for sweeping expired ones and finding shared blobs)."""

    @abstractmethod
    def delete_import_session(self, session_id: str) -> bool:
        """Forget a session's record; True if it was there. Its blobs are the caller's to delete."""
