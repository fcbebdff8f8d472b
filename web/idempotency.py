"""Requests that phones may send twice: with an ``Idempotency-Key`` header, the first response is kept in
the same transaction as the change it made (``layers.store.run_once`` opens it), and a repeat of the same
request gets that response again instead of a second change. The same key with a different request is
refused."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from flask import Request, Response, current_app, g

from layers.errors import Detail, ValidationFailed
from layers.store import Replay, stored_answer
from layers.store import run_once as store_run_once

KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,100}$")


def fingerprint(request: Request) -> str:
    """What makes two requests "the same": method, path and content. A form body is compared by its fields
    (and files): a browser draws a new multipart boundary each time it sends the same form, and a parsed
    form's raw bytes are no longer there to read."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):  # parsed, not re-read
        fields = sorted((k, v) for k, values in request.form.lists() for v in values)
        files = []
        for k, f in request.files.items(multi=True):
            f.seek(0)  # the view may have read it already
            files.append((k, hashlib.sha256(f.read()).hexdigest()))
            f.seek(0)
        files.sort()
        digest.update(json.dumps([fields, files], ensure_ascii=False).encode())
    else:
        digest.update(request.get_data())
    return digest.hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not KEY_RE.match(key):
        raise ValidationFailed(
            key="errors.idempotency.bad_key",
            details=[Detail("Idempotency-Key", "invalid_value", "8–100 letters, digits or . _ : -")],
        )
    return key


KEPT_HEADERS = ("ETag", "Location", "Content-Type")  # what a repeat needs besides the body


def _replay(stored: Replay, fp: str) -> Response:
    if stored.fingerprint != fp:
        raise ValidationFailed(
            key="errors.idempotency.key_reused",
            code="idempotency_key_reused",
            details=[Detail("Idempotency-Key", "idempotency_key_reused", "use a new key for a new request")],
        )
    headers = stored.headers | {"Idempotent-Replayed": "true"}
    # Answers stored before Content-Type was kept were all JSON; Open311's may be XML.
    mimetype = None if "Content-Type" in headers else "application/json"
    return Response(stored.body, status=stored.status, mimetype=mimetype, headers=headers)


def _answer(response: Response) -> tuple[int, str, dict] | None:
    """What to keep of a response: a success's status, body and the headers a repeat needs; a refusal is
    not kept (the same request may succeed later)."""
    if response.status_code >= 400:
        return None
    kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
    return response.status_code, response.get_data(as_text=True), kept


def run_once(request: Request, action: Callable[[], Response], prepare: Callable[[], object] | None = None) -> Response:
    """Run ``action`` (which gets ``prepare()``'s result, when given) at most once per key and user; the
    transaction that stores the answer with the change is ``layers.store.run_once``'s."""
    key = _key(request)
    if key is None:
        return action(prepare()) if prepare else action()
    store, actor, fp = current_app.extensions["store"], g.user["name"], fingerprint(request)
    stored = stored_answer(store, actor, key)
    if stored is not None:
        return _replay(stored, fp)
    prepared = prepare() if prepare else None  # expensive work (photos) outside the write lock
    outcome = store_run_once(store, actor, key, fp, lambda: action(prepared) if prepare else action(), _answer)
    return _replay(outcome, fp) if isinstance(outcome, Replay) else outcome
