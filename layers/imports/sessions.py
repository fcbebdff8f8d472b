"""Import sessions: upload → preview → mapping and options → commit all-or-nothing → refused rows as CSV.

A session's record and lifecycle (kept by the store, so every app process sees it; the upload as a blob; owner,
expiry) are in :mod:`layers.imports.records`, and what an upload is and which options are accepted in
:mod:`layers.imports.checks`. Here: reading the file, evaluating its rows against the target layer (cached
in memory and rebuilt from the session's record when needed: after a restart, in another app process, or when
options change), the preview, and the commit, whose writes are one ``Store.create`` of the valid rows and the
session's new state, together in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from geo.formats.importing import SourceError, read_source
from layers import i18n
from layers.errors import Conflict, Detail, PayloadTooLarge, ValidationFailed
from layers.imports.checks import READ_OPTIONS, check_options, detect_kind, refuse
from layers.imports.mapping import check_mapping, suggest_mapping
from layers.imports.preview import Evaluation, evaluate, new_features, refused_csv, rows_page
from layers.imports.records import Session, SessionRecords
from layers.store import Store, format_instant, gcpause

__all__ = ["ImportLimits", "Imports"]

# Reading, checking and storing files at least this large run with the garbage collector paused (gcpause).
BULK_BYTES = 1 << 20
BULK_ROWS = 20_000


@dataclass(frozen=True)
class ImportLimits:
    """How large one import may be (bytes uploaded, rows, bytes its archive may inflate to) and how long its
    session lives (seconds)."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    ttl_s: int = 24 * 3600
    max_unzipped_bytes: int = 200 * 1024 * 1024


class Imports:
    """The import sessions of one store (see the module docstring)."""

    def __init__(self, store: Store, *, tz: ZoneInfo, limits: ImportLimits = ImportLimits()) -> None:
        self.store, self.tz, self.limits = store, tz, limits
        self.folders = SessionRecords(store, limits.ttl_s)

    # -- sessions ----------------------------------------------------------------------------------
    def sweep(self) -> int:
        """Delete expired sessions; return how many."""
        return self.folders.sweep()

    def create(self, data: bytes, filename: str, user: dict, options: dict) -> dict:
        """Keep an upload as a new session and return its preview."""
        if len(data) > self.limits.max_bytes:
            raise PayloadTooLarge(key="errors.import.too_large", params={"size": len(data),
                                  "limit": self.limits.max_bytes}, code="too_large",
                                  details=[Detail("file", "too_large", f"at most {self.limits.max_bytes} bytes")])
        if not data:
            raise refuse("file", "empty_file", "the file is empty", "errors.import.empty_file")
        kind, _ = detect_kind(data, unpack=False)  # refuse what cannot be imported before keeping anything
        session = self.folders.new(data, filename, user, kind)
        try:
            return self.update(session.meta["id"], user, options)
        except Exception:
            self.folders.remove(session)
            raise

    def delete(self, session_id: str, user: dict) -> None:
        self.folders.remove(self.folders.get(session_id, user))

    # -- options and evaluation --------------------------------------------------------------------
    def _read(self, session: Session, options: dict):
        key = tuple(options.get(k) for k in READ_OPTIONS) + (options.get("layer"),)
        if session.table is not None and session.read_key == key:
            return session.table
        data = session.upload()
        kind, files = detect_kind(data, max_unzipped_bytes=self.limits.max_unzipped_bytes)
        read = {k: options.get(k) for k in ("crs", "sheet", "x_column", "y_column", "wkt_column")}
        read["layer"] = options.get("source_layer")
        read["osm_target"] = options.get("layer")
        try:
            with gcpause.paused(len(data) >= BULK_BYTES):
                table = read_source(kind, files, **read)
        except SourceError as exc:
            field = {"layer": "source_layer"}.get(exc.field, exc.field)
            raise ValidationFailed(key="errors.import.unreadable", params={"reason": {"zh-CN": exc.zh, "en": exc.en}},
                                   code=exc.code, details=[Detail(field, exc.code, exc.en)]) from None  # fmt: skip
        if len(table.frame) > self.limits.max_rows:
            raise PayloadTooLarge(key="errors.import.too_many_rows", params={"rows": len(table.frame),
                                  "limit": self.limits.max_rows}, code="too_many_rows",
                                  details=[Detail("file", "too_many_rows", f"at most {self.limits.max_rows}")])
        session.table, session.read_key, session.kind = table, key, kind
        return table

    def _layer(self, layer_id: str | None) -> dict | None:
        if layer_id is None:
            return None
        layer = self.store.layer(layer_id)
        if layer is None:
            raise refuse("layer", "not_found", f"unknown layer '{layer_id}'", "errors.import.no_layer")
        if not layer.get("editable", True):
            raise Conflict(key="errors.layer.read_only", params={"layer_id": layer_id}, code="read_only",
                           details=[Detail("layer", "read_only", "this layer cannot be written")])
        return layer

    def _evaluate(self, session: Session) -> Evaluation | None:
        options = session.meta["options"]
        layer = self._layer(options.get("layer"))
        table = self._read(session, options)
        if layer is None:
            session.evaluation = None
            return None
        key = json.dumps([options, layer["revision"]], sort_keys=True, ensure_ascii=False)
        if session.evaluation is None or session.eval_key != key:
            with gcpause.paused(len(table.frame) >= BULK_ROWS):
                session.evaluation = evaluate(table, layer, self.store, options, self.tz)
            session.eval_key = key
        return session.evaluation

    def update(self, session_id: str, user: dict, changes: dict) -> dict:
        """Change options (target layer, source CRS, sheet or layer of the file, columns, mapping...) and
        return the new preview. Changing the target layer suggests a new mapping unless one is sent."""
        session = self.folders.get(session_id, user)
        changes = check_options(changes)
        with session.lock:
            self._writable(session)
            before = session.meta["options"]
            options = dict(before) | changes
            layer = self._layer(options.get("layer"))
            table = self._read(session, options)
            columns = [str(c) for c in table.frame.columns]
            layer_changed = options.get("layer") != before.get("layer")
            read_changed = any(options.get(k) != before.get(k) for k in READ_OPTIONS)
            fresh = layer_changed or read_changed or not before.get("mapping")
            base = {"mapping": suggest_mapping(layer, columns) if layer is not None and fresh else
                    before.get("mapping") or {},
                    "defaults": {} if layer_changed else before.get("defaults") or {},
                    "values": {} if layer_changed else before.get("values") or {}}  # fmt: skip
            for key, current in base.items():  # sent entries change the current ones; null unsets a default
                sent = changes.get(key, {})
                if not isinstance(sent, dict):
                    raise ValidationFailed(key="errors.import.mapping_refused",
                                           details=[Detail(key, "wrong_type", "an object keyed by property")])
                merged = current | sent
                options[key] = merged if key == "mapping" else {k: v for k, v in merged.items() if v is not None}
            if layer is not None:
                problems = check_mapping(layer, columns, options.get("mapping") or {}, options.get("defaults") or {},
                                         options.get("values") or {})  # fmt: skip
                if problems:
                    raise ValidationFailed(key="errors.import.mapping_refused", details=problems)
            session.meta["options"] = options
            try:
                self._evaluate(session)
            except Exception:
                session.meta["options"] = before
                raise
            session.save()
            return self._view(session)

    def _writable(self, session: Session) -> None:
        if session.meta["status"] != "preview":
            raise Conflict(key="errors.import.committed", code="already_committed",
                           details=[Detail("id", "already_committed", "start a new import")])

    # -- reading and committing ---------------------------------------------------------------------
    def _view(self, session: Session, offset: int = 0, limit: int = 50, which: str = "all",
              code: str | None = None) -> dict:  # fmt: skip
        meta, options = session.meta, session.meta["options"]
        ev = session.evaluation
        table = session.table
        view = {k: meta[k] for k in ("id", "owner", "filename", "size_bytes", "format", "status", "result")}
        view["created_at"] = format_instant(meta["created_us"], self.tz)
        view["expires_at"] = format_instant(self.folders.expires_us(meta), self.tz)
        view["options"] = {k: v for k, v in options.items() if k not in ("mapping", "defaults", "values")}
        view["info"] = table.info if table is not None else {}
        view["columns"] = [str(c) for c in table.frame.columns] if table is not None else []
        view["mapping"], view["defaults"], view["values"] = (options.get(k) or {} for k in ("mapping", "defaults",
                                                                                               "values"))
        layer = self._layer(options["layer"]) if options.get("layer") else None
        view["suggested_mapping"] = suggest_mapping(layer, view["columns"]) if layer else {}
        used = {c for c in view["mapping"].values() if c}
        view["unmapped_columns"] = [c for c in view["columns"] if c not in used]
        if meta["status"] == "committed":
            view["counts"] = meta["result"]["counts"]
            view["page"] = None
        elif ev is None:
            view["counts"] = {"rows": len(table.frame) if table is not None else 0}
            view["page"] = None
        else:
            view["counts"] = ev.counts()
            view["extent"] = ev.extent
            view["page"] = rows_page(ev, offset, limit, which, code)
        return view

    def preview(self, session_id: str, user: dict, offset: int = 0, limit: int = 50, which: str = "all",
                code: str | None = None) -> dict:  # fmt: skip
        session = self.folders.get(session_id, user)
        with session.lock:
            if session.meta["status"] == "preview":
                self._evaluate(session)
            else:
                self._read(session, session.meta["options"])
            return self._view(session, offset, limit, which, code)

    def commit(self, session_id: str, user: dict, expected_valid: int | None = None) -> dict:
        """Store every valid row in one all-or-nothing write; the refused rows stay downloadable."""
        session = self.folders.get(session_id, user)
        with session.lock:
            self._writable(session)
            options = session.meta["options"]
            if not options.get("layer"):
                raise refuse("layer", "required", "choose the layer to import into",
                              "errors.import.layer_required")  # fmt: skip
            seen = session.evaluation.layer_revision if session.evaluation is not None else None
            ev = self._evaluate(session)
            stale = seen is not None and seen != ev.layer_revision
            if stale or (expected_valid is not None and expected_valid != ev.counts()["valid"]):
                raise Conflict(key="errors.import.preview_stale", code="preview_stale",
                               details=[Detail("id", "preview_stale", f"{ev.counts()['valid']} rows are valid now")])
            with gcpause.paused(int(ev.valid.sum()) >= BULK_ROWS):
                features = new_features(ev)
                if not features:
                    raise refuse("file", "nothing_to_import", "no row is valid",
                                  "errors.import.nothing_valid")  # fmt: skip
                refused_keys = {lang: self.store.put_blob(refused_csv(ev, lang), "csv") for lang in i18n.LANGUAGES}
                with self.store.atomic():  # the rows and the session's new state, or neither
                    self._still_writable(session_id)
                    created = self.store.create(options["layer"], features, user["name"])
                    session.save(dict(session.meta, status="committed", refused_keys=refused_keys,
                                      result=self._result(options, created, ev)))  # fmt: skip
            counts, result = ev.counts(), session.meta["result"]
            try:
                self.store.audit(user["name"], "data.import", options["layer"],
                                 {"file": session.meta["filename"], "rows": counts["rows"], "created": len(created),
                                  "refused": counts["refused"], "session": session_id})  # fmt: skip
            except AttributeError:  # a store without an audit log
                pass
            return result

    def _result(self, options: dict, created, ev: Evaluation) -> dict:
        counts = ev.counts()
        return {"layer": options["layer"], "created": len(created), "refused": counts["refused"],
                "first_id": created[0].fid, "last_id": created[-1].fid,
                "committed_at": format_instant(self.store.now(), self.tz), "counts": counts}  # fmt: skip

    def _still_writable(self, session_id: str) -> None:
        """Inside the commit's transaction: nobody (in any app process) has committed the session meanwhile."""
        record = self.store.import_session(session_id)
        if record is None or record["meta"]["status"] != "preview":
            raise Conflict(key="errors.import.committed", code="already_committed",
                           details=[Detail("id", "already_committed", "start a new import")])

    def refused(self, session_id: str, user: dict, lang: str = "zh-CN") -> tuple[bytes, str]:
        """The refused rows as CSV with their problems in ``lang``, and a file name for them."""
        session = self.folders.get(session_id, user)
        with session.lock:
            stem = Path(session.meta["filename"] or "import").stem or "import"
            if session.meta["status"] == "committed":
                return self.store.read_blob(session.meta["refused_keys"][lang]), f"{stem}-refused.csv"
            ev = self._evaluate(session)
            if ev is None:
                raise refuse("layer", "required", "choose the layer to import into",
                              "errors.import.layer_required")  # fmt: skip
            return refused_csv(ev, lang), f"{stem}-refused.csv"
