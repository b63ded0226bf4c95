package catalogue

import "github.com/santhosh-tekuri/jsonschema/v6"

// Catalogue is the loaded, compiled set of triggers. It is immutable after
// New and safe for concurrent use.
type Catalogue struct {
	byID map[string]*entry
	ids  []string // sorted, for List
}

// entry pairs a trigger with its compiled schemas; output is nil for
// FIRE_AND_FORGET triggers.
type entry struct {
	trigger Trigger
	input   *jsonschema.Schema
	output  *jsonschema.Schema
}

// New loads and compiles every embedded schema. It fails if any file is
// missing, malformed or inconsistent with the trigger's type, so a bad
// catalogue stops the service at start-up instead of at the first event.
func New() (*Catalogue, error) {
	return load(files, definitions())
}

// List returns every trigger sorted by id. The slice and its examples are
// copies the caller may modify.
func (c *Catalogue) List() []Trigger {
	out := make([]Trigger, 0, len(c.ids))
	for _, id := range c.ids {
		out = append(out, c.byID[id].trigger.clone())
	}
	return out
}

// Get returns the trigger with the given id, if the catalogue has it.
func (c *Catalogue) Get(id string) (Trigger, bool) {
	e, ok := c.byID[id]
	if !ok {
		return Trigger{}, false
	}
	return e.trigger.clone(), true
}
