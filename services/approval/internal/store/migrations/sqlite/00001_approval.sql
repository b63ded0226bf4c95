-- +goose Up
-- Every table keeps its object whole as protobuf JSON in doc; the other columns exist for keys,
-- references and queries.
CREATE TABLE identities (
    id          TEXT    PRIMARY KEY,
    -- The token subject acting as the identity; NULL when unbound.
    subject     TEXT    UNIQUE,
    name        TEXT    NOT NULL,
    manager_id  TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    modified_us INTEGER NOT NULL
) STRICT;

CREATE TABLE approval_groups (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    modified_us INTEGER NOT NULL
) STRICT;

CREATE TABLE relationships (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    source_id   TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    modified_us INTEGER NOT NULL
) STRICT;

CREATE TABLE chains (
    id              TEXT    PRIMARY KEY,
    relationship_id TEXT    NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    group_id        TEXT    NOT NULL,
    priority        INTEGER NOT NULL,
    doc             TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    modified_us     INTEGER NOT NULL
) STRICT;
CREATE INDEX chains_relationship ON chains (relationship_id, group_id, priority);

CREATE TABLE requests (
    id           TEXT    PRIMARY KEY,
    requester_id TEXT    NOT NULL,
    recipient_id TEXT    NOT NULL,
    doc          TEXT    NOT NULL,
    created_us   INTEGER NOT NULL
) STRICT;
CREATE INDEX requests_created ON requests (created_us);

CREATE TABLE flows (
    id              TEXT    PRIMARY KEY,
    request_id      TEXT    NOT NULL REFERENCES requests (id),
    relationship_id TEXT    NOT NULL REFERENCES relationships (id),
    requester_id    TEXT    NOT NULL,
    recipient_id    TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    -- Row version for optimistic concurrency: every write bumps it.
    rev             INTEGER NOT NULL,
    doc             TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    modified_us     INTEGER NOT NULL
) STRICT;
CREATE INDEX flows_request ON flows (request_id);
CREATE INDEX flows_created ON flows (created_us);

-- The identities a flow currently waits for: the pending approvals of an approver.
CREATE TABLE flow_assignees (
    identity_id TEXT NOT NULL,
    flow_id     TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    PRIMARY KEY (identity_id, flow_id)
) STRICT;
CREATE INDEX flow_assignees_flow ON flow_assignees (flow_id);

-- +goose Down
DROP TABLE flow_assignees;
DROP TABLE flows;
DROP TABLE requests;
DROP TABLE chains;
DROP TABLE relationships;
DROP TABLE approval_groups;
DROP TABLE identities;
