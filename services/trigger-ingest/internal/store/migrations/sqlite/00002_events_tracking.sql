-- +goose Up
-- The tracking timeline (GET /v1/tracking/{trackingNumber}) finds a flow's events by it.
CREATE INDEX events_tracking ON events (tracking_number);

-- +goose Down
DROP INDEX events_tracking;
