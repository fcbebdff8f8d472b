"""Accounts: roles and their permissions (``layers/accounts/roles.json``), password hashing with scrypt (memory-hard,
in the standard library), API tokens and session secrets (random, stored only as hashes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from pathlib import Path

from layers.errors import Detail, ValidationFailed

ROLES_FILE = Path(__file__).with_name("roles.json")
_ROLES = json.loads(ROLES_FILE.read_text(encoding="utf-8"))
ROLES: dict[str, dict] = _ROLES["roles"]
PUBLIC: dict = _ROLES["public"]
CASE_LAYER: str = _ROLES["case_layer"]
USER_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,40}$")
GRID_CODE_RE = re.compile(r"^[0-9]{15}$")
MIN_PASSWORD = 8
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
COMMON_PASSWORDS = frozenset(
    line.strip().casefold()
    for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
MAX_PASSWORD = 200
TOKEN_PREFIX = "cw_"

# scrypt with N=2**14, r=8, p=1 needs 16 MiB per hash: memory-hard, ~50 ms here.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32


def permissions_of(role: str | None) -> frozenset[str]:
    """The permissions of a role; an unknown or missing role has none."""
    return frozenset(ROLES.get(role or "", {}).get("permissions", ()))


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), salted per password.

    >>> verify_password("correct horse", hash_password("correct horse", n=2**10))
    True
    """
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=128 * 1024 * 1024, dklen=SCRYPT_DKLEN
    )
    b64 = base64.b64encode
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check of a password against :func:`hash_password` output."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=128 * 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_secret(prefix: str = "") -> str:
    """A random secret (256 bits) for a token or a session."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Tokens and session ids are high-entropy, so a plain SHA-256 is a safe way to store them."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_new_user(payload: dict, *, partial: bool = False) -> list[Detail]:
    """Every problem with a user record sent by an administrator (name, role, grid codes, area, password)."""
    problems: list[Detail] = []
    allowed = {"name", "display_name", "role", "password", "grid_codes", "area", "disabled"}
    for key in sorted(set(payload) - allowed):
        problems.append(Detail(key, "unknown_field", "not a user field"))
    if not partial or "name" in payload:
        name = payload.get("name")
        if not isinstance(name, str) or not USER_NAME_RE.match(name):
            problems.append(
                Detail("name", "invalid_value", "2-40 letters, digits, Chinese characters, '.', '_' or '-'")
            )
    if not partial or "role" in payload:
        if not isinstance(payload.get("role"), str) or payload["role"] not in ROLES:
            problems.append(Detail("role", "invalid_value", f"one of {', '.join(ROLES)}"))
    if not partial or "password" in payload:
        problems += check_password(payload.get("password"))
    if "display_name" in payload and not (
        isinstance(payload["display_name"], str) and 0 < len(payload["display_name"]) <= 60
    ):
        problems.append(Detail("display_name", "invalid_value", "1-60 characters"))
    if "grid_codes" in payload:
        codes = payload["grid_codes"]
        if not isinstance(codes, list) or not all(isinstance(c, str) and GRID_CODE_RE.match(c) for c in codes):
            problems.append(Detail("grid_codes", "invalid_value", "a list of 15-digit grid cell codes"))
    if "area" in payload and payload["area"] is not None and not (
        isinstance(payload["area"], str) and payload["area"].isascii() and payload["area"].isdigit()
        and len(payload["area"]) in (6, 9, 12, 15)
    ):
        problems.append(Detail("area", "invalid_value", "an area code (6, 9, 12 or 15 digits) or null"))
    if "disabled" in payload and not isinstance(payload["disabled"], bool):
        problems.append(Detail("disabled", "wrong_type", "true or false"))
    return problems


def check_password(password, field: str = "password") -> list[Detail]:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return [Detail(field, "invalid_value", f"{MIN_PASSWORD}-{MAX_PASSWORD} characters")]
    if password.casefold() in COMMON_PASSWORDS or len(set(password)) < 3:
        return [Detail(field, "too_common", "one of the commonest passwords; choose another")]
    return []


def refuse_user(problems: list[Detail]) -> None:
    if problems:
        raise ValidationFailed(key="errors.user.refused", details=problems)
