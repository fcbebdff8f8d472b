-- The past split in two: the current versions and the closed ones. "Valid at t" is then the current
-- versions that started by t (a btree over their start, and version_live_geom for a bbox) plus the closed
-- versions whose validity contains t (GiSTs over the closed versions only). One GiST over every version's
-- validity is several times slower for whole instants (the current versions all share one unbounded end),
-- and the history GiSTs of 0001 also held every current version, so each feature created paid two GiST
-- inserts more than it needed (a million-row import spent most of its time there).
DROP INDEX IF EXISTS version_hist_geom;
DROP INDEX IF EXISTS version_hist_time;
CREATE INDEX version_open_since ON version (layer, valid_from) WHERE valid_to IS NULL AND op <> 'delete';
-- Written with an explicit '[)' (the same ranges) so that it is a different expression from the one in
-- version_closed_geom: a query names the index it wants, and a query by time alone never wades through the
-- geometry GiST, which the planner otherwise picks for it as readily.
CREATE INDEX version_closed_time ON version USING gist (layer, int8range(valid_from, valid_to, '[)'))
    WHERE valid_to IS NOT NULL AND op <> 'delete';
CREATE INDEX version_closed_geom ON version USING gist (layer, geom, int8range(valid_from, valid_to))
    WHERE valid_to IS NOT NULL AND op <> 'delete';
