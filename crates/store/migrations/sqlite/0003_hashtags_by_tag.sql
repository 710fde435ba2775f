-- Search counts a hashtag's cruds (up to a bound) to choose its plan: an index by tag.
CREATE INDEX hashtags_by_tag ON hashtags (tag);
