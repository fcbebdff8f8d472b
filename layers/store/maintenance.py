"""The optional maintenance port: backups, restoring one, and checking a store's integrity.

A backend that can do these implements :class:`Maintenance` besides the other ports; callers ask with
``isinstance(store, Maintenance)`` (``server.py``'s ``backup`` and ``restore`` commands do) and say plainly
when the store they run on cannot.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager


class StoreInUse(RuntimeError):
    """A server serves the store (it holds :meth:`Maintenance.serving`): stop every one before a restore."""


class Maintenance(ABC):
    """Backups as single files the backend writes and reads back. A summary (``dict``) has ``file`` (the
    path as a string), ``versions`` (how many feature versions it holds) and ``features`` (``{layer id: live
    feature count}``); :meth:`backup`'s adds ``bytes``, the file's size."""

    @abstractmethod
    def integrity_check(self) -> str:
        """``"ok"`` when the stored data is sound, else a description of what is wrong."""

    @abstractmethod
    def backup(self, target: str | os.PathLike) -> dict:
        """Copy the whole store to the new file ``target`` while it serves (one consistent snapshot; writers
        go on meanwhile), check the copy, and return its summary. Raise FileExistsError if ``target`` exists
        and RuntimeError if the copy fails its check (no file is left then)."""

    @staticmethod
    @abstractmethod
    def check_backup(source: str | os.PathLike) -> dict:
        """Check, without changing anything, that ``source`` is a sound backup of this backend and of the
        schema this software reads; return its summary. Raise FileNotFoundError when there is no such file
        and ValueError when it is not a sound backup. Callable on the class, before any store is opened."""

    @abstractmethod
    def serving(self) -> AbstractContextManager[None]:
        """Held by a server for as long as it serves this store, in any app process on any machine that shares
        the store; many may hold it at once. The operating system or the database server releases it when the
        process dies, even by kill -9."""

    @abstractmethod
    def restore(self, source: str | os.PathLike) -> dict:
        """Replace everything in this store with the backup's content after :meth:`check_backup` (which
        raises as there, leaving the store untouched); return the summary. Nothing else may use the store
        meanwhile: raise :class:`StoreInUse`, changing nothing, while any server holds :meth:`serving`."""
