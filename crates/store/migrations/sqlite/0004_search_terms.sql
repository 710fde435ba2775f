-- Search reads its own index, written by the store with each crud (`text::search_terms`): one
-- row per term of a crud, in feed order under each term, so that the newest matches of a term
-- are the first rows of its range however many cruds hold it. It replaces the full-text
-- index, whose matches come in rowid order and had to be read in full to be sorted, and the
-- hashtags table (a hashtag is the term `#tag`). The store fills it for existing cruds when
-- it migrates. `uuid` is the crud's as 16 bytes, which sort as its text does.
CREATE TABLE search_terms (
    term        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    uuid        BLOB    NOT NULL,
    activity_id INTEGER NOT NULL,
    PRIMARY KEY (term, created_at, uuid)
) WITHOUT ROWID;

DROP TRIGGER activities_fts_insert;
DROP TRIGGER activities_fts_delete;
DROP TRIGGER activities_fts_update;
DROP TABLE activities_fts;
DROP VIEW crud_messages;
DROP TABLE hashtags;
