"""The optional transfer port: every record of a store exported in a form no backend owns, and imported into
an empty store of any backend all or nothing; and :func:`copy_store`, which moves a whole store that way
(``python server.py migrate --from URL --to URL``) and proves the copy by counts and checksums.

The checksums are computed here, from the exported records, the same way on both sides: a sum of SHA-256
digests of each record's canonical form (order-free, so no database's collation or row order matters).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# The kinds of record, in the order :meth:`Transfer.export_records` yields them and :meth:`Transfer.import_records`
# takes them (a record comes after those it refers to). Browser sessions are not records of the data: after a
# move every user logs in again (passwords, tokens and lockout history move).
KINDS = ("meta", "layer", "version", "user", "token", "login_attempt", "audit", "category_version", "blob",
         "photo", "idempotency", "import_session", "area", "checklist_version", "inspection_round", "inspection_item",
         "inspection_answer")  # fmt: skip
# The fields of each kind. Instants are microseconds; JSON stored as text stays the text it was written as
# (``definition``, ``geometry``, ``properties``, ``detail``, ``warnings``, ``headers``, a meta ``value``, an
# import session's ``meta``, and the JSON of areas, checklists, rounds, their items and answers).
FIELDS = {
    "meta": ("key", "value"),
    "layer": ("id", "definition", "builtin", "created_at", "created_by", "revision", "feature_count", "retired_at",
              "retired_by"),
    "version": ("vid", "fid", "layer", "version", "op", "valid_from", "valid_to", "author", "geometry", "properties",
                "bbox", "layer_rev"),
    "user": ("id", "name", "display_name", "role", "password_hash", "grid_codes", "area", "disabled", "created_at",
             "updated_at"),
    "token": ("id", "user_id", "label", "token_hash", "created_at", "last_used_at", "revoked_at"),
    "login_attempt": ("id", "name", "ip", "at", "ok"),
    "audit": ("id", "at", "actor", "action", "target", "detail", "ip"),
    "category_version": ("id", "code", "valid_from", "valid_to", "author", "definition"),
    "blob": ("key", "data"),
    "photo": ("id", "case_fid", "kind", "sha256", "phash", "image_key", "thumb_key", "width", "height", "source_type",
              "taken_at", "lon", "lat", "uploaded_by", "uploaded_at", "attached_at", "warnings"),
    "idempotency": ("actor", "key", "fingerprint", "status", "body", "created_at", "headers"),
    "import_session": ("id", "owner", "created_at", "meta"),
    "area": ("code", "level", "parent", "name", "geometry", "minx", "miny", "maxx", "maxy", "updated_at", "author"),
    "checklist_version": ("id", "code", "version", "valid_from", "valid_to", "author", "definition"),
    "inspection_round": ("id", "area", "checklist", "checklist_version", "mode", "seed", "status", "created_by",
                         "created_at", "closed_at", "design"),
    "inspection_item": ("round_id", "item", "kind", "stratum", "cell", "weight", "geometry", "ref", "inspector", "seq"),
    "inspection_answer": ("id", "round_id", "item", "answer_values", "lon", "lat", "taken_at", "distance_m", "flags",
                          "photo_id", "author", "received_at"),
}  # fmt: skip
# The tables of a backend that hold no records of their own: rebuilt from the versions on import (feature rows,
# spatial indexes), or left behind on purpose (browser sessions: after a move every user logs in again; the
# public-report rate windows, which last minutes), or the backend's own bookkeeping. Every other table is a kind
# of record; the contract suite holds each backend to it.
NOT_RECORDS = frozenset({"feature", "cur_rtree", "hist_rtree", "session", "rate_event", "schema_version"})
BATCH = 5_000  # rows a backend writes at a time while importing


class Transfer(ABC):
    """Export and import of a whole store. A record is ``(kind, dict)`` with the kind's :data:`FIELDS`:
    ``version`` records carry ``bbox`` as ``[minx, miny, maxx, maxy]`` (None for a deletion), ``user``
    records ``grid_codes`` as a list, ``blob`` records ``data`` as bytes; booleans are ``bool``."""

    @abstractmethod
    def export_records(self) -> Iterator[tuple[str, dict]]:
        """Every record of the store, read from one snapshot, kinds in the order of :data:`KINDS`: ``meta``
        (the values of :meth:`Store.set_meta`), layers (retired ones too), every version of every feature
        ordered by layer, feature id and version, users, tokens, login attempts, audit entries, category
        versions, blobs, photo records, stored idempotent answers and import sessions. Every id and instant is kept."""

    @abstractmethod
    def import_records(self, records: Iterable[tuple[str, dict]]) -> dict[str, int]:
        """Store ``records`` (as :meth:`export_records` gives them) in this store, which must be empty
        (:meth:`record_counts` all zero; ValueError otherwise, before writing anything), keeping every id
        and instant, and return how many of each kind were stored. All or nothing: inside the caller's
        :meth:`Store.atomic` block when there is one, else in a transaction of its own; blobs are the one
        exception (see :class:`BlobStore`), which :func:`copy_store` deletes again when the copy fails. Ids
        given out afterwards continue after the largest imported one."""

    @abstractmethod
    def record_counts(self) -> dict[str, int]:
        """How many records of each kind of :data:`KINDS` the store holds."""


class TargetNotEmpty(ValueError):
    """The store to copy into already holds records; ``counts`` says which."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = {k: n for k, n in counts.items() if n}
        super().__init__(", ".join(f"{k} {n}" for k, n in self.counts.items()))


class CopyMismatch(RuntimeError):
    """The copy read back from the target differs from the source; nothing was kept."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        super().__init__("; ".join(differences))


def _canonical(kind: str, record: dict) -> bytes:
    """A record as one line of compact JSON in the kind's field order (bytes as their SHA-256)."""
    values = []
    for name in FIELDS[kind]:
        value = record[name]
        if isinstance(value, bytes | bytearray | memoryview):
            value = "sha256:" + hashlib.sha256(value).hexdigest()
        elif isinstance(value, tuple):
            value = list(value)
        values.append(value)
    return json.dumps([kind, *values], ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


@dataclass
class Digest:
    """Counts and checksums of a stream of records: one per kind, and one per layer over its versions."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    layers: dict[str, list[int]] = field(default_factory=dict)  # layer id -> [versions, checksum]

    def add(self, kind: str, record: dict) -> None:
        if kind not in FIELDS:
            raise ValueError(f"unknown kind of record {kind!r}")
        value = int.from_bytes(hashlib.sha256(_canonical(kind, record)).digest(), "big")
        self.counts[kind] += 1
        self.sums[kind] = (self.sums[kind] + value) % (1 << 256)
        if kind == "layer":
            self.layers.setdefault(record["id"], [0, 0])
        elif kind == "version":
            entry = self.layers.setdefault(record["layer"], [0, 0])
            entry[0] += 1
            entry[1] = (entry[1] + value) % (1 << 256)

    def tap(self, records: Iterable[tuple[str, dict]]) -> Iterator[tuple[str, dict]]:
        """``records`` passed on unchanged, each added on its way."""
        for kind, record in records:
            self.add(kind, record)
            yield kind, record

    def checksums(self) -> dict[str, str]:
        return {kind: f"{value:064x}" for kind, value in self.sums.items()}

    def layer_checksums(self) -> dict[str, tuple[int, str]]:
        """``{layer id: (versions, checksum in hex)}``, by layer id."""
        return {layer: (n, f"{value:064x}") for layer, (n, value) in sorted(self.layers.items())}

    def differences(self, other: Digest) -> list[str]:
        found = [f"{kind}: {self.counts[kind]} records against {other.counts[kind]}"
                 for kind in KINDS if self.counts[kind] != other.counts[kind]]  # fmt: skip
        found += [f"{kind}: checksums differ" for kind in KINDS
                  if self.counts[kind] == other.counts[kind] and self.sums[kind] != other.sums[kind]]  # fmt: skip
        mine, theirs = self.layer_checksums(), other.layer_checksums()
        found += [f"layer {layer}: {mine.get(layer)} against {theirs.get(layer)}"
                  for layer in sorted(set(mine) | set(theirs)) if mine.get(layer) != theirs.get(layer)]  # fmt: skip
        return found


@dataclass
class CopyReport:
    """What :func:`copy_store` copied: the source's digest and the target's, read back inside the copy's
    transaction (equal, or the copy would have been undone)."""

    source: Digest
    target: Digest


def copy_store(source, target) -> CopyReport:
    """Copy every record of ``source`` into the empty ``target`` (both :class:`Transfer` stores, of any
    backends), then read the target back inside the same transaction and compare counts and checksums
    with the source's; any difference or error undoes the whole copy (and deletes the blobs it added), so
    the target is left as empty as it was. Raise :class:`TargetNotEmpty` before writing anything when the
    target holds records, :class:`CopyMismatch` when the read-back differs."""
    counts = target.record_counts()
    if any(counts.values()):
        raise TargetNotEmpty(counts)
    added_blobs: list[str] = []

    def noting_blobs(records):
        for kind, record in records:
            if kind == "blob" and not target.blob_exists(record["key"]):
                added_blobs.append(record["key"])
            yield kind, record

    source_digest, target_digest = Digest(), Digest()
    try:
        with target.atomic():
            target.import_records(noting_blobs(source_digest.tap(source.export_records())))
            for kind, record in target.export_records():
                target_digest.add(kind, record)
            differences = source_digest.differences(target_digest)
            if differences:
                raise CopyMismatch(differences)
    except BaseException:
        for key in added_blobs:
            target.delete_blob(key)
        raise
    return CopyReport(source_digest, target_digest)
