-- The area hierarchy above the grid cells: names and boundaries of districts, street offices, communities
-- (and cells with a name of their own), keyed by the prefix of their cells' 15-digit codes; and the area an
-- account is scoped to. The GeoJSON is kept as written; geom is derived from it for QGIS and spatial use.
CREATE TABLE area (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}){0,3}$'),
    level text NOT NULL CHECK (level IN ('district', 'street', 'community', 'cell')),
    parent text,
    name text NOT NULL,
    geojson text,
    geom geometry(Geometry, 4326) GENERATED ALWAYS AS (ST_Force2D(ST_GeomFromGeoJSON(geojson))) STORED,
    minx double precision,
    miny double precision,
    maxx double precision,
    maxy double precision,
    updated_at bigint NOT NULL,
    author text NOT NULL
);
CREATE INDEX area_parent ON area (parent);
CREATE INDEX area_level ON area (level, code);
CREATE INDEX area_geom ON area USING gist (geom);

ALTER TABLE app_user ADD COLUMN area text;
