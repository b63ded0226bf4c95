-- +goose Up
CREATE TABLE thing_notes (thing_id TEXT NOT NULL REFERENCES things (id), note TEXT NOT NULL);

-- +goose Down
DROP TABLE thing_notes;
