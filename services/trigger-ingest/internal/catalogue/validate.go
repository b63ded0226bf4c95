package catalogue

import (
	"errors"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateInput checks an event payload against the trigger's input
// schema. payload must be a JSON-decoded value (map[string]any, []any,
// string, float64 or json.Number, bool or nil). It returns nil, an error
// wrapping ErrUnknownTrigger, or a *ValidationError.
func (c *Catalogue) ValidateInput(triggerID string, payload any) error {
	e, ok := c.byID[triggerID]
	if !ok {
		return fmt.Errorf("catalogue: trigger %q: %w", triggerID, ErrUnknownTrigger)
	}
	return validate(e.input, triggerID, Input, payload)
}

// ValidateOutput checks a REQUEST_RESPONSE subscriber's reply against the
// trigger's output schema. FIRE_AND_FORGET triggers take no reply, so for
// them it returns an error wrapping ErrNoOutputSchema.
func (c *Catalogue) ValidateOutput(triggerID string, payload any) error {
	e, ok := c.byID[triggerID]
	if !ok {
		return fmt.Errorf("catalogue: trigger %q: %w", triggerID, ErrUnknownTrigger)
	}
	if e.output == nil {
		return fmt.Errorf("catalogue: trigger %q is %s: %w", triggerID, e.trigger.Type, ErrNoOutputSchema)
	}
	return validate(e.output, triggerID, Output, payload)
}

func validate(sch *jsonschema.Schema, triggerID string, d Direction, payload any) error {
	err := sch.Validate(payload)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("catalogue: validate %s %s: %w", triggerID, d, err)
	}
	vs := violationsOf(verr)
	out := &ValidationError{TriggerID: triggerID, Direction: d, Violations: vs}
	if len(vs) > maxViolations {
		out.Violations, out.Omitted = vs[:maxViolations:maxViolations], len(vs)-maxViolations
	}
	return out
}
