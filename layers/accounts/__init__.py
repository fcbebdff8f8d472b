"""Accounts: roles and permissions, passwords, tokens, login throttling and grid-cell scope."""

from layers.accounts.throttle import ThrottlePolicy, wait_s
from layers.accounts.users import (
    CASE_LAYER,
    ROLES,
    TOKEN_PREFIX,
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
    "ROLES",
    "TOKEN_PREFIX",
    "ThrottlePolicy",
    "check_new_user",
    "check_password",
    "hash_password",
    "new_secret",
    "permissions_of",
    "refuse_user",
    "secret_hash",
    "verify_password",
    "wait_s",
]
