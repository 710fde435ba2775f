-- Cruddur's PostgreSQL schema: accounts, cruds and replies, what hangs off them, and direct
-- messages. Every feed reads newest first by (created_at, uuid); the indexes below serve those
-- keyset scans (read backwards) and the ON DELETE CASCADE paths of purging expired cruds.

CREATE TABLE users (
    uuid          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    display_name  text        NOT NULL,
    handle        text        NOT NULL,
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    bio           text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
-- Handles and emails are unique whatever their case; the store maps violations of these two
-- indexes, by name, to handle_taken / email_taken.
CREATE UNIQUE INDEX users_handle_key ON users (lower(handle));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
    uuid       uuid        PRIMARY KEY,
    user_uuid  uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Cruds and their replies. A reply has `reply_to` set and its crud's `expires_at`, so one
-- liveness test (now < expires_at) and one purge cover both. The counts are kept here, changed
-- in the same statement as the like, repost or reply row, so feeds need no aggregation.
CREATE TABLE activities (
    uuid          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_uuid     uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    reply_to      uuid        REFERENCES activities ON DELETE CASCADE,
    message       text        NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    likes_count   bigint      NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    replies_count bigint      NOT NULL DEFAULT 0 CHECK (replies_count >= 0),
    reposts_count bigint      NOT NULL DEFAULT 0 CHECK (reposts_count >= 0),
    search        tsvector    GENERATED ALWAYS AS (to_tsvector('simple', message)) STORED
);
-- Home feed and search order; user feed; a crud's replies (oldest first); purge.
CREATE INDEX activities_feed_idx ON activities (created_at, uuid) WHERE reply_to IS NULL;
CREATE INDEX activities_user_feed_idx ON activities (user_uuid, created_at, uuid)
    WHERE reply_to IS NULL;
CREATE INDEX activities_replies_idx ON activities (reply_to, created_at, uuid)
    WHERE reply_to IS NOT NULL;
CREATE INDEX activities_expires_at_idx ON activities (expires_at);
CREATE INDEX activities_search_idx ON activities USING gin (search);

CREATE TABLE likes (
    activity_uuid uuid        NOT NULL REFERENCES activities ON DELETE CASCADE,
    user_uuid     uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (activity_uuid, user_uuid)
);

CREATE TABLE reposts (
    activity_uuid uuid        NOT NULL REFERENCES activities ON DELETE CASCADE,
    user_uuid     uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (activity_uuid, user_uuid)
);

CREATE TABLE follows (
    follower_uuid uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    followee_uuid uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (follower_uuid, followee_uuid)
);
CREATE INDEX follows_followee_idx ON follows (followee_uuid);

-- `user_uuid` is who is notified, `actor_uuid` who acted; `activity_uuid` is the crud or reply
-- concerned (NULL for a follow).
CREATE TABLE notifications (
    uuid          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_uuid     uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    actor_uuid    uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    kind          text        NOT NULL
        CHECK (kind IN ('reply', 'mention', 'like', 'repost', 'follow')),
    activity_uuid uuid        REFERENCES activities ON DELETE CASCADE,
    created_at    timestamptz NOT NULL
);
CREATE INDEX notifications_feed_idx ON notifications (user_uuid, created_at, uuid);
CREATE INDEX notifications_activity_idx ON notifications (activity_uuid);
-- A like, repost or follow notifies once per actor and target, however often it is toggled.
CREATE UNIQUE INDEX notifications_once_key
    ON notifications (actor_uuid, kind, user_uuid, activity_uuid) NULLS NOT DISTINCT
    WHERE kind IN ('like', 'repost', 'follow');

-- One conversation per unordered pair: the smaller uuid is always `user_a`. The last message's
-- text and time are kept on the group so the conversation list is one indexed scan.
CREATE TABLE message_groups (
    uuid            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_a          uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    user_b          uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    last_message    text        NOT NULL,
    last_message_at timestamptz NOT NULL,
    CHECK (user_a <= user_b),
    UNIQUE (user_a, user_b)
);
CREATE INDEX message_groups_a_idx ON message_groups (user_a, last_message_at, uuid);
CREATE INDEX message_groups_b_idx ON message_groups (user_b, last_message_at, uuid);

CREATE TABLE messages (
    uuid        uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    group_uuid  uuid        NOT NULL REFERENCES message_groups ON DELETE CASCADE,
    sender_uuid uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    message     text        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX messages_group_idx ON messages (group_uuid, created_at, uuid);
