// Package workflows runs the workflow of a WORKFLOW subscription for one event: it reads the
// workflow's inputs from the event with JSONPath and asks the approval service for an access
// request (GRANT_RELATIONSHIPS, REVOKE_RELATIONSHIPS) or the action-execution service for an
// action flow (RUN_ACTION_CHAIN), whose recipient and requester it fills from the approval
// service's identity directory. Every run is idempotent on the event and the subscription,
// so a retried or replayed delivery starts its workflow once.
package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/jsonpath"
	"github.com/accessflow/accessflow/pkg/service"
)

// The kinds of workflow.
const (
	GrantRelationships  = "GRANT_RELATIONSHIPS"
	RevokeRelationships = "REVOKE_RELATIONSHIPS"
	RunActionChain      = "RUN_ACTION_CHAIN"
)

// The scopes of the service tokens a run calls with: just the call it makes.
const (
	scopeAccessRequests = "af:access-requests:manage"
	scopeActionFlows    = "af:action-flows:start"
	// scopeIdentities reads the approval service's identity directory (GetIdentity), for the
	// recipient and requester of a RUN_ACTION_CHAIN run.
	scopeIdentities = "af:approval-config:read"
)

// maxRelationships is what one access request may ask for.
const maxRelationships = 25

// ErrInputs marks a run whose inputs the event does not hold: retrying cannot help.
var ErrInputs = errors.New("workflow inputs")

// Validate checks a WORKFLOW subscription's config beyond what protovalidate does; field
// prefixes the names of invalid fields (e.g. "subscription.workflowConfig").
func Validate(cfg *triggerv1.WorkflowConfig, field string) error {
	if cfg.GetKind() == "" {
		return apierror.InvalidField(field+".kind", "is required: GRANT_RELATIONSHIPS, REVOKE_RELATIONSHIPS or RUN_ACTION_CHAIN")
	}
	if cfg.GetRecipientIdPath() == "" {
		return apierror.InvalidField(field+".recipientIdPath", "is required: a JSONPath selecting the recipient's identity ID from the event, e.g. $.identity.id")
	}
	paths := []struct{ name, expr string }{
		{"recipientIdPath", cfg.GetRecipientIdPath()},
		{"requesterIdPath", cfg.GetRequesterIdPath()},
		{"relationshipIdsPath", cfg.GetRelationshipIdsPath()},
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.GetInputs())) {
		paths = append(paths, struct{ name, expr string }{"inputs." + name, cfg.GetInputs()[name]})
	}
	for _, p := range paths {
		if p.expr == "" {
			continue
		}
		if _, err := jsonpath.Compile(p.expr); err != nil {
			return apierror.InvalidField(field+"."+p.name, "not a valid JSONPath: %v", err)
		}
	}
	switch cfg.GetKind() {
	case GrantRelationships, RevokeRelationships:
		if cfg.GetActionChainId() != "" || len(cfg.GetInputs()) > 0 {
			return apierror.InvalidField(field+".actionChainId", "only RUN_ACTION_CHAIN workflows run an action chain with inputs")
		}
		if len(cfg.GetRelationshipIds()) == 0 && cfg.GetRelationshipIdsPath() == "" {
			return apierror.InvalidField(field+".relationshipIds", "%s needs relationshipIds or relationshipIdsPath", cfg.GetKind())
		}
		if len(cfg.GetRelationshipMap()) > 0 && cfg.GetRelationshipIdsPath() == "" {
			return apierror.InvalidField(field+".relationshipMap", "maps what relationshipIdsPath selects: set relationshipIdsPath")
		}
	case RunActionChain:
		if cfg.GetActionChainId() == "" {
			return apierror.InvalidField(field+".actionChainId", "is required for RUN_ACTION_CHAIN")
		}
		if len(cfg.GetRelationshipIds()) > 0 || cfg.GetRelationshipIdsPath() != "" || len(cfg.GetRelationshipMap()) > 0 {
			return apierror.InvalidField(field+".relationshipIds", "only GRANT_RELATIONSHIPS and REVOKE_RELATIONSHIPS workflows name relationships")
		}
	}
	return nil
}

// Runner runs workflows through the peers.
type Runner struct {
	peers *service.Peers

	mu         sync.Mutex
	approval   approvalv1.ApprovalServiceClient
	identities approvalv1.ApprovalServiceClient
	actions    actionv1.ActionServiceClient
}

// NewRunner returns a runner calling the other services through peers.
func NewRunner(peers *service.Peers) *Runner { return &Runner{peers: peers} }

// Run is one run of a workflow: what the event is, and whose subscription.
type Run struct {
	EventID        string
	SubscriptionID string
	Config         *triggerv1.WorkflowConfig
	Payload        []byte
}

// key is the idempotency key of a run: one workflow per event and subscription.
func (r Run) key() string { return "trigger:" + r.EventID + "/" + r.SubscriptionID }

// Run starts the workflow of r and returns what it started as JSON, e.g.
// {"accessRequestId": "…", "approvalIds": ["…"]}. The caller's context carries the event's
// trackingNumber. An error wrapping ErrInputs will fail again; any other may not.
func (rn *Runner) Run(ctx context.Context, r Run) (string, error) {
	in, err := r.inputs(ctx)
	if err != nil {
		return "", err
	}
	var out any
	switch r.Config.GetKind() {
	case GrantRelationships, RevokeRelationships:
		out, err = rn.accessRequest(ctx, r, in)
	case RunActionChain:
		out, err = rn.actionFlow(ctx, r, in)
	default:
		return "", fmt.Errorf("%w: unknown workflow kind %q", ErrInputs, r.Config.GetKind())
	}
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode workflow outcome: %w", err)
	}
	return string(b), nil
}

// inputs are the values a run read from its event.
type inputs struct {
	recipient, requester string
	relationships        []string
	chain                map[string]any
}

func (r Run) inputs(ctx context.Context) (inputs, error) {
	var doc any
	if err := json.Unmarshal(r.Payload, &doc); err != nil {
		return inputs{}, fmt.Errorf("%w: decode event: %w", ErrInputs, err)
	}
	cfg := r.Config
	var in inputs
	var err error
	if in.recipient, err = first(ctx, doc, cfg.GetRecipientIdPath(), "recipientIdPath"); err != nil {
		return inputs{}, err
	}
	in.requester = in.recipient
	if cfg.GetRequesterIdPath() != "" {
		if in.requester, err = first(ctx, doc, cfg.GetRequesterIdPath(), "requesterIdPath"); err != nil {
			return inputs{}, err
		}
	}
	in.relationships = slices.Clone(cfg.GetRelationshipIds())
	if cfg.GetRelationshipIdsPath() != "" {
		vals, err := selectAll(ctx, doc, cfg.GetRelationshipIdsPath(), "relationshipIdsPath")
		if err != nil {
			return inputs{}, err
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if m := cfg.GetRelationshipMap(); len(m) > 0 {
				if s, ok = m[s]; !ok {
					continue
				}
			}
			if !slices.Contains(in.relationships, s) {
				in.relationships = append(in.relationships, s)
			}
		}
	}
	if k := cfg.GetKind(); (k == GrantRelationships || k == RevokeRelationships) && len(in.relationships) == 0 {
		return inputs{}, fmt.Errorf("%w: the event names no relationship to %s", ErrInputs, map[string]string{GrantRelationships: "grant", RevokeRelationships: "revoke"}[k])
	}
	if len(in.relationships) > maxRelationships {
		return inputs{}, fmt.Errorf("%w: %d relationships, at most %d", ErrInputs, len(in.relationships), maxRelationships)
	}
	if len(cfg.GetInputs()) > 0 {
		in.chain = map[string]any{}
		for name, expr := range cfg.GetInputs() {
			vals, err := selectAll(ctx, doc, expr, "inputs."+name)
			if err != nil {
				return inputs{}, err
			}
			if len(vals) > 0 {
				in.chain[name] = vals[0]
			}
		}
	}
	return in, nil
}

func selectAll(ctx context.Context, doc any, expr, field string) ([]any, error) {
	p, err := jsonpath.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInputs, field, err)
	}
	vals, err := p.Select(ctx, doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInputs, field, err)
	}
	return vals, nil
}

// first is the first string expr selects from doc.
func first(ctx context.Context, doc any, expr, field string) (string, error) {
	vals, err := selectAll(ctx, doc, expr, field)
	if err != nil {
		return "", err
	}
	for _, v := range vals {
		if s, ok := v.(string); ok && s != "" {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: %s %q selects no identity ID from the event", ErrInputs, field, expr)
}

func (rn *Runner) accessRequest(ctx context.Context, r Run, in inputs) (any, error) {
	c, err := rn.approvalClient()
	if err != nil {
		return nil, err
	}
	requestType := "GRANT"
	if r.Config.GetKind() == RevokeRelationships {
		requestType = "REVOKE"
	}
	resp, err := c.CreateAccessRequest(ctx, &approvalv1.CreateAccessRequestRequest{
		IdempotencyKey: r.key(),
		AccessRequest: &approvalv1.AccessRequest{
			RequestType:     requestType,
			RequesterId:     in.requester,
			RecipientId:     in.recipient,
			RelationshipIds: in.relationships,
			Comment:         "workflow " + r.Config.GetWorkflowId() + " for event " + r.EventID,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("approval CreateAccessRequest: %w", err)
	}
	req := resp.GetAccessRequest()
	return map[string]any{"workflowId": r.Config.GetWorkflowId(), "accessRequestId": req.GetId(), "approvalIds": req.GetApprovalIds()}, nil
}

func (rn *Runner) actionFlow(ctx context.Context, r Run, in inputs) (any, error) {
	c, err := rn.actionClient()
	if err != nil {
		return nil, err
	}
	recipient, err := rn.identity(ctx, in.recipient)
	if err != nil {
		return nil, err
	}
	requester := recipient
	if in.requester != in.recipient {
		if requester, err = rn.identity(ctx, in.requester); err != nil {
			return nil, err
		}
	}
	fc := &actionv1.FlowContext{Operation: "GRANT", Recipient: recipient, Requester: requester}
	if in.chain != nil {
		if fc.Inputs, err = structpb.NewStruct(in.chain); err != nil {
			return nil, fmt.Errorf("%w: inputs: %w", ErrInputs, err)
		}
	}
	resp, err := c.StartActionFlow(ctx, &actionv1.StartActionFlowRequest{
		ChainId:        r.Config.GetActionChainId(),
		IdempotencyKey: r.key(),
		Context:        fc,
	})
	if err != nil {
		return nil, fmt.Errorf("action-execution StartActionFlow: %w", err)
	}
	return map[string]any{"workflowId": r.Config.GetWorkflowId(), "actionFlowId": resp.GetFlow().GetId()}, nil
}

// identity is the identity id as the approval service's directory knows it (name, email,
// attributes), for the chain's templates and provisioning policies; an identity the directory
// does not have is its id alone.
func (rn *Runner) identity(ctx context.Context, id string) (*actionv1.Identity, error) {
	c, err := rn.identityClient()
	if err != nil {
		return nil, err
	}
	resp, err := c.GetIdentity(ctx, &approvalv1.GetIdentityRequest{Id: id})
	if status.Code(err) == codes.NotFound {
		return &actionv1.Identity{Id: id}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("approval GetIdentity %s: %w", id, err)
	}
	ident := resp.GetIdentity()
	return &actionv1.Identity{Id: id, Name: ident.GetName(), Email: ident.GetEmail(), Attributes: ident.GetAttributes()}, nil
}

func (rn *Runner) approvalClient() (approvalv1.ApprovalServiceClient, error) {
	return lazyClient(rn, &rn.approval, service.Approval, scopeAccessRequests, approvalv1.NewApprovalServiceClient)
}

func (rn *Runner) identityClient() (approvalv1.ApprovalServiceClient, error) {
	return lazyClient(rn, &rn.identities, service.Approval, scopeIdentities, approvalv1.NewApprovalServiceClient)
}

func (rn *Runner) actionClient() (actionv1.ActionServiceClient, error) {
	return lazyClient(rn, &rn.actions, service.ActionExecution, scopeActionFlows, actionv1.NewActionServiceClient)
}

// lazyClient returns *slot, first made over a connection to service name whose tokens hold
// only scope.
func lazyClient[C any](rn *Runner, slot *C, name, scope string, newClient func(grpc.ClientConnInterface) C) (C, error) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if any(*slot) == nil {
		conn, err := rn.peers.Conn(name, scope)
		if err != nil {
			var none C
			return none, err
		}
		*slot = newClient(conn)
	}
	return *slot, nil
}
