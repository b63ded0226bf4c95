// Package provisionchain is issue 9's end-to-end provisioning chain against real servers, for
// tests that drive Accessflow over its REST API (in-process or as a separate binary):
//
//	corpad_api_create_user → corpad_api_add_user_to_group → sleep 2s → email_notification →
//	gitlab_issue_create
//
// with an LDAP provider "corpad" on a real slapd (reached through a proxy that can hold the
// answer to an LDAP add, to kill the service mid-script), an SMTP provider on a real SMTP server
// and a GitLab provider on the GitLab fake. The source's CREATE provisioning policy makes the
// username from the seed's unique template, ${firstname}.${lastname}${uniqueCounter}.
// Setup creates it all through the API; Check asserts what the flow did to each target.
package provisionchain

import (
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/gitlabfake"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
	"github.com/accessflow/accessflow/internal/testserver/smtpserver"
)

// Names the chain uses.
const (
	// GroupDN is the group the chain adds the new user to.
	GroupDN = "cn=engineers," + slapd.GroupsDN
	// Username is the username the policy makes for the recipient (William Wilson) when no
	// account holds it yet.
	Username = "william.wilson"
	// UserDN is the entry the chain creates.
	UserDN = "uid=" + Username + "," + slapd.PeopleDN
	// MailTo is the recipient's address, which the notification goes to.
	MailTo         = "william.wilson@example.org"
	gitlabToken    = "glpat-provisionchain"
	smtpUser       = "mailer"
	smtpPassword   = "mailer-secret"
	sourceName     = "Corp AD"
	recipientID    = "2c91808568c529c60168cca6f90c1313"
	requesterID    = "2c91808568c529c60168cca6f90c1314"
	sleepFor       = "2s"
	trackingHeader = "X-Tracking-Number"
)

// Client calls the REST API: method, path and a JSON body (nil for none), with the given
// extra headers (name, value pairs); it answers the status and the decoded JSON body.
type Client func(method, path string, body any, header ...string) (int, map[string]any)

// Targets are the real servers the chain provisions.
type Targets struct {
	LDAP   *slapd.Server
	SMTP   *smtpserver.Server
	GitLab *gitlabfake.Server
	// Proxy is the LDAP endpoint the provider uses: it forwards to slapd and can hold the
	// answer to an add.
	Proxy *Proxy
}

// Start starts the servers and adds the group the chain fills; they stop when the test ends.
func Start(t *testing.T) *Targets {
	t.Helper()
	tg := &Targets{
		LDAP:   slapd.Start(t),
		SMTP:   smtpserver.Start(t, smtpserver.WithAuth(smtpUser, smtpPassword)),
		GitLab: gitlabfake.Start(t, gitlabToken),
	}
	conn := tg.LDAP.Conn(t)
	tg.LDAP.Add(t, conn, GroupDN, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"engineers"}, "member": {slapd.AdminDN}})
	tg.Proxy = startProxy(t, strings.TrimPrefix(tg.LDAP.URL, "ldap://"))
	return tg
}

// Chain is what Setup made.
type Chain struct {
	SourceID string
	ChainID  string
}

// policy is the source's CREATE policy: the seed's unique username, and the cn and sn an
// inetOrgPerson entry needs.
const policy = `{
  "name": "Create Account Profile",
  "usageType": "CREATE",
  "fields": [
    {"name": "userName", "type": "string", "isMultiValued": false,
     "transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
     "attributes": {"template": "${firstname}.${lastname}${uniqueCounter}", "cloudMaxUniqueChecks": "50", "cloudMaxSize": "20", "cloudRequired": "true"}},
    {"name": "cn", "type": "string", "transform": {"type": "static", "attributes": {"value": "${firstname} ${lastname}"}}},
    {"name": "sn", "type": "string", "transform": {"type": "identityAttribute", "attributes": {"name": "lastname"}}}
  ]
}`

// Setup creates the source and its CREATE policy, the three providers and the chain.
func (tg *Targets) Setup(t *testing.T, call Client) Chain {
	t.Helper()
	must := func(want int, method, path string, body any) map[string]any {
		t.Helper()
		st, out := call(method, path, body)
		require.Equal(t, want, st, "%s %s: %v", method, path, out)
		return out
	}
	source := must(http.StatusCreated, http.MethodPost, "/v3/sources", map[string]any{
		"name": sourceName, "description": "Corporate directory", "connector": "openldap", "type": "OpenLDAP - Direct",
		"owner": map[string]any{"type": "IDENTITY", "id": recipientID, "name": "William Wilson"},
	})
	sourceID := source["id"].(string)
	var pol map[string]any
	require.NoError(t, json.Unmarshal([]byte(policy), &pol))
	must(http.StatusCreated, http.MethodPost, "/v3/sources/"+sourceID+"/provisioning-policies", pol)

	must(http.StatusCreated, http.MethodPost, "/v1/action-providers", map[string]any{
		"key": "corpad", "name": "Corp AD", "kind": "LDAP", "endpoint": "ldap://" + tg.Proxy.Addr(),
		"sourceId": sourceID, "sourceName": sourceName,
		"credentials": map[string]string{"bindPassword": slapd.AdminPassword},
		"settings": map[string]any{
			"baseDN": slapd.BaseDN, "bindDN": slapd.AdminDN, "groupBaseDN": slapd.GroupsDN,
			"userDNTemplate": "uid={{.userName}}," + slapd.PeopleDN,
			"attributeMap":   map[string]any{"userName": "uid"},
		},
	})
	must(http.StatusCreated, http.MethodPost, "/v1/action-providers", map[string]any{
		"key": "mail", "name": "Corporate mail", "kind": "SMTP", "endpoint": tg.SMTP.URL,
		"credentials": map[string]string{"username": smtpUser, "password": smtpPassword},
		"settings":    map[string]any{"from": "Accessflow <noreply@example.org>", "caCertificate": string(tg.SMTP.CACertPEM)},
	})
	must(http.StatusCreated, http.MethodPost, "/v1/action-providers", map[string]any{
		"key": "gitlab", "name": "GitLab", "kind": "GITLAB", "endpoint": tg.GitLab.URL,
		"credentials": map[string]string{"token": gitlabToken},
		"settings":    map[string]any{"project": tg.GitLab.ProjectPath},
	})
	chain := must(http.StatusCreated, http.MethodPost, "/v1/action-chains", map[string]any{
		"name": "provision corp ad",
		"scripts": []any{
			map[string]any{"name": "create", "type": "corpad_api_create_user", "backoff": "0.2s"},
			map[string]any{"name": "join", "type": "corpad_api_add_user_to_group", "backoff": "0.2s", "metadata": map[string]any{"group": "engineers"}},
			map[string]any{"name": "wait", "type": "sleep", "duration": sleepFor},
			map[string]any{"name": "mail", "type": "email_notification", "provider": "mail", "backoff": "0.2s", "metadata": map[string]any{
				"to": "{{.Recipient.Email}}", "subject": "Your account {{.Scripts.create.accountId}}",
				"body": "Hello {{.Recipient.Name}}, your account {{.Scripts.create.accountId}} is in engineers ({{.TrackingNumber}}).",
			}},
			map[string]any{"name": "ticket", "type": "gitlab_issue_create", "provider": "gitlab", "backoff": "0.2s", "metadata": map[string]any{
				"title":       "Provisioned {{.Scripts.create.accountId}}",
				"description": "Flow {{.FlowID}} for {{.Recipient.Name}} ({{.TrackingNumber}}).",
				"labels":      "provisioning",
			}},
		},
	})
	return Chain{SourceID: sourceID, ChainID: chain["id"].(string)}
}

// Start starts a flow of the chain for William Wilson, with the tracking number given; it
// answers the flow's id.
func (c Chain) Start(t *testing.T, call Client, key, trackingNumber string) string {
	t.Helper()
	st, out := call(http.MethodPost, "/v1/action-flows", map[string]any{
		"chainId": c.ChainID, "idempotencyKey": key,
		"context": map[string]any{
			"operation": "GRANT",
			"recipient": map[string]any{"id": recipientID, "name": "William Wilson", "email": MailTo, "attributes": map[string]any{"firstname": "william", "lastname": "wilson"}},
			"requester": map[string]any{"id": requesterID, "name": "Rob Robertson"},
		},
	}, trackingHeader, trackingNumber)
	require.Equal(t, http.StatusAccepted, st, out)
	flow := out["flow"].(map[string]any)
	require.Equal(t, trackingNumber, flow["trackingNumber"])
	return flow["id"].(string)
}

// Flow gets a flow.
func Flow(t *testing.T, call Client, id string) map[string]any {
	t.Helper()
	st, out := call(http.MethodGet, "/v1/action-flows/"+id, nil)
	require.Equal(t, http.StatusOK, st, out)
	return out
}

// WaitFlow waits up to timeout for the flow to end and answers it.
func WaitFlow(t *testing.T, call Client, id string, timeout time.Duration) map[string]any {
	t.Helper()
	var flow map[string]any
	require.Eventually(t, func() bool {
		flow = Flow(t, call, id)
		return flow["status"] == "SUCCEEDED" || flow["status"] == "FAILED" || flow["status"] == "CANCELLED"
	}, timeout, 20*time.Millisecond, "the flow did not end within %s", timeout)
	return flow
}

// Effects are what a flow did to the targets.
type Effects struct {
	// Users are the DNs of the entries under ou=people.
	Users []string
	// Members are the group's members (the admin it was made with aside).
	Members []string
	// Mails are the messages delivered, MessageIDs their distinct Message-IDs.
	Mails      []smtpserver.Message
	MessageIDs []string
	// Issues are the GitLab project's issues.
	Issues []gitlabfake.Issue
}

// Effects searches slapd and reads what the mail server and GitLab got.
func (tg *Targets) Effects(t *testing.T) Effects {
	t.Helper()
	conn := tg.LDAP.Conn(t)
	res, err := conn.Search(goldap.NewSearchRequest(slapd.PeopleDN, goldap.ScopeSingleLevel, goldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=inetOrgPerson)", []string{"dn"}, nil))
	require.NoError(t, err)
	var e Effects
	for _, entry := range res.Entries {
		e.Users = append(e.Users, entry.DN)
	}
	group := tg.LDAP.Entry(t, conn, GroupDN)
	require.NotNil(t, group)
	for _, m := range group.GetAttributeValues("member") {
		if m != slapd.AdminDN {
			e.Members = append(e.Members, m)
		}
	}
	e.Mails = tg.SMTP.Messages()
	seen := map[string]bool{}
	for _, m := range e.Mails {
		if id := m.Header.Get("Message-Id"); !seen[id] {
			seen[id] = true
			e.MessageIDs = append(e.MessageIDs, id)
		}
	}
	e.Issues = tg.GitLab.Issues()
	return e
}

// Check asserts that the flow ended SUCCEEDED having made exactly one entry (with the
// policy's username and cn/sn), one group membership, one mail and one issue, and that the
// idn:post-provisioning event has the seeds' shape; it answers the effects.
func (tg *Targets) Check(t *testing.T, c Chain, flow, event map[string]any) Effects {
	t.Helper()
	require.Equal(t, "SUCCEEDED", flow["status"], "errors: %v", flow["errors"])
	tn := flow["trackingNumber"].(string)

	e := tg.Effects(t)
	require.Equal(t, []string{UserDN}, e.Users, "exactly one LDAP entry, named by the policy's username")
	conn := tg.LDAP.Conn(t)
	entry := tg.LDAP.Entry(t, conn, UserDN)
	require.Equal(t, []string{Username}, entry.GetAttributeValues("uid"))
	require.Equal(t, []string{"william wilson"}, entry.GetAttributeValues("cn"))
	require.Equal(t, []string{"wilson"}, entry.GetAttributeValues("sn"))
	require.Equal(t, []string{UserDN}, e.Members, "exactly one membership: the new user's")

	require.Len(t, e.MessageIDs, 1, "one distinct mail (%d delivered)", len(e.Mails))
	m := e.Mails[0]
	require.Equal(t, []string{MailTo}, m.To)
	require.Equal(t, "noreply@example.org", m.From)
	require.True(t, m.TLS, "STARTTLS")
	require.Equal(t, smtpUser, m.User, "AUTH PLAIN")
	require.Equal(t, "Your account "+UserDN, m.Header.Get("Subject"))
	from, err := m.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Name: "Accessflow", Address: "noreply@example.org"}}, from)
	to, err := m.Header.AddressList("To")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Address: MailTo}}, to)
	require.NotEmpty(t, m.Header.Get("Date"))
	require.Equal(t, tn, m.Header.Get("X-Tracking-Number"))
	parts, err := m.Parts()
	require.NoError(t, err)
	require.Contains(t, parts["text/plain"], "your account "+UserDN+" is in engineers ("+tn+")")

	require.Len(t, e.Issues, 1, "exactly one GitLab issue")
	issue := e.Issues[0]
	require.Equal(t, "Provisioned "+UserDN, issue.Title)
	require.Contains(t, issue.Description, tn)
	require.Equal(t, []string{"provisioning"}, issue.Labels)

	scripts := flow["scripts"].([]any)
	require.Len(t, scripts, 5)
	for _, s := range scripts {
		require.Equal(t, "SUCCEEDED", s.(map[string]any)["status"], s)
	}
	ticketID := issueIID(issue)
	require.EqualValues(t, issue.IID, scripts[4].(map[string]any)["output"].(map[string]any)["issueIid"], "the ticket script answers the issue")

	// The seeds' shape (000, 001): every field, with the flow's values.
	require.ElementsMatch(t, []string{"trackingNumber", "sources", "action", "errors", "warnings", "recipient", "requester", "accountRequests"}, slices.Collect(maps.Keys(event)))
	require.Equal(t, tn, event["trackingNumber"])
	require.Equal(t, sourceName, event["sources"])
	require.Equal(t, "Grant", event["action"])
	require.Equal(t, []any{}, event["errors"])
	require.Equal(t, []any{}, event["warnings"])
	require.Equal(t, map[string]any{"type": "IDENTITY", "id": recipientID, "name": "William Wilson"}, event["recipient"])
	require.Equal(t, map[string]any{"type": "IDENTITY", "id": requesterID, "name": "Rob Robertson"}, event["requester"])
	source := map[string]any{"id": c.SourceID, "type": "SOURCE", "name": sourceName}
	require.Equal(t, []any{
		map[string]any{
			"source": source, "accountId": UserDN, "accountOperation": "Create", "provisioningResult": "SUCCESS",
			"provisioningTarget": "Corp AD", "ticketId": ticketID,
			"attributeRequests": []any{
				map[string]any{"attributeName": "cn", "attributeValue": "william wilson", "operation": "Set"},
				map[string]any{"attributeName": "sn", "attributeValue": "wilson", "operation": "Set"},
				map[string]any{"attributeName": "uid", "attributeValue": Username, "operation": "Set"},
			},
		},
		map[string]any{
			"source": source, "accountId": UserDN, "accountOperation": "Modify", "provisioningResult": "SUCCESS",
			"provisioningTarget": "Corp AD", "ticketId": ticketID,
			"attributeRequests": []any{map[string]any{"attributeName": "memberOf", "attributeValue": GroupDN, "operation": "Add"}},
		},
	}, event["accountRequests"])
	return e
}

func issueIID(i gitlabfake.Issue) string { return strconv.FormatInt(i.IID, 10) }

// Proxy forwards TCP connections to slapd. Armed, it holds back the first LDAP AddResponse
// (the add is done in the directory, its answer never reaches the service) until the test
// ends or the connection closes.
type Proxy struct {
	lis      net.Listener
	upstream string
	mu       sync.Mutex
	armed    bool
	held     chan struct{}
	done     chan struct{}
	wg       sync.WaitGroup
}

func startProxy(t *testing.T, upstream string) *Proxy {
	t.Helper()
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &Proxy{lis: lis, upstream: upstream, held: make(chan struct{}), done: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		close(p.done)
		_ = lis.Close()
		p.wg.Wait()
	})
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.lis.Addr().String() }

// HoldNextAdd arms the proxy; the channel it answers is closed once an add's answer is held.
func (p *Proxy) HoldNextAdd() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = true
	return p.held
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.lis.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c)
		}()
	}
}

func (p *Proxy) forward(client net.Conn) {
	defer client.Close()
	server, err := (&net.Dialer{Timeout: 5 * time.Second}).Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer server.Close()
	clientGone := make(chan struct{})
	go func() {
		defer close(clientGone)
		_, _ = io.Copy(server, client)
		_ = server.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 && p.hold(buf[:n]) {
			// Keep the connection open, the answer withheld, until the client goes away.
			select {
			case <-p.done:
			case <-clientGone:
			}
			break
		}
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = client.Close()
	<-clientGone
}

// hold reports whether chunk, an answer from slapd, is an AddResponse to hold back now.
func (p *Proxy) hold(chunk []byte) bool {
	if !isAddResponse(chunk) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.armed {
		return false
	}
	p.armed = false
	close(p.held)
	return true
}

// isAddResponse reads the protocol op of the LDAPMessage chunk starts with:
// SEQUENCE { messageID INTEGER, protocolOp } with AddResponse = [APPLICATION 9] (0x69).
func isAddResponse(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	i := 2
	if b[1]&0x80 != 0 {
		i += int(b[1] & 0x7f)
	}
	if i+2 > len(b) || b[i] != 0x02 {
		return false
	}
	i += 2 + int(b[i+1])
	return i < len(b) && b[i] == 0x69
}

// Subscriber is an HTTP subscriber of idn:post-provisioning on loopback.
type Subscriber struct {
	*httptest.Server
	got chan map[string]any
}

// Subscribe starts a subscriber and subscribes it (SYNC) to idn:post-provisioning.
func Subscribe(t *testing.T, call Client) *Subscriber {
	t.Helper()
	s := &Subscriber{got: make(chan map[string]any, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var event map[string]any
		if err := json.NewDecoder(r.Body).Decode(&event); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.got <- event
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	st, out := call(http.MethodPost, "/beta/trigger-subscriptions", map[string]any{
		"name": "post-provisioning", "triggerId": "idn:post-provisioning", "type": "HTTP",
		"httpConfig": map[string]any{"url": s.URL, "httpDispatchMode": "SYNC"},
	})
	require.Equal(t, http.StatusCreated, st, out)
	return s
}

// Next answers the next event delivered, failing the test after timeout.
func (s *Subscriber) Next(t *testing.T, timeout time.Duration) map[string]any {
	t.Helper()
	select {
	case e := <-s.got:
		return e
	case <-time.After(timeout):
		t.Fatalf("no idn:post-provisioning delivered within %s", timeout)
		return nil
	}
}

// Pending answers how many more events were delivered and not read.
func (s *Subscriber) Pending() int { return len(s.got) }
