package gateway

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/gateway/openapi"
	"github.com/accessflow/accessflow/pkg/apidesc"
	"github.com/accessflow/accessflow/pkg/auth"
)

// The document's fixed description. The license is declared here, the one place to change it.
const (
	openAPITitle       = "Accessflow"
	openAPIDescription = "Accessflow's REST API: sources and provisioning policies (policy service), " +
		"event triggers, subscriptions and deliveries (trigger-ingest), approvals and action " +
		"executions. Paths, JSON shapes and error bodies follow the reference identity-governance " +
		"API. Every call but the token endpoint needs a bearer access token (a JWT): get one with " +
		"the OAuth2 client credentials grant at POST /oauth/token, or `accessflow token`."
	openAPILicense    = "Apache-2.0"
	openAPILicenseURL = "https://www.apache.org/licenses/LICENSE-2.0"
	tokenPath         = "/oauth/token" //nolint:gosec // G101: a URL path, not a credential
)

// Security scheme names of the document.
const (
	schemeBearer = "bearerAuth"
	schemeOAuth2 = "clientCredentials"
)

// openAPIDocument completes the generated OpenAPI document (which knows only the protos) with
// what the running build knows: the info (title, this build's version, description, license),
// the security schemes and each operation's scopes as its proto declares them, and the tags
// grouped by the service that serves them.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapi.JSON, &doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	doc["info"] = map[string]any{
		"title":       openAPITitle,
		"version":     version,
		"description": openAPIDescription,
		"license":     map[string]any{"name": openAPILicense, "url": openAPILicenseURL},
	}
	rules := operationRules()
	scopes := map[string]string{}
	for _, s := range auth.NewRules().Scopes() {
		scopes[s] = "grants the operations that list it"
	}
	doc["securityDefinitions"] = map[string]any{
		schemeBearer: map[string]any{
			"type": "apiKey", "in": "header", "name": "Authorization",
			"description": "`Bearer <access token>`: a JWT from POST " + tokenPath + " or `accessflow token`",
		},
		schemeOAuth2: map[string]any{
			"type": "oauth2", "flow": "application", "tokenUrl": tokenPath, "scopes": scopes,
			"description": "OAuth2 client credentials grant (client id and secret by HTTP Basic or in the form)",
		},
	}
	doc["security"] = []any{map[string]any{schemeBearer: []any{}}, map[string]any{schemeOAuth2: []any{}}}

	used := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			op, ok := op.(map[string]any)
			if !ok {
				continue
			}
			if tags, ok := op["tags"].([]any); ok {
				for _, tag := range tags {
					used[fmt.Sprint(tag)] = true
				}
			}
			id, _ := op["operationId"].(string)
			rule, ok := rules[id]
			switch {
			case !ok:
			case rule.GetAuthenticatedOtherwise():
				op["security"] = []any{} // the RPC checks its caller itself (a signature, a secret)
			default:
				ruleScopes := make([]any, 0, len(rule.GetScopes()))
				for _, s := range rule.GetScopes() {
					ruleScopes = append(ruleScopes, s)
				}
				op["security"] = []any{map[string]any{schemeBearer: []any{}}, map[string]any{schemeOAuth2: ruleScopes}}
			}
		}
	}
	doc["tags"], doc["x-tagGroups"] = tagsInUse(doc["tags"], used)
	return json.Marshal(doc)
}

// operationRules maps the generated operationIds ("SourceService_CreateSource") to the auth
// rule of their RPC.
func operationRules() map[string]*typev1.AuthRule {
	out := map[string]*typev1.AuthRule{}
	for md := range apidesc.Methods() {
		if rule, ok := proto.GetExtension(md.Options(), typev1.E_Auth).(*typev1.AuthRule); ok && rule != nil {
			out[string(md.Parent().Name())+"_"+string(md.Name())] = rule
		}
	}
	return out
}

// tagsInUse keeps the tags (one per gRPC service) that some operation carries and groups them
// by the Accessflow service that serves them (x-tagGroups, as ReDoc reads it).
func tagsInUse(declared any, used map[string]bool) (tags, groups []any) {
	byService := map[string][]any{}
	list, _ := declared.([]any)
	for _, t := range list {
		tag, _ := t.(map[string]any)
		name, _ := tag["name"].(string)
		if !used[name] {
			continue
		}
		tags = append(tags, tag)
		service := serviceOfTag(name)
		byService[service] = append(byService[service], name)
	}
	names := make([]string, 0, len(byService))
	for s := range byService {
		names = append(names, s)
	}
	slices.Sort(names)
	for _, s := range names {
		groups = append(groups, map[string]any{"name": s, "tags": byService[s]})
	}
	return tags, groups
}

// serviceOfTag names the Accessflow service serving a gRPC service's tag, from its proto
// package: accessflow.trigger.v1 is served by trigger-ingest.
func serviceOfTag(tag string) string {
	for md := range apidesc.Methods() {
		svc := md.Parent()
		if string(svc.Name()) != tag {
			continue
		}
		pkg := strings.Split(string(svc.ParentFile().Package()), ".")
		if len(pkg) < 2 {
			break
		}
		if name, ok := servicesByPackage[pkg[1]]; ok {
			return name
		}
		return pkg[1]
	}
	return "other"
}

// servicesByPackage names the Accessflow services whose proto package is named otherwise.
var servicesByPackage = map[string]string{"trigger": "trigger-ingest", "action": "action-execution"}
