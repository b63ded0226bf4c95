package actionexecution_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/internal/testserver/provisionchain"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

// TestProvisioningChainSurvivesSIGKILL runs issue 9's chain (LDAP create → LDAP group → sleep
// 2s → email → GitLab issue) on the real binary against slapd, an SMTP server and the GitLab
// fake, and SIGKILLs the process twice: first while the LDAP add is done in slapd but its
// answer held back (the service never learns it succeeded), then while the flow sleeps. After
// the last restart the flow must complete within 30 s with exactly one LDAP entry, one group
// membership, one mail (one Message-ID) and one GitLab issue, and idn:post-provisioning must
// be published once with the seeds' shape.
func TestProvisioningChainSurvivesSIGKILL(t *testing.T) {
	bin := accessflowBinary(t)

	t.Run("sqlite", func(t *testing.T) { killChain(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) {
		url := storagetest.NewPostgresDatabase(t, "killchain", nil, func(context.Context, string) error { return nil })
		killChain(t, bin, []string{"--database-url", url, "--secret-keys", "test=" + strings.Repeat("cd", 32)})
	})
}

func killChain(t *testing.T, bin string, extra []string) {
	targets := provisionchain.Start(t)
	d := newDeployment(t, bin, extra)
	sub := provisionchain.Subscribe(t, d.call)
	chain := targets.Setup(t, d.call)
	held := targets.Proxy.HoldNextAdd()
	const tn = "9a8b7c6d5e4f30211203f4e5d6c7b8a9"
	flowID := chain.Start(t, d.call, "kill-chain-1", tn)

	// Kill 1: slapd made the entry; its answer never reached the service.
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("the LDAP add never arrived")
	}
	require.Len(t, targets.Effects(t).Users, 1, "the entry exists before the kill")
	d.kill()
	restarted := time.Now()
	d.run()

	// Kill 2: while the flow sleeps.
	require.Eventually(t, func() bool { return provisionchain.Flow(t, d.call, flowID)["status"] == "WAITING" }, 60*time.Second, 20*time.Millisecond, "the create and group scripts never finished after the first restart")
	t.Logf("after the kill during the LDAP add, the flow reached the sleep %s after the restart", time.Since(restarted).Round(time.Millisecond))
	d.kill()
	restarted = time.Now()
	d.run()
	flow := provisionchain.WaitFlow(t, d.call, flowID, 30*time.Second)
	t.Logf("after the kill during the sleep, the flow completed %s after the restart", time.Since(restarted).Round(time.Millisecond))

	event := sub.Next(t, 30*time.Second)
	effects := targets.Check(t, chain, flow, event)
	t.Logf("mails delivered: %d, distinct Message-IDs: %d", len(effects.Mails), len(effects.MessageIDs))
	create := flow["scripts"].([]any)[0].(map[string]any)
	require.GreaterOrEqual(t, create["attempts"], 2.0, "the create ran again after the kill")
	require.Zero(t, sub.Pending(), "idn:post-provisioning is published once")
}
