-- +goose Up
-- CreateAccessRequest is idempotent on its key (a WORKFLOW subscription's run of one event);
-- the tracking timeline (GET /v1/tracking/{trackingNumber}) finds a flow's requests by it.
ALTER TABLE requests ADD COLUMN idempotency_key TEXT;
ALTER TABLE requests ADD COLUMN tracking_number TEXT NOT NULL DEFAULT '';
UPDATE requests SET tracking_number = COALESCE(json_extract(doc, '$.trackingNumber'), '');
CREATE UNIQUE INDEX requests_idempotency_key ON requests (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX requests_tracking ON requests (tracking_number);

-- +goose Down
DROP INDEX requests_tracking;
DROP INDEX requests_idempotency_key;
ALTER TABLE requests DROP COLUMN tracking_number;
ALTER TABLE requests DROP COLUMN idempotency_key;
