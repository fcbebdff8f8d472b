"""The PostgreSQL/PostGIS backend of the store, for a district's or a city's database and several app processes."""

from layers.store.postgis.connect import StoreOpenError, StoreUnavailable
from layers.store.postgis.store import PostGISStore, migrate_schema

__all__ = ["PostGISStore", "StoreOpenError", "StoreUnavailable", "migrate_schema"]
