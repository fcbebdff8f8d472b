"""Uploaded files handled on bytes and without Flask, trusting nothing their sender or their own headers
claim: what a file really is (``sniffing``), zip archives (``members``: the central directory checked;
``archives``: unpacking under limits, what an archive holds), images (``images``), and photos of cases
(``photos``, with their metadata in ``exif``, pixels in ``pixels`` and perceptual hash in ``phash``)."""

from layers.uploads.archives import archive_kind, read_zip, zip_members
from layers.uploads.images import HEIC_SUPPORTED, PHOTO_KINDS, check_image
from layers.uploads.members import safe_member_name
from layers.uploads.phash import REUSE_MAX_HAMMING, hamming
from layers.uploads.photos import PhotoLimits, ProcessedPhoto, process_photo
from layers.uploads.sniffing import KINDS, MiB, require_type, sniff

__all__ = [
    "HEIC_SUPPORTED",
    "KINDS",
    "MiB",
    "PHOTO_KINDS",
    "REUSE_MAX_HAMMING",
    "PhotoLimits",
    "ProcessedPhoto",
    "archive_kind",
    "check_image",
    "hamming",
    "process_photo",
    "read_zip",
    "require_type",
    "safe_member_name",
    "sniff",
    "zip_members",
]
