package catalogue

import (
	"testing"
)

// BenchmarkValidateInput measures the hot path: one valid event for the
// busiest FIRE_AND_FORGET trigger.
func BenchmarkValidateInput(b *testing.B) {
	c := newCatalogue(b)
	payload := exampleInput(b, c, "idn:identity-attributes-changed")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ValidateInput("idn:identity-attributes-changed", payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateInputInvalid measures the failure path, which also
// builds the violation list.
func BenchmarkValidateInputInvalid(b *testing.B) {
	c := newCatalogue(b)
	payload := decode(b, `{"identity":{"id":"i","type":"USER"},"changes":[{"oldValue":1},{"attribute":"a","newValue":[1]}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ValidateInput("idn:identity-attributes-changed", payload); err == nil {
			b.Fatal("invalid payload accepted")
		}
	}
}

// BenchmarkValidateInputLarge validates the largest example
// (idn:account-updated) to show how cost grows with payload size.
func BenchmarkValidateInputLarge(b *testing.B) {
	c := newCatalogue(b)
	payload := exampleInput(b, c, "idn:account-updated")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ValidateInput("idn:account-updated", payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures start-up: loading and compiling every schema.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}
