-- Cruddur on SQLite. Times are INTEGER microseconds since the Unix epoch, UUIDs lower-case
-- hyphenated TEXT (so text order matches PostgreSQL's uuid order in keyset pagination).
-- Users are never deleted, so references to them do not cascade; everything hanging off an
-- activity cascades with it, which is how purging removes likes, reposts and notifications.

CREATE TABLE users (
    uuid          TEXT    NOT NULL PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    -- NOCASE on the column makes every comparison and the unique index case-insensitive.
    handle        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email         TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    password_hash TEXT    NOT NULL,
    bio           TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    uuid       TEXT    NOT NULL PRIMARY KEY,
    user_uuid  TEXT    NOT NULL REFERENCES users (uuid),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Cruds and their replies. `id` is an explicit rowid alias so that the full-text index, which
-- refers to rows by rowid, survives VACUUM.
CREATE TABLE activities (
    id            INTEGER NOT NULL PRIMARY KEY,
    uuid          TEXT    NOT NULL UNIQUE,
    user_uuid     TEXT    NOT NULL REFERENCES users (uuid),
    -- NULL for a crud; the crud answered for a reply, which shares its expires_at.
    reply_to      TEXT    REFERENCES activities (uuid) ON DELETE CASCADE,
    message       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    -- Kept in step with likes, reposts and replies in the transactions that change those.
    likes_count   INTEGER NOT NULL DEFAULT 0,
    replies_count INTEGER NOT NULL DEFAULT 0,
    reposts_count INTEGER NOT NULL DEFAULT 0
);
-- A user's feed and their live crud count.
CREATE INDEX activities_user_feed ON activities (user_uuid, created_at DESC, uuid DESC)
    WHERE reply_to IS NULL;
-- Under reply_to IS NULL, the top-level cruds in feed order for the home feed; under a crud,
-- its replies oldest first; and the lookups of the reply_to cascade.
CREATE INDEX activities_thread ON activities (reply_to, created_at, uuid);
-- Purging.
CREATE INDEX activities_expires_at ON activities (expires_at);

CREATE TABLE likes (
    activity_uuid TEXT    NOT NULL REFERENCES activities (uuid) ON DELETE CASCADE,
    user_uuid     TEXT    NOT NULL REFERENCES users (uuid),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (activity_uuid, user_uuid)
) WITHOUT ROWID;

CREATE TABLE reposts (
    activity_uuid TEXT    NOT NULL REFERENCES activities (uuid) ON DELETE CASCADE,
    user_uuid     TEXT    NOT NULL REFERENCES users (uuid),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (activity_uuid, user_uuid)
) WITHOUT ROWID;

CREATE TABLE follows (
    follower_uuid TEXT    NOT NULL REFERENCES users (uuid),
    followee_uuid TEXT    NOT NULL REFERENCES users (uuid),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (follower_uuid, followee_uuid)
) WITHOUT ROWID;
CREATE INDEX follows_followee ON follows (followee_uuid);

CREATE TABLE notifications (
    uuid          TEXT    NOT NULL PRIMARY KEY,
    -- Who is notified, and who acted.
    user_uuid     TEXT    NOT NULL REFERENCES users (uuid),
    actor_uuid    TEXT    NOT NULL REFERENCES users (uuid),
    kind          TEXT    NOT NULL CHECK (kind IN ('reply', 'mention', 'like', 'repost', 'follow')),
    -- The crud or reply concerned; NULL for a follow.
    activity_uuid TEXT    REFERENCES activities (uuid) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX notifications_feed ON notifications (user_uuid, created_at DESC, uuid DESC);
-- At most one notification per recipient, actor, kind and target, so that toggling a like or a
-- follow never notifies twice.
CREATE UNIQUE INDEX notifications_once
    ON notifications (user_uuid, actor_uuid, kind, ifnull(activity_uuid, ''));
CREATE INDEX notifications_activity ON notifications (activity_uuid);

-- Full-text index over the messages of top-level cruds (replies are not searched). Its content
-- is read through the view `crud_messages`, so that FTS5's rebuild and integrity-check see the
-- same rows as the triggers below, which keep it in sync. `_` is a word character, as in
-- handles and search terms; diacritics are kept so that only whole, identical words match.
CREATE VIEW crud_messages AS SELECT id, message FROM activities WHERE reply_to IS NULL;

CREATE VIRTUAL TABLE activities_fts USING fts5 (
    message,
    content = 'crud_messages',
    content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);

CREATE TRIGGER activities_fts_insert AFTER INSERT ON activities
WHEN new.reply_to IS NULL
BEGIN
    INSERT INTO activities_fts (rowid, message) VALUES (new.id, new.message);
END;

-- Fires for purges and for cascades alike. Only indexed rows may be deleted from an external
-- content index, hence the same condition as on insert.
CREATE TRIGGER activities_fts_delete AFTER DELETE ON activities
WHEN old.reply_to IS NULL
BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, message) VALUES ('delete', old.id, old.message);
END;

-- Messages are not edited today; this keeps the index true if they ever are.
CREATE TRIGGER activities_fts_update AFTER UPDATE OF message ON activities
WHEN old.reply_to IS NULL
BEGIN
    INSERT INTO activities_fts (activities_fts, rowid, message) VALUES ('delete', old.id, old.message);
    INSERT INTO activities_fts (rowid, message) VALUES (new.id, new.message);
END;

-- The hashtags of each top-level crud as `text::hashtags` reads them (lower-cased), written with
-- the crud. Hashtag searches match these rather than the text, so that `C#rust` or `#rustacean`
-- do not pass for `#rust`.
CREATE TABLE hashtags (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (activity_id, tag)
) WITHOUT ROWID;

-- One conversation per unordered pair of users: the smaller uuid is always user_a.
CREATE TABLE message_groups (
    uuid            TEXT    NOT NULL PRIMARY KEY,
    user_a          TEXT    NOT NULL REFERENCES users (uuid),
    user_b          TEXT    NOT NULL REFERENCES users (uuid),
    -- The latest message's time and text, updated with every message.
    last_message_at INTEGER NOT NULL,
    last_message    TEXT    NOT NULL,
    CHECK (user_a <= user_b),
    UNIQUE (user_a, user_b)
);
CREATE INDEX message_groups_user_a ON message_groups (user_a, last_message_at DESC, uuid DESC);
CREATE INDEX message_groups_user_b ON message_groups (user_b, last_message_at DESC, uuid DESC);

CREATE TABLE messages (
    uuid        TEXT    NOT NULL PRIMARY KEY,
    group_uuid  TEXT    NOT NULL REFERENCES message_groups (uuid),
    sender_uuid TEXT    NOT NULL REFERENCES users (uuid),
    message     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_group ON messages (group_uuid, created_at DESC, uuid DESC);
