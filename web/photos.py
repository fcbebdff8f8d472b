"""Photos under ``/api``: upload to a case (``before``/``after``) or on their own to start a report, and
the stored images and thumbnails (metadata-free JPEGs, immutable, so cached for long)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request, send_file

from layers.accounts.permissions import require
from layers.cases.photos import add_case_photo, add_loose_photo, check_kind, prepare, require_readable
from layers.cases.views import photo_view
from layers.errors import Detail, NotFound, ValidationFailed
from layers.uploads.photos import PhotoLimits
from web.auth import client_ip, read_gate
from web.cases import context
from web.idempotency import run_once
from web.responses import json_response

bp = Blueprint("photos", __name__, url_prefix="/api")
FORM_FIELDS = {"kind"}


bp.before_request(read_gate)


def _upload() -> bytes:
    if request.mimetype != "multipart/form-data":
        raise ValidationFailed(key="errors.photo.not_multipart",
                               code="unsupported_media_type",
                               details=[Detail("file", "wrong_type", "multipart/form-data with a 'file' part")])
    extra = sorted(set(request.form) - FORM_FIELDS) + sorted(set(request.files) - {"file"})
    files = request.files.getlist("file")
    if extra or len(files) != 1:
        details = [Detail(k, "unknown_field", "not a field of a photo upload") for k in extra]
        if len(files) != 1:
            details.append(Detail("file", "required" if not files else "too_many", "exactly one 'file' part"))
        raise ValidationFailed(key="errors.upload.refused", details=details)
    return files[0].read()


def _limits() -> PhotoLimits:
    cfg = current_app.config
    return PhotoLimits(max_bytes=int(cfg["PHOTO_MAX_BYTES"]), max_pixels=int(cfg["PHOTO_MAX_PIXELS"]))


@bp.post("/cases/<id:fid>/photos")
def upload_case_photo(fid: int):
    ctx = context()
    data = _upload()
    kind = check_kind(request.form.get("kind"))

    def act(photo):
        record = add_case_photo(ctx, g.user, fid, kind, photo)
        return json_response(photo_view(record, ctx.tz), 201)

    return run_once(request, act, prepare=lambda: _checked(data, "cases.report" if kind == "before" else "cases.work"))


@bp.post("/photos")
def upload_photo():
    """A photo taken first: its EXIF position and time can place the report that follows."""
    ctx = context()
    data = _upload()

    def act(photo):
        return json_response(photo_view(add_loose_photo(ctx, g.user, photo), ctx.tz), 201)

    return run_once(request, act, prepare=lambda: _checked(data, "cases.report"))


def _checked(data: bytes, permission: str):
    """The permission, then the photo's processing: both only once the request is known not to repeat an
    earlier one, so a phone resending a photo after the user's role changed gets the first answer again
    (as the case transitions and notes do) instead of a refusal for a photo that is stored."""
    require(g.user, permission)
    return prepare(data, _limits())


def _photo(photo_id: int) -> dict:
    photo = current_app.extensions["store"].photo(photo_id)
    if photo is None:
        raise NotFound(key="errors.photo.not_found", params={"photo_id": photo_id},
                       details=[Detail("id", "not_found", f"no photo {photo_id}")])  # fmt: skip
    require_readable(g.user, photo)
    return photo


def _audited(photo: dict, what: str) -> dict:
    """Reading a photo (its image or its record with the position) is audited; thumbnails in lists are not."""
    who = g.user["name"] if g.user else "anonymous"
    current_app.extensions["store"].audit(who, f"photo.{what}", str(photo["id"]), {"case": photo["case_fid"]},
                                          client_ip())  # fmt: skip
    return photo


def _send(key: str):
    store = current_app.extensions["store"]
    source = store.blob_file(key) or store.open_blob(key)  # a file where the store keeps one, else a stream
    response = send_file(source, mimetype="image/jpeg", conditional=True, etag=key.replace("/", ""))
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.get("/photos/<id:photo_id>")
def photo_image(photo_id: int):
    return _send(_audited(_photo(photo_id), "read")["image_key"])


@bp.get("/photos/<id:photo_id>/thumb")
def photo_thumb(photo_id: int):
    return _send(_photo(photo_id)["thumb_key"])


@bp.get("/photos/<id:photo_id>/meta")
def photo_meta(photo_id: int):
    return json_response(photo_view(_audited(_photo(photo_id), "meta_read"), current_app.config["TZINFO"]))
