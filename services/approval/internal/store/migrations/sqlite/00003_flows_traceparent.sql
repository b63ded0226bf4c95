-- +goose Up
-- The W3C traceparent of the call that filed a flow's access request: every job the flow causes
-- later (decisions, timers, escalations, expiry, reviews) is that span's child, so a request's
-- trace is one tree. Flows filed before have none: their jobs are children of their cause.
ALTER TABLE flows ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE flows DROP COLUMN traceparent;
