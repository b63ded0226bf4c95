-- +goose Up
-- At most one policy per (source, usage type). revision counts writes: every update compares
-- and swaps it, so concurrent edits are detected rather than lost.
CREATE TABLE provisioning_policies (
    source_id   TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    usage_type  TEXT    NOT NULL,
    -- The whole policy as protobuf JSON.
    doc         TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    created_us  INTEGER NOT NULL,
    modified_us INTEGER NOT NULL,
    PRIMARY KEY (source_id, usage_type)
) STRICT;

-- Generated unique values held for an evaluation until confirmed or released. value_key is
-- transform.FoldKey(value): the unique index makes a value taken case-insensitively, and a
-- row whose expires_us has passed may be taken over by the next claim.
CREATE TABLE reservations (
    id              TEXT    PRIMARY KEY,
    source_id       TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    attribute       TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    value_key       TEXT    NOT NULL,
    identity_id     TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    created_us      INTEGER NOT NULL,
    expires_us      INTEGER NOT NULL,
    UNIQUE (source_id, attribute, value_key)
) STRICT;
CREATE INDEX reservations_expiry ON reservations (expires_us);

-- The account index: attribute values of the accounts that exist on each source, kept current
-- by callers (RecordAccount, ForgetAccount) and by confirmed reservations, which keep their id
-- and provenance here.
CREATE TABLE account_values (
    source_id       TEXT    NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    account_id      TEXT    NOT NULL,
    attribute       TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    value_key       TEXT    NOT NULL,
    reservation_id  TEXT,
    identity_id     TEXT    NOT NULL DEFAULT '',
    tracking_number TEXT    NOT NULL DEFAULT '',
    modified_us     INTEGER NOT NULL,
    PRIMARY KEY (source_id, account_id, attribute)
) STRICT;
CREATE INDEX account_values_value ON account_values (source_id, attribute, value_key);
CREATE UNIQUE INDEX account_values_reservation ON account_values (reservation_id);

-- +goose Down
DROP TABLE account_values;
DROP TABLE reservations;
DROP TABLE provisioning_policies;
