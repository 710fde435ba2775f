-- The purge deletes expired replies before expired cruds, each in batches. With one index on
-- expiry for both, every batch of replies walked past all the expired cruds waiting their
-- turn, so a backlog cost the square of its size. One index per kind makes each batch read
-- only the rows it deletes.
CREATE INDEX activities_crud_expiry_idx ON activities (expires_at) WHERE reply_to IS NULL;
CREATE INDEX activities_reply_expiry_idx ON activities (expires_at) WHERE reply_to IS NOT NULL;
DROP INDEX activities_expires_at_idx;
