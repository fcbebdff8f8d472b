"""Administration of users and API tokens, and a user's own password and tokens."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from layers.accounts import (
    ROLES,
    TOKEN_PREFIX,
    check_new_user,
    check_password,
    hash_password,
    new_secret,
    refuse_user,
    secret_hash,
    verify_password,
)
from layers.accounts.permissions import require
from layers.errors import Conflict, Detail, NotFound, ValidationFailed
from layers.store import UserExists
from web.auth import client_ip, public_user, require_login, throttle_password_check
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
    _admin()
    tokens = _store().tokens()
    users = [public_user(u) | {"tokens": [t for t in tokens if t["user_id"] == u["id"]]} for u in _store().users()]
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
            actor=admin["name"],
        )
    except UserExists:
        raise Conflict(
            key="errors.user.exists",
            code="user_exists",
            details=[Detail("name", "duplicate", "choose another name")],
        ) from None
    return json_response(public_user(user), 201, {"Location": f"/api/users/{user['name']}"})


def _would_leave_no_admin(target: dict, changes: dict) -> bool:
    loses_admin = target["role"] == "admin" and (changes.get("role", "admin") != "admin" or changes.get("disabled"))
    if not loses_admin:
        return False
    return not any(u["role"] == "admin" and not u["disabled"] and u["id"] != target["id"] for u in _store().users())


@bp.patch("/users/<name>")
def update_user(name: str):
    admin = _admin()
    target = _target(name)
    body = json_body(request)
    refuse_user(
        check_new_user(body, partial=True) if isinstance(body, dict) else [Detail("", "wrong_type", "send an object")]
    )
    if "name" in body and body["name"] != name:
        refuse_user([Detail("name", "read_only", "a user cannot be renamed")])
    changes = {k: v for k, v in body.items() if k in ("display_name", "role", "grid_codes", "disabled")}
    if "password" in body:
        changes["password_hash"] = hash_password(body["password"])
    if _would_leave_no_admin(target, changes):
        raise Conflict(
            key="errors.user.last_admin",
            code="last_admin",
            details=[Detail("role", "last_admin", "keep at least one admin")],
        )
    user = _store().update_user(name, changes)
    audited = {k: v for k, v in changes.items() if k != "password_hash"} | (
        {"password": "reset"} if "password" in body else {}
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
    label = body.get("label", "") if isinstance(body, dict) else ""
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 60:
        refuse_user([Detail("label", "invalid_value", "1-60 characters saying what the token is for")])
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
    throttle_password_check(user["name"], "password.change")
    stored = _store().user(user["name"])
    ok = verify_password(str(body.get("current_password", "")), stored["password_hash"])
    _store().record_login(user["name"], client_ip(), ok)  # a wrong current password is a guess like a login's
    if not ok:
        _store().audit(user["name"], "password.change_failed", user["name"], {}, client_ip())
        raise ValidationFailed(  # not 401: the caller is logged in, one field is wrong
            key="errors.user.wrong_password",
            code="invalid_credentials",
            details=[Detail("current_password", "invalid_credentials", "wrong password")],
        )
    refuse_user(check_password(body.get("new_password"), "new_password"))
    _store().update_user(user["name"], {"password_hash": hash_password(body["new_password"])})
    _store().audit(user["name"], "password.change", user["name"], {}, client_ip())
    return Response(status=204)  # every session of the user has ended, this one included


@bp.get("/audit")
def audit_log():
    _admin()
    limit = min(max(request.args.get("limit", 200, type=int), 1), 1000)
    return json_response({"entries": _store().audit_log(limit)})
