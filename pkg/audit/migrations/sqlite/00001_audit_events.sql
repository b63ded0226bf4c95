-- +goose Up
-- Append-only: nothing in Accessflow updates or deletes audit events.
CREATE TABLE audit_events (
    id              TEXT    PRIMARY KEY,
    time_us         INTEGER NOT NULL,
    method          TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    tracking_number TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    request         TEXT    NOT NULL,
    result          TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_time ON audit_events (time_us DESC);
CREATE INDEX audit_events_tracking ON audit_events (tracking_number);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- +goose Down
DROP TABLE audit_events;
