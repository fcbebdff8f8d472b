"""Who is calling: API tokens (``Authorization: Bearer``) and browser sessions (an HttpOnly cookie with a
CSRF token that every state-changing request must echo in ``X-CSRF-Token``); login with lockout; logout.

``authenticate`` runs before every request and sets ``g.user`` (None when anonymous).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, request

from layers.accounts import (
    ROLES,
    LockoutPolicy,
    hash_password,
    new_secret,
    permissions_of,
    secret_hash,
    verify_password,
)
from layers.errors import Detail, Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from web.params import json_body
from web.responses import json_response

bp = Blueprint("auth", __name__, url_prefix="/api")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_DUMMY_HASH = hash_password("not a real password", n=2**14)


def _cookie() -> str:
    return current_app.config["SESSION_COOKIE_NAME"]


def _store():
    return current_app.extensions["store"]


def public_user(user: dict | None) -> dict | None:
    if user is None:
        return None
    keys = ("id", "name", "display_name", "role", "grid_codes", "disabled", "created_at")
    role = ROLES.get(user["role"], {})
    return {k: user[k] for k in keys} | {
        "role_title": role.get("title"),
        "home": role.get("home", "/"),  # where the role works: the page a login without ?next= opens
        "permissions": sorted(permissions_of(user["role"])),
    }


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == urlsplit(request.host_url).netloc


def authenticate() -> None:
    g.user, g.via, g.csrf, g.session_hash = None, None, None, None
    header = request.headers.get("Authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        found = _store().token_user(secret_hash(secret.strip())) if scheme.lower() == "bearer" and secret else None
        if found is None:
            raise Unauthorized(
                key="errors.auth.invalid_token",
                code="invalid_token",
                details=[Detail("Authorization", "invalid_token", "send 'Bearer <token>' with a live token")],
                headers={"WWW-Authenticate": 'Bearer realm="chuangwei", error="invalid_token"'},
            )
        g.user, g.via = found[1], "token"
        return
    secret = request.cookies.get(_cookie())
    if secret:
        found = _store().session_user(secret_hash(secret))
        if found:
            g.user, g.via, g.csrf, g.session_hash = found[1], "session", found[0]["csrf"], secret_hash(secret)
    if request.method in UNSAFE and (g.via == "session" or secret):
        # Cookies ride along on cross-site requests; tokens do not, so only sessions need these checks.
        if not _same_origin():
            raise Forbidden(
                key="errors.auth.cross_site_request",
                code="bad_origin",
                details=[Detail("Origin", "bad_origin", "the request must come from this site")],
            )
        # Logging in again over a live session needs no token (the login checks the Origin itself).
        if g.via == "session" and request.endpoint != "auth.login" and request.headers.get("X-CSRF-Token") != g.csrf:
            raise Forbidden(
                key="errors.auth.csrf_failed",
                code="csrf_failed",
                details=[Detail("X-CSRF-Token", "csrf_failed", "echo the csrf_token from GET /api/session")],
            )


def require_login() -> dict:
    if g.user is None:
        raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="chuangwei"'})
    return g.user


def read_gate() -> None:
    """Blueprints' ``before_request``: reading needs a login unless the READ_REQUIRES_LOGIN setting is off;
    writes always do."""
    if request.method in ("GET", "HEAD") and not current_app.config["READ_REQUIRES_LOGIN"]:
        return
    require_login()


def author() -> str:
    return g.user["name"] if g.user else "anonymous"


def _policy() -> LockoutPolicy:
    cfg = current_app.config
    return LockoutPolicy(cfg["LOGIN_WINDOW_S"], cfg["LOGIN_MAX_FAILURES_PER_NAME"], cfg["LOGIN_MAX_FAILURES_PER_IP"])


@bp.post("/login")
def login():
    if not _same_origin():
        raise Forbidden(key="errors.auth.cross_site_login", code="bad_origin")
    body = json_body(request)
    name, password = (body.get("name"), body.get("password")) if isinstance(body, dict) else (None, None)
    if not isinstance(name, str) or not isinstance(password, str) or not name or len(name) > 100:
        raise ValidationFailed(
            key="errors.auth.credentials_required",
            details=[Detail("name", "required", "name and password are required")],
        )
    store, policy, ip = _store(), _policy(), client_ip()
    since = store.now() - policy.window_s * 1_000_000
    retry = {"Retry-After": str(policy.window_s)}
    if store.login_failures(since=since, ip=ip) >= policy.max_failures_per_ip:
        raise TooManyRequests(
            key="errors.auth.too_many_attempts",
            code="too_many_attempts",
            headers=retry,
        )
    if store.login_failures(since=since, name=name) >= policy.max_failures_per_name:
        store.audit(name, "login.locked", name, {}, ip)
        raise TooManyRequests(
            key="errors.auth.account_locked",
            code="account_locked",
            headers=retry,
        )
    user = store.user(name)
    ok = verify_password(password, user["password_hash"] if user else _DUMMY_HASH) and bool(user)
    ok = ok and not user["disabled"]
    store.record_login(name, ip, ok)
    store.audit(name, "login.ok" if ok else "login.failed", name, {}, ip)
    if not ok:
        raise Unauthorized(
            key="errors.auth.invalid_credentials",
            code="invalid_credentials",
            details=[Detail("password", "invalid_credentials", "wrong user name or password")],
        )
    secret, csrf = new_secret(), new_secret()
    max_age = current_app.config["SESSION_MAX_AGE_S"]
    store.create_session(secret_hash(secret), user["id"], csrf, store.now() + max_age * 1_000_000)
    response = _session_json(user, csrf)
    response.set_cookie(
        _cookie(),
        secret,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _session_json(user: dict | None, csrf: str | None) -> Response:
    cfg = current_app.config
    return json_response(
        {
            "user": public_user(user),
            "csrf_token": csrf,
            "via": g.get("via"),
            "read_requires_login": cfg["READ_REQUIRES_LOGIN"],
            "demo": bool(_store().get_meta("demo")),
            "public_reports": cfg["PUBLIC_REPORTS"],
        }
    )


@bp.get("/session")
def session():
    return _session_json(g.user, g.csrf)


@bp.post("/logout")
def logout():
    if g.session_hash:
        _store().delete_session(g.session_hash)
        _store().audit(author(), "logout", author(), {}, client_ip())
    response = Response(status=204)
    response.delete_cookie(_cookie(), path="/")
    return response


def register(app: Flask) -> None:
    app.before_request(authenticate)
