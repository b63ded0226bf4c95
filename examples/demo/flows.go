package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/accessflow/accessflow/internal/scenario"
	"github.com/accessflow/accessflow/internal/testserver/slapd"
)

// The flows --flow runs; each answers the trackingNumber whose timeline is shown.
const flowAccessRequest = "access-request"

var (
	flowNames = []string{flowAccessRequest, "joiner", "mover", "leaver", "expiry"}
	flows     = map[string]func(*runner, *scenario.Client) string{
		flowAccessRequest: accessRequest,
		"joiner":          joiner,
		"mover":           mover,
		"leaver":          leaver,
		"expiry":          expiry,
	}
)

// accessRequest is flow 1.
func accessRequest(r *runner, client *scenario.Client) string {
	w := scenario.SetUp(r, client)
	r.Logf("slapd at %s, SMTP at %s; source Corp AD %s", w.LDAP.URL, w.Mail.URL, w.Source)
	provisioned := scenario.NewSubscriber(r)
	w.Must(r, http.MethodPost, "/beta/trigger-subscriptions", scenario.JSONOf(r, map[string]any{
		"name": "demo post-provisioning", "triggerId": "idn:post-provisioning", "type": "HTTP",
		"httpConfig": map[string]any{"url": provisioned.URL, "httpDispatchMode": "SYNC"},
	}), http.StatusCreated)
	rel := w.Relationship(r, "")

	flowID, tn := w.RequestAndApprove(r, rel)
	r.Logf("access request filed and approved (manager, then 2 of 3): approval %s, trackingNumber %s", flowID, tn)
	ev := provisioned.Await(r, "idn:post-provisioning", func(d scenario.Delivery) bool { return d.Header.Get("X-Tracking-Number") == tn }).JSON(r)
	logReport(r, ev)
	for _, m := range w.Mail.Messages() {
		r.Logf("mail to %s: %q", strings.Join(m.To, ", "), m.Header.Get("Subject"))
	}
	return tn
}

// lifecycle sets up flows 2 to 4 and runs the joiner.
func lifecycle(r *runner, client *scenario.Client) (*scenario.Lifecycle, string) {
	l := scenario.SetUpLifecycle(r, client)
	r.Logf("slapd at %s, SCIM at %s, SMTP at %s, GitLab fake at %s; sources Corp AD %s, Corp SaaS %s", l.LDAP.URL, l.SCIM.URL, l.Mail.URL, l.GitLab.URL, l.CorpAD, l.SaaS)
	report, tn := l.Join(r)
	r.Logf("joiner: the HR system posted idn:identity-created for john.doe (twice, one Idempotency-Key), trackingNumber %s", tn)
	logReport(r, report)
	for _, m := range l.Mail.Messages() {
		r.Logf("mail to %s: %q", strings.Join(m.To, ", "), m.Header.Get("Subject"))
	}
	r.Logf("sales: %v", l.Group(r, "sales"))
	return l, tn
}

// joiner is flow 2.
func joiner(r *runner, client *scenario.Client) string {
	_, tn := lifecycle(r, client)
	return tn
}

// mover is flow 3.
func mover(r *runner, client *scenario.Client) string {
	l, _ := lifecycle(r, client)
	reports, tn := l.Move(r)
	r.Logf("mover: the HR system posted the seed's identity-attributes-changed (sales → marketing, manager, email), trackingNumber %s", tn)
	for _, what := range []string{"revoke", "grant", "update"} {
		r.Logf("%s:", what)
		logReport(r, reports[what])
	}
	scenario.Eventually(r, "john leaves sales", func() bool { return !scenario.Contains(l.Group(r, "sales"), scenario.JohnDN) })
	r.Logf("sales: %v; marketing: %v", l.Group(r, "sales"), l.Group(r, "marketing"))
	return tn
}

// leaver is flow 4.
func leaver(r *runner, client *scenario.Client) string {
	l, _ := lifecycle(r, client)
	report, tn := l.Leave(r)
	r.Logf("leaver: the HR system posted cloudLifecycleState active → terminated, trackingNumber %s", tn)
	logReport(r, report)
	issues := l.GitLab.Issues()
	for i := range issues {
		r.Logf("GitLab issue #%d %q:\n%s", issues[i].IID, issues[i].Title, issues[i].Description)
	}
	return tn
}

// expiry is flow 5 with a 3-second grant.
func expiry(r *runner, client *scenario.Client) string {
	w := scenario.SetUp(r, client)
	rel := w.Relationship(r, "3s")
	flowID, tn := w.RequestAndApprove(r, rel)
	r.Logf("access request approved (approval %s, trackingNumber %s); the grant expires after 3s", flowID, tn)
	const dn = "uid=alice.smith," + slapd.PeopleDN
	scenario.Eventually(r, "provisioned into sales", func() bool { return scenario.Contains(w.SalesMembers(r), dn) })
	began := time.Now()
	r.Logf("%s is in sales", dn)
	scenario.Eventually(r, "removed from sales on expiry", func() bool { return !scenario.Contains(w.SalesMembers(r), dn) })
	r.Logf("%s removed from sales %s later", dn, time.Since(began).Round(time.Millisecond))
	return tn
}

func logReport(r *runner, ev map[string]any) {
	for _, a := range scenario.AccountRequests(ev, "") {
		r.Logf("  %s %s on %s: %s", a["accountOperation"], a["accountId"], a["provisioningTarget"], a["provisioningResult"])
	}
	for _, a := range scenario.AttributeRequests(ev) {
		r.Logf("    %s", a)
	}
}
