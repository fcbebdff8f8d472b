-- Layers, features and every version of every feature, with the store's own key/value metadata.
-- Instants are bigint microseconds since the Unix epoch (UTC): exact, and the same numbers as SQLite's.
-- The text the application wrote (GeoJSON geometry, properties) is kept as written, so answers are
-- byte-for-byte those of the SQLite backend; the typed geometry and jsonb properties are derived from it.
CREATE TABLE meta (
    key text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE layer (
    id text PRIMARY KEY,
    definition json NOT NULL,
    builtin boolean NOT NULL,
    created_at bigint NOT NULL,
    created_by text NOT NULL,
    revision bigint NOT NULL DEFAULT 0,
    feature_count bigint NOT NULL DEFAULT 0,
    retired_at bigint,
    retired_by text
);

-- One row per feature ever created: its current version. Writers lock this row (FOR UPDATE) to check
-- If-Match, so a concurrent writer waits and then sees the version that won.
CREATE TABLE feature (
    fid bigint PRIMARY KEY,
    layer text NOT NULL REFERENCES layer (id),
    vid bigint NOT NULL,
    version integer NOT NULL,
    deleted boolean NOT NULL DEFAULT false
);
CREATE INDEX feature_live ON feature (layer, fid) WHERE NOT deleted;

CREATE TABLE version (
    vid bigint PRIMARY KEY,
    fid bigint NOT NULL REFERENCES feature (fid),
    layer text NOT NULL,
    version integer NOT NULL,
    op text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    valid_from bigint NOT NULL,
    valid_to bigint,
    author text NOT NULL,
    geojson text,
    props text,
    minx double precision,
    miny double precision,
    maxx double precision,
    maxy double precision,
    layer_rev bigint NOT NULL,
    geom geometry(Geometry, 4326) GENERATED ALWAYS AS (ST_Force2D(ST_GeomFromGeoJSON(geojson))) STORED,
    -- jsonb cannot hold U+0000, which JSON text may escape: the typed copy has U+FFFD there instead.
    properties jsonb GENERATED ALWAYS AS (replace(props, '\u0000', '\ufffd')::jsonb) STORED,
    UNIQUE (fid, version)
);
-- Live features: the versions still valid that are not deletions.
CREATE INDEX version_live_fid ON version (layer, fid) WHERE valid_to IS NULL AND op <> 'delete';
CREATE INDEX version_live_geom ON version USING gist (layer, geom) WHERE valid_to IS NULL AND op <> 'delete';
-- The past: one GiST over layer, geometry and validity interval, so an at= bbox query prunes by place
-- and time together instead of reading every version that ever stood in the box.
CREATE INDEX version_hist_geom ON version USING gist (layer, geom, int8range(valid_from, valid_to))
    WHERE op <> 'delete';
CREATE INDEX version_hist_time ON version USING gist (layer, int8range(valid_from, valid_to))
    WHERE op <> 'delete';
CREATE INDEX version_layer_rev ON version (layer, layer_rev);
