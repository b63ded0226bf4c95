-- +goose Up
-- Append-only: nothing in Accessflow updates or deletes audit events.
CREATE TABLE audit_events (
    id              TEXT   PRIMARY KEY,
    time_us         BIGINT NOT NULL,
    method          TEXT   NOT NULL,
    actor           TEXT   NOT NULL,
    client_id       TEXT   NOT NULL,
    tracking_number TEXT   NOT NULL,
    target          TEXT   NOT NULL,
    outcome         TEXT   NOT NULL,
    request         JSONB  NOT NULL,
    result          JSONB  NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (time_us DESC);
CREATE INDEX audit_events_tracking ON audit_events (tracking_number);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
