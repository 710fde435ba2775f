-- Expired sessions are purged with expired cruds; this finds them without a scan.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
