-- +goose Up
CREATE TABLE things (id TEXT PRIMARY KEY, note TEXT NOT NULL);

-- +goose Down
DROP TABLE things;
