package catalogue

import "embed"

// files holds the checked-in schemas and examples; it is the only
// package-level state and is read-only.
//
//go:embed schemas/*.json examples/*.json
var files embed.FS
