-- +goose Up
CREATE TABLE providers (
    key         TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    -- The provider as protobuf JSON, without its credentials.
    doc         TEXT    NOT NULL,
    -- Its credentials, sealed with the service's key ring.
    secrets     TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL,
    modified_us BIGINT  NOT NULL
);

CREATE TABLE chains (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- The chain as protobuf JSON.
    doc         TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL,
    modified_us BIGINT  NOT NULL
);
CREATE INDEX chains_name ON chains (name, id);

-- Which providers a chain's scripts name: a provider in use cannot be deleted.
CREATE TABLE chain_providers (
    chain_id     TEXT NOT NULL REFERENCES chains (id) ON DELETE CASCADE,
    provider_key TEXT NOT NULL REFERENCES providers (key),
    PRIMARY KEY (chain_id, provider_key)
);
CREATE INDEX chain_providers_provider ON chain_providers (provider_key);

CREATE TABLE flows (
    id              TEXT    PRIMARY KEY,
    chain_id        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    -- Hash of the request that started the flow: the same key with another request is refused.
    request_hash    TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    recipient_id    TEXT    NOT NULL,
    -- The flow's context and chain name as JSON.
    doc             TEXT    NOT NULL,
    errors          TEXT    NOT NULL,
    warnings        TEXT    NOT NULL,
    runs            BIGINT  NOT NULL,
    created_us      BIGINT  NOT NULL,
    modified_us     BIGINT  NOT NULL,
    completed_us    BIGINT
);
CREATE INDEX flows_created ON flows (created_us DESC, id);
CREATE INDEX flows_status ON flows (status, created_us DESC);
CREATE INDEX flows_chain ON flows (chain_id, created_us DESC);
CREATE INDEX flows_recipient ON flows (recipient_id, created_us DESC);
CREATE INDEX flows_tracking ON flows (tracking_number);

CREATE TABLE flow_scripts (
    id           TEXT    PRIMARY KEY,
    flow_id      TEXT    NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    idx          BIGINT  NOT NULL,
    name         TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    compensation BIGINT  NOT NULL,
    -- The chain script as protobuf JSON (templates not yet rendered).
    def          TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL,
    -- What the run produced as JSON: outputs, the account touched, policy evaluation.
    state        TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    started_us   BIGINT,
    finished_us  BIGINT,
    UNIQUE (flow_id, idx)
);

-- +goose Down
DROP TABLE flow_scripts;
DROP TABLE flows;
DROP TABLE chain_providers;
DROP TABLE chains;
DROP TABLE providers;
