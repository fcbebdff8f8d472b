"""Uploaded files handled on bytes and without Flask: type sniffing, archives, images and photos."""

from layers.uploads.files import (
    HEIC_SUPPORTED,
    KINDS,
    PHOTO_KINDS,
    MiB,
    archive_kind,
    check_image,
    read_zip,
    require_type,
    safe_member_name,
    sniff,
    zip_members,
)

__all__ = [
    "HEIC_SUPPORTED",
    "KINDS",
    "MiB",
    "PHOTO_KINDS",
    "archive_kind",
    "check_image",
    "read_zip",
    "require_type",
    "safe_member_name",
    "sniff",
    "zip_members",
]
