package telemetry

import "go.opentelemetry.io/otel/attribute"

// Attribute keys Accessflow puts on spans, in one place so that every service names them alike.
const (
	// AttrTrackingNumber is the request's trackingNumber.
	AttrTrackingNumber = attribute.Key("accessflow.tracking_number")
)
