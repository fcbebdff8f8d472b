"""Accounts: roles and permissions, passwords, tokens, lockout policy and grid-cell scope."""

from layers.accounts.users import (
    CASE_LAYER,
    ROLES,
    TOKEN_PREFIX,
    LockoutPolicy,
    check_new_user,
    check_password,
    hash_password,
    new_secret,
    permissions_of,
    refuse_user,
    secret_hash,
    verify_password,
)

__all__ = [
    "CASE_LAYER",
    "LockoutPolicy",
    "ROLES",
    "TOKEN_PREFIX",
    "check_new_user",
    "check_password",
    "hash_password",
    "new_secret",
    "permissions_of",
    "refuse_user",
    "secret_hash",
    "verify_password",
]
