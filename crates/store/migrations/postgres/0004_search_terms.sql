-- Search reads its own index, written by the store with each crud (`text::search_terms`): one
-- row per term of a crud, in feed order under each term, so that the newest matches of a term
-- are the first entries of its range however many cruds hold it. It replaces the generated
-- tsvector, whose GIN index hands over every match unordered for a sort, and the regular
-- expressions that told hashtags apart (a hashtag is the term `#tag`). The store fills it for
-- existing cruds when it migrates.
CREATE TABLE search_terms (
    term          text        NOT NULL,
    created_at    timestamptz NOT NULL,
    activity_uuid uuid        NOT NULL,
    PRIMARY KEY (term, created_at, activity_uuid)
);

DROP INDEX activities_search_idx;
ALTER TABLE activities DROP COLUMN search;
