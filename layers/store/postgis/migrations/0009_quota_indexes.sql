-- Per-user quotas count what one author added lately: their new cases and their photos.
CREATE INDEX version_created_by ON version (layer, author, valid_from) WHERE op = 'create';
CREATE INDEX photo_uploader ON photo (uploaded_by, uploaded_at);
