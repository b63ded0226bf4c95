-- +goose Up
-- The W3C traceparent of the call that published an event: a replay's deliveries are that
-- span's children (linked to the replaying call), in the trace of the event's trackingNumber.
ALTER TABLE events ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN traceparent;
