"""The account port: users, API tokens, browser sessions, login attempts and the audit log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class AccountStore(ABC):
    """Users, API tokens, browser sessions, login attempts and the audit log. Secrets are stored only
    as hashes; nothing here checks passwords or permissions (``layers/accounts/users.py`` does).

    A user is a dict with ``id`` (int), ``name``, ``display_name`` (the name when none was given), ``role``,
    ``grid_codes`` (list of str), ``disabled`` (bool), ``created_at`` and ``updated_at`` (instants); only
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
        """Change ``display_name``, ``role``, ``grid_codes``, ``disabled`` or ``password_hash`` and return the
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
    def create_session(self, session_hash: str, user_id: int, csrf: str, expires_at: int) -> None:
        """Start a browser session that lasts until ``expires_at`` (an instant); expired sessions may be
        removed meanwhile."""

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
    def login_failures(self, *, since: int, name: str | None = None, ip: str | None = None) -> int:
        """Failed attempts at or after ``since`` for a name (when given) or else an address, counting only
        those after the last successful attempt of that name or address."""

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
