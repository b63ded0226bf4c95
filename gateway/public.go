package gateway

// PublicRoutes lists, in one place, the gateway's HTTP routes that take no bearer token, and how
// each authenticates instead. RPCs that authenticate their callers another way are marked in
// their proto (authenticated_otherwise) and listed by auth.Exempt for gRPC infrastructure.
var PublicRoutes = map[string]string{
	"GET /healthz":               "liveness only; reveals nothing",
	"GET /readyz":                "readiness of each service; reveals only serving status",
	"GET /openapi.json":          "the public API description",
	"POST /oauth/token":          "client credentials (HTTP Basic or form), argon2id-verified",
	"GET /.well-known/jwks.json": "public keys only",
}

// CustomRoutes are REST routes served by gateway code rather than generated from the protos
// (e.g. merging every service's audit log). They take bearer tokens like every generated route,
// and the auth tests read this list to cover them.
var CustomRoutes = []string{
	"GET /v1/audit-events",
	"GET /v1/tracking/{trackingNumber}",
}
