"""The account port: users, API tokens, browser sessions, login attempts and the audit log."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


def public_session_id(session_hash: str) -> str:
    """The handle a user sees for a session (16 hex digits): never the stored hash itself.

    >>> public_session_id("abc")
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(session_hash.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class LoginCounters:
    """Failed password checks for one (name, address) pair and for the address alone, as the store counts
    them (see :meth:`AccountStore.login_counters`). Instants are microseconds; None when there was none."""

    pair_failures: int
    pair_last_failure_at: int | None
    ip_failures: int
    ip_last_failure_at: int | None
    pair_known: bool


class AccountStore(ABC):
    """Users, API tokens, browser sessions, login attempts and the audit log. Secrets are stored only
    as hashes; nothing here checks passwords or permissions (``layers/accounts/users.py`` does).

    A user is a dict with ``id`` (int), ``name``, ``display_name`` (the name when none was given), ``role``,
    ``grid_codes`` (list of str), ``area`` (the code of the area the account is scoped to, None for the
    whole deployment), ``disabled`` (bool), ``created_at`` and ``updated_at`` (instants); only
    :meth:`user` adds ``password_hash``. A token record has ``id``, ``user_id``, ``label``, ``created_at``,
    ``last_used_at`` and ``revoked_at`` (None until used or revoked), never the secret nor its hash."""

    @abstractmethod
    def create_user(
        self,
        name: str,
        role: str,
        password_hash: str | None,
        *,
        display_name: str | None = None,
        grid_codes: Sequence[str] = (),
        area: str | None = None,
        actor: str = "system",
    ) -> dict:
        """Add a user and an audit entry (``user.create`` by ``actor``) together; return the user as
        :meth:`user` does. Raise UserExists when the name is taken."""

    @abstractmethod
    def user(self, name: str) -> dict | None:
        """A user by name (with ``password_hash``, None for a user who cannot log in), or None."""

    @abstractmethod
    def users(self) -> list[dict]:
        """Every user ordered by name, without password hashes."""

    @abstractmethod
    def update_user(self, name: str, changes: dict) -> dict:
        """Change ``display_name``, ``role``, ``grid_codes``, ``area``, ``disabled`` or ``password_hash`` and return the
        user; a change of role, password or disabled ends every session of the user in the same transaction.
        Raise KeyError for an unknown user, ValueError for any other key in ``changes``."""

    @abstractmethod
    def add_token(self, user_id: int, label: str, token_hash: str) -> dict:
        """Store a new API token's hash; return its public record (with ``user``, the user's name)."""

    @abstractmethod
    def token_user(self, token_hash: str) -> tuple[dict, dict] | None:
        """(token, user) for a live (not revoked) token of an enabled user, or None. Records the use in the
        token's ``last_used_at``, at most once a minute (the token returned shows it as before this use)."""

    @abstractmethod
    def tokens(self, user_id: int | None = None) -> list[dict]:
        """Token records (never the secret), each with ``user`` (the user's name), for one user or all,
        oldest first; revoked tokens included (with ``revoked_at``)."""

    @abstractmethod
    def revoke_token(self, token_id: int) -> dict | None:
        """Revoke a token (a second revocation keeps the first instant); return its record, or None if
        unknown. A revoked token is no longer found by :meth:`token_user`."""

    @abstractmethod
    def revoke_tokens(self, user_id: int) -> list[int]:
        """Revoke every live token of a user at once (a password change or reset); return their ids, oldest
        first (tokens revoked before keep their instant and are not listed)."""

    @abstractmethod
    def create_session(
        self, session_hash: str, user_id: int, csrf: str, expires_at: int, *, ip: str = "", agent: str = ""
    ) -> None:
        """Start a browser session that lasts until ``expires_at`` (an instant), remembering the address and
        browser (``agent``, cut to 200 characters) it started from; expired sessions may be removed meanwhile."""

    @abstractmethod
    def sessions(self, user_id: int) -> list[dict]:
        """A user's live, unexpired sessions, newest first: ``id`` (a public handle: the first 16 hex digits
        of SHA-256 of the session's hash, never the hash itself), ``created_at``, ``expires_at``, ``ip`` and
        ``agent``."""

    @abstractmethod
    def end_sessions(self, user_id: int, session_id: str | None = None) -> int:
        """End one session of the user (by its public ``id``) or, without one, every session of the user;
        return how many ended (0 for an unknown id or another user's session)."""

    @abstractmethod
    def session_user(self, session_hash: str) -> tuple[dict, dict] | None:
        """(session, user) for a live, unexpired session of an enabled user, or None. The session dict has
        ``csrf``, ``created_at`` and ``expires_at``."""

    @abstractmethod
    def delete_session(self, session_hash: str) -> None:
        """End one session (an unknown one is no error)."""

    @abstractmethod
    def record_login(self, name: str, ip: str, ok: bool) -> None:
        """Remember a login attempt at the store's clock (names are cut to 100 characters)."""

    @abstractmethod
    def login_counters(self, name: str, ip: str, *, since: int) -> LoginCounters:
        """The failures that throttle the next password check of ``name`` from ``ip``, counted at or after
        ``since``: ``pair_failures`` of that name from that address after the pair's last success (a success
        of another name from the address, or of the name from another address, resets nothing);
        ``ip_failures`` of every name from the address (successes reset nothing, so a good login cannot
        hide a spray across names); the latest failure of each; and ``pair_known``, whether the name has ever
        succeeded from the address. Names are cut to 100 characters as :meth:`record_login` keeps them."""

    @abstractmethod
    def take_rate_slot(self, scope: str, key: str, limit: int, window_us: int) -> bool:
        """A sliding-window limit shared by every app process on the store: record one event of ``key`` (an
        address, say) in ``scope`` (what is limited) at the store's clock and return True if fewer than
        ``limit`` were recorded in the last ``window_us``; else record nothing and return False. The check and
        the record are one atomic step (two processes never both take the last slot); events older than the
        window are forgotten."""

    @abstractmethod
    def audit(self, actor: str, action: str, target: str, detail: dict | None = None, ip: str = "") -> None:
        """Append to the audit log, at the store's clock."""

    @abstractmethod
    def audit_log(self, limit: int = 200) -> list[dict]:
        """The newest ``limit`` audit entries, newest first: ``at``, ``actor``, ``action``, ``target``,
        ``detail`` (a dict) and ``ip``."""
