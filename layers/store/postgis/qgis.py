"""Views for desktop GIS (QGIS, ogr2ogr): one view per live layer with the current features, a typed column per
property of the layer's schema and a geometry column of one declared type, in a schema of their own (``qgis``
beside ``public``, ``<schema>_qgis`` beside another), so a read-only role sees them and nothing else.

They are made on request (``python server.py qgis-views [--grant ROLE]``) and, once made, follow the layers
(made again whenever a layer is created, changed or retired).
"""

from __future__ import annotations

from psycopg import sql

# The SQL type of each property type of the layer schema, and how a jsonb value becomes it (NULL when the
# stored value is of another JSON type, so one odd value never breaks the whole view).
_COLUMNS = {
    "string": ("text", "string", "{p} ->> {k}"),
    "integer": ("bigint", "number", "({p} ->> {k})::numeric::bigint"),
    "number": ("double precision", "number", "({p} ->> {k})::double precision"),
    "boolean": ("boolean", "boolean", "({p} ->> {k})::boolean"),
    "datetime": ("timestamptz", "string", "({p} ->> {k})::timestamptz"),
}
_MULTI = {frozenset({"LineString", "MultiLineString"}): "MultiLineString",
          frozenset({"Polygon", "MultiPolygon"}): "MultiPolygon",
          frozenset({"Point", "MultiPoint"}): "MultiPoint"}  # fmt: skip
RESERVED = ("fid", "version", "valid_from", "author", "geom")


def view_schema(store_schema: str) -> str:
    """The schema holding the views of a store whose tables are in ``store_schema``.

    >>> view_schema("public"), view_schema("district_7")
    ('qgis', 'district_7_qgis')
    """
    return "qgis" if store_schema == "public" else f"{store_schema}_qgis"


def _geometry(types: list[str]) -> sql.Composable:
    kinds = set(types)
    if len(kinds) == 1:
        return sql.SQL("v.geom::geometry({}, 4326)").format(sql.SQL(next(iter(kinds))))
    multi = _MULTI.get(frozenset(kinds))
    if multi:
        return sql.SQL("ST_Multi(v.geom)::geometry({}, 4326)").format(sql.SQL(multi))
    return sql.SQL("v.geom")


def view_query(layer: dict) -> sql.Composable:
    """The SELECT of one layer's view."""
    columns = [sql.SQL("v.fid, v.version, to_timestamp(v.valid_from / 1e6) AS valid_from, v.author")]
    for name, spec in (layer.get("properties") or {}).items():
        if name in RESERVED:
            continue
        sql_type, json_type, cast = _COLUMNS.get(spec.get("type"), ("jsonb", None, "{p} -> {k}"))
        value = sql.SQL(cast).format(p=sql.SQL("v.properties"), k=sql.Literal(name))
        if json_type:
            value = sql.SQL("CASE WHEN jsonb_typeof(v.properties -> {}) = {} THEN {} END").format(
                sql.Literal(name), sql.Literal(json_type), value)  # fmt: skip
        columns.append(sql.SQL("{}::{} AS {}").format(value, sql.SQL(sql_type), sql.Identifier(name)))
    columns.append(sql.SQL("{} AS geom").format(_geometry(layer.get("geometry_types") or [])))
    return sql.SQL("SELECT {} FROM {}.version v WHERE v.layer = {} AND v.valid_to IS NULL AND v.op <> 'delete'").format(
        sql.SQL(", ").join(columns), sql.Identifier(layer["_schema"]), sql.Literal(layer["id"])
    )


def refresh(conn, layers: list[dict], *, create: bool = False, grant_to: str | None = None) -> list[str]:
    """Make the views of ``layers`` (the live ones) anew, dropping those of layers gone; nothing unless the
    view schema exists or ``create``. Return the views made. ``grant_to`` gives a role read access to them,
    now and to the views made later."""
    store_schema = conn.execute("SELECT current_schema()").fetchone()[0]
    target = view_schema(store_schema)
    exists = conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (target,)).fetchone()[0]
    if not exists and not create:
        return []
    schema = sql.Identifier(target)
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
    for (name,) in conn.execute("SELECT table_name FROM information_schema.views WHERE table_schema = %s", (target,)):
        conn.execute(sql.SQL("DROP VIEW {}.{}").format(schema, sql.Identifier(name)))
    made = []
    for layer in layers:
        query = view_query(layer | {"_schema": store_schema})
        conn.execute(sql.SQL("CREATE VIEW {}.{} AS {}").format(schema, sql.Identifier(layer["id"]), query))
        made.append(f"{target}.{layer['id']}")
    if grant_to:
        role = sql.Identifier(grant_to)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))
        conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema, role))
    return made
