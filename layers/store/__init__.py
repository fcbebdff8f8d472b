"""The store contract: the ports every backend implements (features, tallies, accounts, areas, cases, inspections,
blobs, import sessions and the optional maintenance, transfer), their values and errors, and ``open_store`` that
opens a backend from ``STORE_URL``.
docs/store.md tells the ports, the isolation promise of ``atomic()`` and how to add a backend."""

from layers.store.accounts import AccountStore, LoginCounters, public_session_id
from layers.store.areas import AREA_LEVELS, AreaStore
from layers.store.blobs import BlobStore, blob_key, check_blob_key
from layers.store.cases import CaseStore
from layers.store.chain import HistoryChain
from layers.store.datalock import DataDirLock
from layers.store.errors import LayerExists, StaleVersion, StoreUrlError, UnknownFeature, UserExists
from layers.store.factory import (
    BACKENDS,
    SETTING,
    StoreUrl,
    check_backup,
    default_store_url,
    migrate_schema,
    open_store,
    parse_store_url,
    store_url,
)
from layers.store.features import Store
from layers.store.importsessions import ImportSessionStore
from layers.store.inspections import AnswerExists, InspectionStore
from layers.store.maintenance import Maintenance, StoreInUse
from layers.store.once import Replay, run_once, stored_answer
from layers.store.tallies import Tallies
from layers.store.transfer import CopyMismatch, CopyReport, Digest, TargetNotEmpty, Transfer, copy_store
from layers.store.values import (
    Bbox,
    CreatedVersions,
    FeatureVersion,
    NewFeature,
    Page,
    PointArrays,
    format_instant,
    parse_instant,
)

__all__ = [
    "AREA_LEVELS",
    "AccountStore",
    "AnswerExists",
    "AreaStore",
    "BACKENDS",
    "Bbox",
    "BlobStore",
    "CaseStore",
    "CopyMismatch",
    "CopyReport",
    "CreatedVersions",
    "DataDirLock",
    "Digest",
    "FeatureVersion",
    "HistoryChain",
    "ImportSessionStore",
    "InspectionStore",
    "LayerExists",
    "LoginCounters",
    "Maintenance",
    "NewFeature",
    "Page",
    "PointArrays",
    "Replay",
    "SETTING",
    "StaleVersion",
    "Store",
    "StoreUrl",
    "StoreInUse",
    "StoreUrlError",
    "TargetNotEmpty",
    "Transfer",
    "Tallies",
    "UnknownFeature",
    "UserExists",
    "blob_key",
    "check_backup",
    "check_blob_key",
    "copy_store",
    "default_store_url",
    "format_instant",
    "migrate_schema",
    "open_store",
    "parse_instant",
    "parse_store_url",
    "public_session_id",
    "run_once",
    "store_url",
    "stored_answer",
]
