-- +goose Up
CREATE TABLE oauth_clients (
    id          TEXT   PRIMARY KEY,
    name        TEXT   NOT NULL UNIQUE,
    -- argon2id PHC string; the secret itself is shown once at creation and never stored.
    secret_hash TEXT   NOT NULL,
    scopes      TEXT   NOT NULL,
    user_levels TEXT   NOT NULL,
    created_us  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE oauth_clients;
