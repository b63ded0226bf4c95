-- +goose Up
-- The tracking timeline (GET /v1/tracking/{trackingNumber}) finds a flow's values by it.
CREATE INDEX reservations_tracking ON reservations (tracking_number);
CREATE INDEX account_values_tracking ON account_values (tracking_number);

-- +goose Down
DROP INDEX account_values_tracking;
DROP INDEX reservations_tracking;
