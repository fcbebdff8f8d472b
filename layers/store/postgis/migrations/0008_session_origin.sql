-- Where a browser session started (address and browser), for the user's list of their sessions.
ALTER TABLE session ADD COLUMN ip text NOT NULL DEFAULT '';
ALTER TABLE session ADD COLUMN agent text NOT NULL DEFAULT '';
