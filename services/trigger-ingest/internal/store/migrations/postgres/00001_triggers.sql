-- +goose Up
CREATE TABLE subscriptions (
    id               TEXT    PRIMARY KEY,
    trigger_id       TEXT    NOT NULL,
    type             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    enabled          BIGINT  NOT NULL,
    -- The subscription as protobuf JSON, without its secrets.
    doc              TEXT    NOT NULL,
    -- Auth credentials and signing secrets, sealed with the service's key ring.
    secrets          TEXT    NOT NULL,
    -- Start of the current run of failed deliveries (auto-disable); NULL after a success.
    failing_since_us BIGINT,
    created_us       BIGINT  NOT NULL,
    modified_us      BIGINT  NOT NULL
);
CREATE INDEX subscriptions_trigger ON subscriptions (trigger_id, name);

-- Subscriptions per trigger, counted under a conditional UPDATE so that concurrent creates
-- cannot pass a trigger's limit on either backend.
CREATE TABLE subscription_counts (
    trigger_id TEXT    PRIMARY KEY,
    n          BIGINT  NOT NULL
);

-- Bumped by every subscription write, so ingestion reloads its cached filters only on change.
CREATE TABLE subscription_changes (
    id      INTEGER PRIMARY KEY,
    version BIGINT  NOT NULL
);
INSERT INTO subscription_changes (id, version) VALUES (1, 0);

CREATE TABLE events (
    id              TEXT    PRIMARY KEY,
    trigger_id      TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    -- "<scope> <key>": the caller's idempotency key, unique while the event is kept.
    idempotency_key TEXT    UNIQUE,
    -- Hash of what was published under the key: a different request with it is refused.
    request_hash    TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    -- The event JSON as received.
    payload         TEXT    NOT NULL,
    received_us     BIGINT  NOT NULL
);
CREATE INDEX events_trigger_received ON events (trigger_id, received_us);
CREATE INDEX events_received ON events (received_us);

CREATE TABLE deliveries (
    id                TEXT    PRIMARY KEY,
    event_id          TEXT    NOT NULL,
    subscription_id   TEXT    NOT NULL,
    subscription_name TEXT    NOT NULL,
    trigger_id        TEXT    NOT NULL,
    tracking_number   TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    attempts          BIGINT  NOT NULL,
    -- The invocation secret of a REQUEST_RESPONSE delivery, sealed.
    secret            TEXT    NOT NULL,
    content_json      TEXT    NOT NULL,
    deadline_us       BIGINT,
    output            TEXT,
    error             TEXT    NOT NULL,
    created_us        BIGINT  NOT NULL,
    completed_us      BIGINT
);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_tracking ON deliveries (tracking_number);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, created_us);
CREATE INDEX deliveries_trigger ON deliveries (trigger_id, created_us);
CREATE INDEX deliveries_status ON deliveries (status, created_us);
CREATE INDEX deliveries_created ON deliveries (created_us);

CREATE TABLE delivery_attempts (
    delivery_id TEXT    NOT NULL,
    attempt     BIGINT  NOT NULL,
    started_us  BIGINT  NOT NULL,
    latency_us  BIGINT  NOT NULL,
    status_code BIGINT  NOT NULL,
    error       TEXT    NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE event_sources (
    name        TEXT    PRIMARY KEY,
    description TEXT    NOT NULL,
    -- Signing secrets, sealed: the current one and, during a rotation, the previous one.
    secrets     TEXT    NOT NULL,
    created_us  BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE event_sources;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE events;
DROP TABLE subscription_changes;
DROP TABLE subscription_counts;
DROP TABLE subscriptions;
