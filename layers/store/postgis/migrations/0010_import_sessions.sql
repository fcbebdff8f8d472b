-- Import sessions (upload -> preview -> commit) in the database instead of files in one app process's data
-- directory, so that every app process sees them: a preview made through one is committed through another.
-- The upload and the refused rows are blobs; meta is the import code's JSON, kept as written.
CREATE TABLE import_session (
    id text PRIMARY KEY,
    owner text NOT NULL,
    created_at bigint NOT NULL,
    meta json NOT NULL
);
