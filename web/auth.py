"""Who is calling: API tokens (``Authorization: Bearer``, or ``Authorization: Basic`` with the user name and an
API token as the password, for the clients that know nothing else: QGIS 3.22, GDAL, Excel) and browser sessions
(an HttpOnly cookie with a CSRF token that every state-changing request must echo in ``X-CSRF-Token``); login
with lockout; logout.

``authenticate`` runs before every request and sets ``g.user`` (None when anonymous).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, request

from layers.accounts import (
    ROLES,
    ThrottlePolicy,
    hash_password,
    new_secret,
    permissions_of,
    secret_hash,
    verify_password,
    wait_s,
)
from layers.errors import Detail, Forbidden, TooManyRequests, Unauthorized, ValidationFailed
from web.params import json_body
from web.responses import json_response

bp = Blueprint("auth", __name__, url_prefix="/api")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_DUMMY_HASH = hash_password("not a real password", n=2**14)
# Where HTTP Basic is accepted (the user name and an API token, never the account password): the surfaces
# desktop and data clients read, by blueprint or by endpoint. Everywhere else a token is sent as Bearer.
BASIC_BLUEPRINTS = ("ogc", "open311")
BASIC_ENDPOINTS = ("exports.export_layer", "leaders.dashboard_export")
BEARER_CHALLENGE = 'Bearer realm="chuangwei"'
BASIC_CHALLENGE = 'Basic realm="chuangwei", charset="UTF-8"'


def _cookie() -> str:
    return current_app.config["SESSION_COOKIE_NAME"]


def _store():
    return current_app.extensions["store"]


def public_user(user: dict | None) -> dict | None:
    if user is None:
        return None
    keys = ("id", "name", "display_name", "role", "grid_codes", "area", "disabled", "created_at")
    role = ROLES.get(user["role"], {})
    return {k: user[k] for k in keys} | {
        "role_title": role.get("title"),
        "home": role.get("home", "/"),  # where the role works: the page a login without ?next= opens
        "permissions": sorted(permissions_of(user["role"])),
    }


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _same_origin() -> bool:
    """No Origin (a same-site request some browsers send without one), or one whose scheme and host are
    this site's (as addressed, or the PUBLIC_URL setting): http://host is not https://host."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    sent = urlsplit(origin)
    ours = [urlsplit(request.host_url)] + ([urlsplit(current_app.config["PUBLIC_URL"])]
                                           if current_app.config["PUBLIC_URL"] else [])  # fmt: skip
    return any((sent.scheme, sent.netloc) == (site.scheme, site.netloc) for site in ours)


def basic_allowed() -> bool:
    """Whether this request's surface accepts ``Authorization: Basic`` (see BASIC_BLUEPRINTS)."""
    return request.blueprint in BASIC_BLUEPRINTS or request.endpoint in BASIC_ENDPOINTS


def _challenge() -> str:
    return f"{BASIC_CHALLENGE}, {BEARER_CHALLENGE}" if basic_allowed() else BEARER_CHALLENGE


def _basic_user(credentials: str) -> tuple[dict, dict] | None:
    """The token and user of ``base64(name:token)`` when the token is live and is that user's, else None.
    Only tokens are looked up: an account password here never matches anything."""
    try:
        name, colon, token = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    found = _store().token_user(secret_hash(token)) if colon and token else None
    return found if found is not None and found[1]["name"] == name else None


def _basic(secret: str) -> tuple[dict, dict]:
    if not basic_allowed():
        raise Unauthorized(
            key="errors.auth.basic_not_here",
            code="invalid_token",
            details=[Detail("Authorization", "unsupported_scheme", "send 'Bearer <token>' here")],
            headers={"WWW-Authenticate": BEARER_CHALLENGE},
        )
    found = _basic_user(secret)
    if found is None:
        raise Unauthorized(
            key="errors.auth.invalid_basic",
            code="invalid_token",
            details=[Detail("Authorization", "invalid_token", "the user name and one of its live API tokens")],
            headers={"WWW-Authenticate": BASIC_CHALLENGE},
        )
    return found


def authenticate() -> None:
    g.user, g.via, g.csrf, g.session_hash = None, None, None, None
    header = request.headers.get("Authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() == "basic":
            g.user, g.via = _basic(secret)[1], "token"
            return
        found = _store().token_user(secret_hash(secret.strip())) if scheme.lower() == "bearer" and secret else None
        if found is None:
            raise Unauthorized(
                key="errors.auth.invalid_token",
                code="invalid_token",
                details=[Detail("Authorization", "invalid_token", "send 'Bearer <token>' with a live token")],
                headers={"WWW-Authenticate": f'{BEARER_CHALLENGE}, error="invalid_token"'},
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
        raise Unauthorized(headers={"WWW-Authenticate": _challenge()})
    return g.user


def read_gate() -> None:
    """Blueprints' ``before_request``: reading needs a login unless the READ_REQUIRES_LOGIN setting is off;
    writes always do."""
    if request.method in ("GET", "HEAD") and not current_app.config["READ_REQUIRES_LOGIN"]:
        return
    require_login()


def author() -> str:
    return g.user["name"] if g.user else "anonymous"


def _policy() -> ThrottlePolicy:
    cfg = current_app.config
    return ThrottlePolicy(
        window_s=cfg["LOGIN_WINDOW_S"],
        free_failures=cfg["LOGIN_FREE_FAILURES"],
        free_failures_per_ip=cfg["LOGIN_FREE_FAILURES_PER_IP"],
        delay_s=cfg["LOGIN_DELAY_S"],
        max_delay_s=cfg["LOGIN_MAX_DELAY_S"],
    )


def throttle_password_check(name: str, action: str) -> None:
    """Refuse (429 ``too_many_attempts`` with ``Retry-After``) a password check of ``name`` from this address
    while its growing delay runs; nothing is recorded but an audit entry ``<action>.throttled``."""
    store, policy, ip = _store(), _policy(), client_ip()
    counters = store.login_counters(name, ip, since=store.now() - policy.window_s * 1_000_000)
    wait, by_pair = wait_s(counters, store.now(), policy)
    if wait > 0:
        store.audit(name[:100], f"{action}.throttled", name[:100], {"retry_after_s": wait}, ip)
        raise TooManyRequests(  # the texts say whether this name is held here, or this address for a spray
            key="errors.auth.account_locked" if by_pair else "errors.auth.too_many_attempts",
            code="account_locked" if by_pair else "too_many_attempts",
            details=[Detail("password", "too_many_attempts", f"wait {wait} s before trying again")],
            headers={"Retry-After": str(wait)},
        )


def confirm_password(user: dict, password: object, field: str, action: str) -> None:
    """The caller proves they know their own password before a sensitive change (a new token, a new
    password): throttled and counted like a login; 422 ``invalid_credentials`` on ``field`` when wrong."""
    throttle_password_check(user["name"], action)
    stored = _store().user(user["name"])
    ok = isinstance(password, str) and verify_password(password, stored["password_hash"] if stored else None)
    _store().record_login(user["name"], client_ip(), ok)
    if not ok:
        _store().audit(user["name"], f"{action}_failed", user["name"], {}, client_ip())
        raise ValidationFailed(  # not 401: the caller is logged in, one field is wrong
            key="errors.user.wrong_password",
            code="invalid_credentials",
            details=[Detail(field, "invalid_credentials", "wrong password")],
        )


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
    throttle_password_check(name, "login")
    store, ip = _store(), client_ip()
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
    store.create_session(secret_hash(secret), user["id"], csrf, store.now() + max_age * 1_000_000, ip=ip,
                         agent=request.user_agent.string or "")  # fmt: skip
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
