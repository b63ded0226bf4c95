package webhooks_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/services/trigger-ingest/internal/webhooks"
)

func TestSignVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	secret, other := webhooks.NewSecret(), webhooks.NewSecret()
	require.True(t, strings.HasPrefix(secret, webhooks.SecretPrefix))
	require.NotEqual(t, secret, other)
	body := []byte(`{"identity":{"id":"x"}}`)
	signed := func(ts time.Time, secrets ...string) http.Header {
		h := http.Header{}
		require.NoError(t, webhooks.SetHeaders(h, "msg_1", ts, body, secrets...))
		return h
	}

	tests := []struct {
		name    string
		header  http.Header
		body    []byte
		secrets []string
		want    error
	}{
		{"valid", signed(now, secret), body, []string{secret}, nil},
		{"either of two signatures", signed(now, other, secret), body, []string{secret}, nil},
		{"either of two secrets", signed(now, secret), body, []string{other, secret}, nil},
		{"edge of tolerance", signed(now.Add(-webhooks.Tolerance), secret), body, []string{secret}, nil},
		{"stale", signed(now.Add(-webhooks.Tolerance-time.Second), secret), body, []string{secret}, webhooks.ErrStale},
		{"future", signed(now.Add(webhooks.Tolerance+time.Second), secret), body, []string{secret}, webhooks.ErrStale},
		{"wrong secret", signed(now, other), body, []string{secret}, webhooks.ErrBadSignature},
		{"tampered body", signed(now, secret), []byte(`{"identity":{"id":"y"}}`), []string{secret}, webhooks.ErrBadSignature},
		{"no secrets", signed(now, secret), body, nil, webhooks.ErrBadSignature},
		{"missing headers", http.Header{}, body, []string{secret}, webhooks.ErrMissingHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := webhooks.Verify(tt.body, tt.header, now, tt.secrets...)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}

	t.Run("timestamp header is seconds", func(t *testing.T) {
		h := signed(now, secret)
		require.Equal(t, strconv.FormatInt(now.Unix(), 10), h.Get(webhooks.HeaderTimestamp))
		require.Len(t, strings.Fields(signed(now, secret, other).Get(webhooks.HeaderSignature)), 2)
	})
}

func TestRotation(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	keys := webhooks.Keys{{Secret: "whsec_a"}}
	require.Equal(t, []string{"whsec_a"}, keys.Live(now))
	require.True(t, keys.PreviousExpires(now).IsZero())

	keys = keys.Rotate("whsec_b", now, time.Hour)
	require.Equal(t, []string{"whsec_b", "whsec_a"}, keys.Live(now), "both during the overlap, newest first")
	require.Equal(t, now.Add(time.Hour), keys.PreviousExpires(now))
	require.Equal(t, []string{"whsec_b"}, keys.Live(now.Add(time.Hour)), "the old one ends with the overlap")

	keys = keys.Rotate("whsec_c", now.Add(2*time.Hour), 0)
	require.Equal(t, []string{"whsec_c"}, keys.Live(now.Add(2*time.Hour)), "expired keys are dropped, a zero overlap ends at once")

	b, err := keys.Marshal()
	require.NoError(t, err)
	back, err := webhooks.UnmarshalKeys(b)
	require.NoError(t, err)
	require.Equal(t, keys.Live(now), back.Live(now))
}

// FuzzVerify feeds arbitrary headers and bodies to Verify: it must never panic and must accept
// only what was signed.
func FuzzVerify(f *testing.F) {
	secret := "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	now := time.Unix(1_800_000_000, 0)
	f.Add("msg_1", "1800000000", "v1,abc", []byte(`{}`))
	f.Add("", "", "", []byte(nil))
	f.Add("msg_1", "-1", "v1,,v2 v1", []byte(`x`))
	f.Add("msg_1", "99999999999999999999", "v1,"+strings.Repeat("A", 44), []byte(`{}`))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(webhooks.HeaderID, id)
		h.Set(webhooks.HeaderTimestamp, ts)
		h.Set(webhooks.HeaderSignature, sig)
		if webhooks.Verify(body, h, now, secret) != nil {
			return
		}
		// Accepted: the header must carry the signature we would make.
		sec, err := strconv.ParseInt(ts, 10, 64)
		require.NoError(t, err)
		want, err := webhooks.Sign(id, time.Unix(sec, 0), body, secret)
		require.NoError(t, err)
		found := false
		for _, part := range strings.Split(sig, " ") {
			found = found || strings.HasPrefix(part, want)
		}
		require.True(t, found, "accepted %q without our signature %q", sig, want)
	})
}
