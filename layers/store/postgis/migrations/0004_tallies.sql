-- Figures over whole instants of a layer's history (the leaders' compare, dashboard, weekly series):
-- "valid at t" is split into the versions still current that started by t (a btree over their start,
-- partial on the current versions) and the closed versions whose validity contains t (a GiST over the
-- closed versions only). One GiST over every version's validity is several times slower, because the
-- current versions all share one unbounded end.
CREATE INDEX version_open_since ON version (layer, valid_from) WHERE valid_to IS NULL AND op <> 'delete';
CREATE INDEX version_closed_time ON version USING gist (layer, int8range(valid_from, valid_to))
    WHERE valid_to IS NOT NULL AND op <> 'delete';
