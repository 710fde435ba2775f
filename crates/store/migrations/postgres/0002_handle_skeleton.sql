-- Handles that look alike (aItbrown, altbrown) are one handle: each user's UTS #39 skeleton
-- of its handle is unique. Added empty (expand): the store fills it for existing users when
-- it migrates, and writes it with every new user.
ALTER TABLE users ADD COLUMN handle_skeleton text;
CREATE UNIQUE INDEX users_handle_skeleton_key ON users (handle_skeleton);
