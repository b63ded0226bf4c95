-- +goose Up
CREATE TABLE sources (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- lower(name): names are unique case-insensitively, and sw/co filters ignore case.
    name_key    TEXT    NOT NULL UNIQUE,
    -- The whole source as protobuf JSON; the columns above exist for keys and queries.
    doc         TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    modified_us INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE sources;
