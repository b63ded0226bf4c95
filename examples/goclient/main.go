// Command goclient walks through Accessflow's gRPC API with the generated Go client (module
// github.com/accessflow/accessflow/api): it gets a token with the OAuth2 client credentials
// grant, creates a source, puts the seed provisioning policy, evaluates it, subscribes a webhook
// to Identity Attributes Changed events with a filter, publishes the seed event and reads the
// delivery history. Every answer's trackingNumber (x-tracking-number metadata) is printed.
//
//	go run ./examples/goclient --credentials data/admin-client.json --subscriber-url http://127.0.0.1:9999/hooks
//
// Flags are also read from ACCESSFLOW_* environment variables (--policy-addr ↔
// ACCESSFLOW_POLICY_ADDR), the same names `accessflow serve` uses. The subscriber URL must be
// reachable by the suite (loopback needs `accessflow serve --outbound-allow-cidrs 127.0.0.0/8`).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/peterbourgon/ff/v3"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
)

// TrackingNumberKey is the metadata key every answer carries its trackingNumber in; send it
// to choose one (32 lowercase hex digits).
const TrackingNumberKey = "x-tracking-number"

// IdentityAttributesChanged is the trigger the example subscribes to.
const IdentityAttributesChanged = "idn:identity-attributes-changed"

// SeedPolicy is the seed's PUT example (Update Provisioning Policy by UsageType), verbatim: the
// reference API's JSON is the proto's JSON.
const SeedPolicy = `{
  "name": "example provisioning policy for inactive identities",
  "description": "this provisioning policy creates access based on an identity going inactive",
  "usageType": "CREATE",
  "fields": [
    {
      "name": "userName",
      "transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
      "attributes": {
        "template": "${firstname}.${lastname}${uniqueCounter}",
        "cloudMaxUniqueChecks": "50",
        "cloudMaxSize": "20",
        "cloudRequired": "true"
      },
      "type": "string",
      "isMultiValued": false
    }
  ]
}`

// SeedEvent is the seed's Identity Attributes Changed example event.
const SeedEvent = `{
  "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
  "changes": [
    {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
    {"attribute": "manager",
     "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
     "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"}},
    {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}
  ]
}`

// Config says where the suite is and who calls it.
type Config struct {
	TokenURL          string
	ClientID          string
	ClientSecret      string
	PolicyAddr        string // accessflow serve --policy-addr
	TriggerIngestAddr string // accessflow serve --trigger-ingest-addr
	SubscriberURL     string // where the subscription posts events
}

// Result is what the walk-through created and read.
type Result struct {
	Source       *policyv1.Source
	Policy       *policyv1.ProvisioningPolicy
	Evaluation   *policyv1.EvaluateProvisioningPolicyResponse
	Subscription *triggerv1.Subscription
	Event        *triggerv1.PublishEventResponse
	Delivery     *triggerv1.Delivery
	// TrackingNumbers holds the x-tracking-number each step was answered with, by step.
	TrackingNumbers map[string]string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	_, err = Run(ctx, cfg, os.Stdout)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("goclient", flag.ContinueOnError)
	credentials := fs.String("credentials", "", "the admin-client.json the suite's first start wrote (client_id, client_secret, token_url)")
	fs.StringVar(&cfg.TokenURL, "token-url", "http://localhost:8080/oauth/token", "OAuth2 token endpoint")
	fs.StringVar(&cfg.ClientID, "client-id", "", "OAuth2 client ID")
	fs.StringVar(&cfg.ClientSecret, "client-secret", "", "OAuth2 client secret")
	fs.StringVar(&cfg.PolicyAddr, "policy-addr", "localhost:9091", "policy service gRPC address")
	fs.StringVar(&cfg.TriggerIngestAddr, "trigger-ingest-addr", "localhost:9092", "trigger-ingest service gRPC address")
	fs.StringVar(&cfg.SubscriberURL, "subscriber-url", "", "webhook URL the subscription delivers to")
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("ACCESSFLOW")); err != nil {
		return Config{}, err
	}
	if *credentials != "" {
		b, err := os.ReadFile(*credentials)
		if err != nil {
			return Config{}, err
		}
		var c struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			TokenURL     string `json:"token_url"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return Config{}, fmt.Errorf("%s: %w", *credentials, err)
		}
		cfg.ClientID, cfg.ClientSecret, cfg.TokenURL = c.ClientID, c.ClientSecret, c.TokenURL
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.SubscriberURL == "" {
		return Config{}, errors.New("--credentials (or --client-id and --client-secret) and --subscriber-url are required")
	}
	return cfg, nil
}

// TokenSource gets and renews tokens with the client credentials grant.
func TokenSource(ctx context.Context, cfg Config, scopes ...string) oauth2.TokenSource {
	cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL, Scopes: scopes}
	return cc.TokenSource(ctx)
}

// bearer puts a token from the source on every call. Unlike grpc/credentials/oauth.TokenSource
// it also works on plaintext loopback connections; over the network, use TLS and oauth.TokenSource.
type bearer struct{ ts oauth2.TokenSource }

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	tok, err := b.ts.Token()
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": "Bearer " + tok.AccessToken}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }

// Dial connects to one service over plaintext gRPC, with a token from ts on every call (none
// when ts is nil).
func Dial(addr string, ts oauth2.TokenSource) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if ts != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{ts}))
	}
	return grpc.NewClient(addr, opts...)
}

// Run walks through the API, printing each step to out.
func Run(ctx context.Context, cfg Config, out io.Writer) (*Result, error) {
	ts := TokenSource(ctx, cfg)
	policyConn, err := Dial(cfg.PolicyAddr, ts)
	if err != nil {
		return nil, err
	}
	defer policyConn.Close()
	triggerConn, err := Dial(cfg.TriggerIngestAddr, ts)
	if err != nil {
		return nil, err
	}
	defer triggerConn.Close()
	sources := policyv1.NewSourceServiceClient(policyConn)
	policies := policyv1.NewProvisioningPolicyServiceClient(policyConn)
	events := triggerv1.NewEventServiceClient(triggerConn)
	subscriptions := triggerv1.NewSubscriptionServiceClient(triggerConn)

	res := &Result{TrackingNumbers: map[string]string{}}
	// header collects a step's response metadata; its x-tracking-number is recorded.
	var md metadata.MD
	header := grpc.Header(&md)
	record := func(step string) {
		res.TrackingNumbers[step] = first(md, TrackingNumberKey)
		fmt.Fprintf(out, "%-22s trackingNumber %s\n", step, res.TrackingNumbers[step])
	}

	created, err := sources.CreateSource(ctx, &policyv1.CreateSourceRequest{Source: &policyv1.Source{
		Name:      "Corp LDAP",
		Connector: "openldap",
		Owner:     &typev1.Reference{Type: "IDENTITY", Id: "2c91808568c529c60168cca6f90c1313", Name: "William Wilson"},
		Features:  []string{"PROVISIONING"},
	}}, header)
	if err != nil {
		return nil, fmt.Errorf("create source: %w", err)
	}
	res.Source = created.GetSource()
	record("create source")

	// PUT replaces a policy, so there is one to replace first.
	initial := &policyv1.ProvisioningPolicy{Name: "Account", UsageType: "CREATE", Fields: []*policyv1.FieldDetails{{
		Name:      "displayName",
		Transform: mustStruct(map[string]any{"type": "identityAttribute", "attributes": map[string]any{"name": "displayName"}}),
	}}}
	if _, err := policies.CreateProvisioningPolicy(ctx, &policyv1.CreateProvisioningPolicyRequest{SourceId: res.Source.GetId(), Policy: initial}); err != nil {
		return nil, fmt.Errorf("create policy: %w", err)
	}
	seed := &policyv1.ProvisioningPolicy{}
	if err := protojson.Unmarshal([]byte(SeedPolicy), seed); err != nil {
		return nil, fmt.Errorf("seed policy: %w", err)
	}
	replaced, err := policies.ReplaceProvisioningPolicy(ctx, &policyv1.ReplaceProvisioningPolicyRequest{
		SourceId: res.Source.GetId(), UsageType: "CREATE", Policy: seed,
	}, header)
	if err != nil {
		return nil, fmt.Errorf("put seed policy: %w", err)
	}
	res.Policy = replaced.GetPolicy()
	record("put policy")

	res.Evaluation, err = policies.EvaluateProvisioningPolicy(ctx, &policyv1.EvaluateProvisioningPolicyRequest{
		SourceId:  res.Source.GetId(),
		UsageType: "CREATE",
		Identity: &policyv1.EvaluationIdentity{
			Id:         "2c9180835d191a86015d28455b4a2329",
			Name:       "John Smith",
			Attributes: mustStruct(map[string]any{"firstname": "John", "lastname": "Smith"}),
		},
	}, header)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	record("evaluate")
	fmt.Fprintf(out, "%-22s %v\n", "", res.Evaluation.GetAttributes().AsMap())

	sub, err := subscriptions.CreateSubscription(ctx, &triggerv1.CreateSubscriptionRequest{Subscription: &triggerv1.Subscription{
		Name:       "department changes",
		TriggerId:  IdentityAttributesChanged,
		Type:       "HTTP",
		HttpConfig: &triggerv1.HttpConfig{Url: cfg.SubscriberURL},
		Filter:     "$.changes[?(@.attribute == 'department')]",
	}}, header)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	res.Subscription = sub.GetSubscription()
	record("subscribe")

	event := &structpb.Struct{}
	if err := protojson.Unmarshal([]byte(SeedEvent), event); err != nil {
		return nil, fmt.Errorf("seed event: %w", err)
	}
	res.Event, err = events.PublishEvent(ctx, &triggerv1.PublishEventRequest{
		TriggerId: IdentityAttributesChanged, Event: event, IdempotencyKey: "goclient-seed-1",
	}, header)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	record("publish event")

	// Delivery is asynchronous (a River job): poll the history until it is done.
	filter := fmt.Sprintf("eventId eq %q", res.Event.GetId())
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for res.Delivery == nil {
		list, err := events.ListDeliveries(ctx, &triggerv1.ListDeliveriesRequest{Filters: filter}, header)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		for _, d := range list.GetDeliveries() {
			if d.GetStatus() == "SUCCEEDED" || d.GetStatus() == "FAILED" {
				res.Delivery = d
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the delivery: %w", ctx.Err())
		case <-tick.C:
		}
	}
	record("delivery history")
	fmt.Fprintf(out, "%-22s %s after %d attempt(s)\n", "", res.Delivery.GetStatus(), len(res.Delivery.GetAttempts()))
	return res, nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}
