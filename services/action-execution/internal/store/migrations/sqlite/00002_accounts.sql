-- +goose Up
-- The account registry: every account a provider script created or changed, by provider and
-- account id (a DN, a SCIM id…), with the identity (the flow's recipient) it belongs to. A
-- row is written in the transaction that records the script's success.
CREATE TABLE accounts (
    provider_key       TEXT    NOT NULL,
    account_id         TEXT    NOT NULL,
    identity_id        TEXT    NOT NULL,
    source_id          TEXT    NOT NULL,
    source_name        TEXT    NOT NULL,
    -- ACTIVE, DISABLED or DELETED.
    status             TEXT    NOT NULL,
    -- The last account operation (Create, Modify, Enable, Disable, Unlock, Delete).
    last_operation     TEXT    NOT NULL,
    created_by_flow_id TEXT    NOT NULL,
    last_flow_id       TEXT    NOT NULL,
    tracking_number    TEXT    NOT NULL,
    created_us         INTEGER NOT NULL,
    updated_us         INTEGER NOT NULL,
    PRIMARY KEY (provider_key, account_id)
) STRICT;
CREATE INDEX accounts_identity ON accounts (identity_id, updated_us DESC);
CREATE INDEX accounts_source ON accounts (source_id, updated_us DESC);
CREATE INDEX accounts_updated ON accounts (updated_us DESC, provider_key, account_id);

-- +goose Down
DROP TABLE accounts;
