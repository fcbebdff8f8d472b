"""Consistency checks of the PostGIS store's tables: what must hold after any crash, restart or restore."""

from __future__ import annotations

# Each check is a query counting the rows that break one rule, and the rule in words.
CHECKS = (
    (
        "SELECT count(*) FROM feature f LEFT JOIN version v ON v.vid = f.vid"
        " WHERE v.vid IS NULL OR v.fid <> f.fid OR v.version <> f.version OR v.valid_to IS NOT NULL"
        " OR (v.op = 'delete') <> f.deleted",
        "features whose current version is missing, closed or not theirs",
    ),
    (
        "SELECT count(*) FROM (SELECT fid FROM version WHERE valid_to IS NULL GROUP BY fid HAVING count(*) <> 1) x",
        "features without exactly one open version",
    ),
    (
        "SELECT count(*) FROM version WHERE valid_to IS NOT NULL AND valid_to <= valid_from",
        "versions that end before they start",
    ),
    (
        "SELECT count(*) FROM version v JOIN version w ON w.fid = v.fid AND w.version = v.version + 1"
        " WHERE v.valid_to IS DISTINCT FROM w.valid_from",
        "versions not followed by the next one at their end",
    ),
    (
        "SELECT count(*) FROM layer l WHERE l.feature_count <>"
        " (SELECT count(*) FROM feature f WHERE f.layer = l.id AND NOT f.deleted)",
        "layers whose feature count is wrong",
    ),
    (
        "SELECT count(*) FROM version WHERE op <> 'delete' AND (geom IS NULL OR minx IS NULL)",
        "versions without a geometry or bounds",
    ),
    (
        "SELECT count(*) FROM photo p WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.key = p.image_key)"
        " OR NOT EXISTS (SELECT 1 FROM blob b WHERE b.key = p.thumb_key)",
        "photos whose bytes are missing",
    ),
)


def integrity_report(conn) -> str:
    """``"ok"``, or each broken rule with how many rows break it, one per line."""
    problems = []
    for query, rule in CHECKS:
        count = conn.execute(query).fetchone()[0]
        if count:
            problems.append(f"{count} {rule}")
    indexes = conn.execute(
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid"
    ).fetchone()[0]
    if indexes:
        problems.append(f"{indexes} invalid indexes (REINDEX them)")
    return "\n".join(problems) or "ok"
