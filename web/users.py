"""Administration of users and API tokens, and a user's own password, tokens and browser sessions."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from layers.accounts import (
    ROLES,
    TOKEN_PREFIX,
    check_new_user,
    check_password,
    hash_password,
    new_secret,
    refuse_user,
    secret_hash,
)
from layers.accounts.permissions import require
from layers.areas import held_area, hierarchy, out_of_scope, within
from layers.errors import Conflict, Detail, NotFound
from layers.store import UserExists, public_session_id
from web.auth import client_ip, confirm_password, public_user, require_login
from web.params import json_body
from web.responses import json_response

bp = Blueprint("users", __name__, url_prefix="/api")


def _store():
    return current_app.extensions["store"]


def _admin() -> dict:
    user = require_login()
    require(user, "users.manage")
    return user


def _target(name: str) -> dict:
    user = _store().user(name)
    if user is None:
        raise NotFound(key="errors.user.not_found", params={"name": name}, details=[Detail("name", "not_found", name)])
    return user


@bp.get("/users")
def list_users():
    admin = _admin()
    tokens = _store().tokens()
    mine = [u for u in _store().users() if within(u.get("area") or "", held_area(admin))]
    users = [public_user(u) | {"tokens": [t for t in tokens if t["user_id"] == u["id"]]} for u in mine]
    return json_response({"users": users, "roles": ROLES})


@bp.post("/users")
def create_user():
    admin = _admin()
    body = json_body(request)
    refuse_user(check_new_user(body) if isinstance(body, dict) else [Detail("", "wrong_type", "send an object")])
    try:
        user = _store().create_user(
            body["name"],
            body["role"],
            hash_password(body["password"]),
            display_name=body.get("display_name"),
            grid_codes=body.get("grid_codes", []),
            area=_holdable(admin, body.get("area", held_area(admin))),
            actor=admin["name"],
        )
    except UserExists:
        raise Conflict(
            key="errors.user.exists",
            code="user_exists",
            details=[Detail("name", "duplicate", "choose another name")],
        ) from None
    return json_response(public_user(user), 201, {"Location": f"/api/users/{user['name']}"})


def _holdable(admin: dict, code: str | None) -> str | None:
    """An area an administrator may give an account: a known one, inside the administrator's own."""
    if code is not None and not within(code, held_area(admin)):
        raise out_of_scope(code, held_area(admin))
    if code is None and held_area(admin) is not None:  # the whole city is beyond an administrator of an area
        raise out_of_scope(code or "", held_area(admin))
    if code is not None and hierarchy(_store()).get(code) is None:
        refuse_user([Detail("area", "not_found", f"no area {code} in this deployment")])
    return code


def _would_leave_no_admin(target: dict, changes: dict) -> bool:
    loses_admin = target["role"] == "admin" and (changes.get("role", "admin") != "admin" or changes.get("disabled"))
    if not loses_admin:
        return False
    return not any(u["role"] == "admin" and not u["disabled"] and u["id"] != target["id"] for u in _store().users())


@bp.patch("/users/<name>")
def update_user(name: str):
    admin = _admin()
    target = _target(name)
    if not within(target.get("area") or "", held_area(admin)):
        raise out_of_scope(target.get("area") or "", held_area(admin), "name")
    body = json_body(request)
    keep = _keep_tokens(body) if isinstance(body, dict) else False
    refuse_user(
        check_new_user(body, partial=True) if isinstance(body, dict) else [Detail("", "wrong_type", "send an object")]
    )
    if "name" in body and body["name"] != name:
        refuse_user([Detail("name", "read_only", "a user cannot be renamed")])
    changes = {k: v for k, v in body.items() if k in ("display_name", "role", "grid_codes", "disabled")}
    if "area" in body:
        changes["area"] = _holdable(admin, body["area"])
    if "password" in body:
        changes["password_hash"] = hash_password(body["password"])
    if _would_leave_no_admin(target, changes):
        raise Conflict(
            key="errors.user.last_admin",
            code="last_admin",
            details=[Detail("role", "last_admin", "keep at least one admin")],
        )
    user = _store().update_user(name, changes)
    revoked = _store().revoke_tokens(target["id"]) if "password" in body and not keep else []
    audited = {k: v for k, v in changes.items() if k != "password_hash"} | (
        {"password": "reset", "tokens_revoked": revoked} if "password" in body else {}
    )
    _store().audit(admin["name"], "user.update", name, audited, client_ip())
    return json_response(public_user(user))


@bp.post("/users/<name>/tokens")
def create_token(name: str):
    caller = require_login()
    target = _target(name)
    if caller["id"] != target["id"]:
        require(caller, "users.manage")
    body = json_body(request) if request.content_length else {}
    body = body if isinstance(body, dict) else {}
    label = body.get("label", "")
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 60:
        refuse_user([Detail("label", "invalid_value", "1-60 characters saying what the token is for")])
    confirm_password(caller, body.get("password"), "password", "token.create")
    secret = new_secret(TOKEN_PREFIX)
    token = _store().add_token(target["id"], label.strip(), secret_hash(secret))
    _store().audit(caller["name"], "token.create", name, {"token_id": token["id"], "label": label}, client_ip())
    return json_response(token | {"token": secret}, 201)


@bp.delete("/tokens/<id:token_id>")
def revoke_token(token_id: int):
    caller = require_login()
    token = next((t for t in _store().tokens() if t["id"] == token_id), None)
    if token is None:
        raise NotFound(key="errors.token.not_found", details=[Detail("id", "not_found", str(token_id))])
    if token["user_id"] != caller["id"]:
        require(caller, "users.manage")
    _store().revoke_token(token_id)
    _store().audit(caller["name"], "token.revoke", token["user"], {"token_id": token_id}, client_ip())
    return Response(status=204)


@bp.post("/me/password")
def change_own_password():
    user = require_login()
    body = json_body(request)
    if not isinstance(body, dict):
        body = {}
    confirm_password(user, body.get("current_password"), "current_password", "password.change")
    keep = _keep_tokens(body)
    refuse_user(check_password(body.get("new_password"), "new_password"))
    _store().update_user(user["name"], {"password_hash": hash_password(body["new_password"])})
    revoked = [] if keep else _store().revoke_tokens(user["id"])
    _store().audit(user["name"], "password.change", user["name"], {"tokens_revoked": revoked}, client_ip())
    return Response(status=204)  # every session of the user has ended, this one included


def _keep_tokens(body: dict) -> bool:
    """``keep_tokens`` (default false): a new password revokes the user's API tokens unless they are kept."""
    keep = body.pop("keep_tokens", False)
    if not isinstance(keep, bool):
        refuse_user([Detail("keep_tokens", "wrong_type", "true or false")])
    return keep


@bp.get("/me/sessions")
def own_sessions():
    user = require_login()
    current = public_session_id(g.session_hash) if g.session_hash else None
    listed = [s | {"current": s["id"] == current} for s in _store().sessions(user["id"])]
    return json_response({"sessions": listed})


@bp.delete("/me/sessions")
def log_out_everywhere():
    """End every session of the caller, this one included (API tokens are revoked one by one)."""
    user = require_login()
    ended = _store().end_sessions(user["id"])
    _store().audit(user["name"], "sessions.end_all", user["name"], {"ended": ended}, client_ip())
    response = Response(status=204)
    response.delete_cookie(current_app.config["SESSION_COOKIE_NAME"], path="/")
    return response


@bp.delete("/me/sessions/<session_id>")
def end_one_session(session_id: str):
    user = require_login()
    if not _store().end_sessions(user["id"], session_id):
        raise NotFound(key="errors.session.not_found", details=[Detail("id", "not_found", session_id[:40])])
    _store().audit(user["name"], "session.end", user["name"], {"session": session_id}, client_ip())
    return Response(status=204)


@bp.get("/audit")
def audit_log():
    _admin()
    limit = min(max(request.args.get("limit", 200, type=int), 1), 1000)
    return json_response({"entries": _store().audit_log(limit)})
