"""The transfer port of the SQLite store: every record exported from one read snapshot, and imported into an
empty database in one transaction, with the feature rows and both R*Trees rebuilt from the versions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import groupby

from layers.store.blobs import KEY_RE
from layers.store.transfer import BATCH, FIELDS, KINDS

# kind -> the query that exports it, its columns in FIELDS order (the table of a kind is named after it)
_EXPORT = {
    "meta": "SELECT substr(key, 5), value FROM meta WHERE substr(key, 1, 4) = 'app.' ORDER BY key",
    "layer": f"SELECT {', '.join(FIELDS['layer'])} FROM layer ORDER BY id",
    "version": "SELECT vid, fid, layer, version, op, valid_from, valid_to, author, geometry, properties,"
               " minx, miny, maxx, maxy, layer_rev FROM version ORDER BY layer, fid, version",
    "user": f"SELECT {', '.join(FIELDS['user'])} FROM user ORDER BY id",
    "token": f"SELECT {', '.join(FIELDS['token'])} FROM token ORDER BY id",
    "login_attempt": f"SELECT {', '.join(FIELDS['login_attempt'])} FROM login_attempt ORDER BY id",
    "audit": f"SELECT {', '.join(FIELDS['audit'])} FROM audit ORDER BY id",
    "category_version": f"SELECT {', '.join(FIELDS['category_version'])} FROM category_version ORDER BY id",
    "photo": f"SELECT {', '.join(FIELDS['photo'])} FROM photo ORDER BY id",
    "idempotency": f"SELECT {', '.join(FIELDS['idempotency'])} FROM idempotency ORDER BY actor, key",
    "import_session": f"SELECT {', '.join(FIELDS['import_session'])} FROM import_session ORDER BY id",
    "area": f"SELECT {', '.join(FIELDS['area'])} FROM area ORDER BY code",
    "checklist_version": f"SELECT {', '.join(FIELDS['checklist_version'])} FROM checklist_version ORDER BY id",
    "inspection_round": f"SELECT {', '.join(FIELDS['inspection_round'])} FROM inspection_round ORDER BY id",
    "inspection_item": f"SELECT {', '.join(FIELDS['inspection_item'])} FROM inspection_item ORDER BY round_id, item",
    "inspection_answer": f"SELECT {', '.join(FIELDS['inspection_answer'])} FROM inspection_answer ORDER BY id",
}  # fmt: skip
_BOOLEANS = {"layer": ("builtin",), "user": ("disabled",), "login_attempt": ("ok",)}


def _record(kind: str, row: tuple) -> dict:
    if kind == "version":
        *head, minx, miny, maxx, maxy, layer_rev = row
        bbox = None if minx is None else [minx, miny, maxx, maxy]
        return dict(zip(FIELDS["version"], (*head, bbox, layer_rev)))
    record = dict(zip(FIELDS[kind], row))
    for name in _BOOLEANS.get(kind, ()):
        record[name] = bool(record[name])
    if kind == "user":
        record["grid_codes"] = json.loads(record["grid_codes"])
    return record


class SQLiteTransfer:
    """Mixed into :class:`~layers.store.sqlite.SQLiteStore` (``_conn``, ``_write``, ``_blobs`` and
    ``_forget_caches`` come from it)."""

    def record_counts(self) -> dict[str, int]:
        conn = self._conn()
        counts = {kind: conn.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
                  for kind in _EXPORT if kind != "meta"}  # fmt: skip
        counts["meta"] = conn.execute("SELECT count(*) FROM meta WHERE substr(key, 1, 4) = 'app.'").fetchone()[0]
        counts["blob"] = sum(1 for _ in self._blob_keys())
        return {kind: counts[kind] for kind in KINDS}

    def _blob_keys(self) -> Iterator[str]:
        root = self._blobs.root
        if not root.is_dir():
            return
        for path in sorted(root.glob("??/*")):
            key = path.relative_to(root).as_posix()
            if path.is_file() and KEY_RE.fullmatch(key):
                yield key

    def export_records(self) -> Iterator[tuple[str, dict]]:
        conn = self._conn()
        own = not conn.in_transaction  # inside a block (a copy's read-back) read what it sees
        if own:
            conn.execute("BEGIN")  # one read snapshot (WAL) for every table
        try:
            for kind in KINDS:
                if kind == "blob":
                    for key in self._blob_keys():
                        yield "blob", {"key": key, "data": self._blobs.read(key)}
                    continue
                for row in conn.execute(_EXPORT[kind]):
                    yield kind, _record(kind, row)
        finally:
            if own and conn.in_transaction:
                conn.execute("COMMIT")

    def import_records(self, records: Iterable[tuple[str, dict]]) -> dict[str, int]:
        counts = self.record_counts()
        if any(counts.values()):
            raise ValueError(f"the store is not empty: {counts}")
        stored = dict.fromkeys(KINDS, 0)
        try:
            with self._write() as conn:
                conn.execute("PRAGMA defer_foreign_keys = ON")  # versions may come before their feature's row
                for kind, group in groupby(records, key=lambda r: r[0]):
                    if kind not in FIELDS:
                        raise ValueError(f"unknown kind of record {kind!r}")
                    stored[kind] += self._import_kind(conn, kind, (record for _, record in group))
        finally:
            self._forget_caches()
        return stored

    def _import_kind(self, conn, kind: str, records: Iterator[dict]) -> int:
        if kind == "version":
            return _import_versions(conn, records)
        n = 0
        for batch in _batches(records):
            n += len(batch)
            if kind == "blob":
                for record in batch:
                    key = self._blobs.put(bytes(record["data"]), record["key"].rpartition(".")[2])
                    if key != record["key"]:
                        raise ValueError(f"blob {record['key']}: its bytes have another key ({key})")
            elif kind == "meta":
                conn.executemany("INSERT INTO meta VALUES (?, ?)", [("app." + r["key"], r["value"]) for r in batch])
            else:
                names = FIELDS[kind]
                rows = [[json.dumps(r[c], ensure_ascii=False) if c == "grid_codes" else r[c] for c in names]
                        for r in batch]  # fmt: skip
                conn.executemany(
                    f"INSERT INTO {kind} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows
                )
        return n


def _batches(records: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_versions(conn, records: Iterator[dict]) -> int:
    """Version rows, and from them (ordered by feature and version) each feature's row with its current
    version, the live bounding boxes (``cur_rtree``) and every version's box (``hist_rtree``)."""
    n = 0
    features: list[tuple] = []
    last: dict | None = None
    last_box = None
    versions, history = [], []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO version (vid, fid, layer, version, op, valid_from, valid_to, author, geometry, properties,"
            " minx, miny, maxx, maxy, layer_rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )  # the hash chain (chain_hash) is sealed afresh from the same rows as the transaction commits
        conn.executemany("INSERT INTO hist_rtree VALUES (?, ?, ?, ?, ?)", history)
        conn.executemany("INSERT INTO feature VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", features)
        live = [(f[0], f[5], f[7], f[6], f[8]) for f in features if not f[4]]
        conn.executemany("INSERT INTO cur_rtree VALUES (?, ?, ?, ?, ?)", live)
        versions.clear(), history.clear(), features.clear()

    def end_feature() -> None:
        box = last_box or (None, None, None, None)
        features.append((last["fid"], last["layer"], last["vid"], last["version"], int(last["op"] == "delete"), *box))

    for record in records:
        if last is not None and record["fid"] != last["fid"]:
            end_feature()
            last_box = None
        box = record["bbox"]
        versions.append((record["vid"], record["fid"], record["layer"], record["version"], record["op"],
                         record["valid_from"], record["valid_to"], record["author"], record["geometry"],
                         record["properties"], *(box or (None,) * 4), record["layer_rev"]))  # fmt: skip
        if record["op"] != "delete":
            minx, miny, maxx, maxy = box
            history.append((record["vid"], minx, maxx, miny, maxy))
            last_box = tuple(box)
        last = record
        n += 1
        if len(versions) >= BATCH:
            flush()
    if last is not None:
        end_feature()
    flush()
    return n
