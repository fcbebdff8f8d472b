"""Small builders for the store's contract tests (imported by name, beside them)."""

from __future__ import annotations

from layers.store import NewFeature


def point(lon: float, lat: float, **props) -> NewFeature:
    return NewFeature({"type": "Point", "coordinates": [lon, lat]}, props, (lon, lat, lon, lat))


def line(coords, **props) -> NewFeature:
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return NewFeature({"type": "LineString", "coordinates": coords}, props, (min(xs), min(ys), max(xs), max(ys)))


TREES = {
    "id": "trees",
    "title": {"zh-CN": "树", "en": "Trees"},
    "geometry_types": ["Point"],
    "properties": {"healthy": {"type": "boolean"}, "height_m": {"type": "number"}},
    "order": 5,
}


def table_columns(store) -> dict[str, list[str]]:
    """The tables of the store's own database and their columns, asked of the database itself (a test's look
    behind the contract, to hold every backend's tables to the transfer port)."""
    from layers.store.postgis import PostGISStore
    from layers.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore):
        conn = store._conn()
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        # the R*Trees' own shadow tables (cur_rtree_node …) belong to their virtual table
        names = [n for n in names if not n.startswith("sqlite_") and not n.endswith(("_node", "_parent", "_rowid"))]
        return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}
    if isinstance(store, PostGISStore):
        with store._db.read() as conn:
            rows = conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name IN (SELECT table_name FROM"
                " information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')"
                " ORDER BY table_name, ordinal_position"
            ).fetchall()
        tables: dict[str, list[str]] = {}
        for table, column in rows:
            tables.setdefault(table, []).append(column)
        return tables
    raise AssertionError(f"no table listing for {type(store).__name__}: add one for the new backend")
