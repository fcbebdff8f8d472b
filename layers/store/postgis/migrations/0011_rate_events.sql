-- Sliding-window rate limits counted in the database (public reports per address), so that N app processes
-- allow what one would, not N times as much. Events older than a limit's window are deleted as it is checked.
CREATE TABLE rate_event (
    scope text NOT NULL,
    key text NOT NULL,
    at bigint NOT NULL
);
CREATE INDEX rate_event_key ON rate_event (scope, key, at);
