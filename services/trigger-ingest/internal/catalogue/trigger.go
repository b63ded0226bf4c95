package catalogue

import (
	"encoding/json"
	"slices"
)

// Type says whether a trigger expects a reply from its subscriber.
type Type string

// The two trigger types the reference API defines.
const (
	// FireAndForget triggers deliver the event and expect no reply, so they
	// have no output schema.
	FireAndForget Type = "FIRE_AND_FORGET"
	// RequestResponse triggers wait for the subscriber's reply, which must
	// match the trigger's output schema.
	RequestResponse Type = "REQUEST_RESPONSE"
)

// Trigger describes one trigger the way the reference list-triggers
// endpoint does, so it can be serialised as-is. The schemas are JSON text
// rather than decoded values because the reference returns them as
// JSON-encoded strings.
type Trigger struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        Type   `json:"type"`
	Description string `json:"description"`
	// InputSchema is the compact JSON Schema of the event payload.
	InputSchema  string          `json:"inputSchema"`
	ExampleInput json.RawMessage `json:"exampleInput"`
	// OutputSchema and ExampleOutput are empty for FireAndForget triggers.
	OutputSchema  string          `json:"outputSchema,omitempty"`
	ExampleOutput json.RawMessage `json:"exampleOutput,omitempty"`
}

// clone returns a copy that shares no mutable memory with t, so callers of
// List and Get cannot alter the catalogue through the example byte slices.
func (t Trigger) clone() Trigger {
	t.ExampleInput = slices.Clone(t.ExampleInput)
	t.ExampleOutput = slices.Clone(t.ExampleOutput)
	return t
}
