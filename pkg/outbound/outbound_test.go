package outbound_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/accessflow/accessflow/pkg/outbound"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGuard(t *testing.T) {
	t.Parallel()
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	tests := []struct {
		addr    string
		allow   []netip.Prefix
		refused bool
	}{
		{"93.184.216.34", nil, false},
		{"2606:2800:220:1:248:1893:25c8:1946", nil, false},
		{"127.0.0.1", nil, true},
		{"127.0.0.1", []netip.Prefix{loopback}, false},
		{"::1", []netip.Prefix{loopback}, true},
		{"::ffff:127.0.0.1", nil, true},
		{"::ffff:127.0.0.1", []netip.Prefix{loopback}, false},
		{"10.1.2.3", nil, true},
		{"172.16.0.1", nil, true},
		{"192.168.1.1", nil, true},
		{"169.254.169.254", nil, true},
		{"fe80::1", nil, true},
		{"fd00::1", nil, true},
		{"0.0.0.0", nil, true},
		{"::", nil, true},
		{"100.64.0.1", nil, true},
		{"224.0.0.1", nil, true},
		{"255.255.255.255", nil, true},
		{"64:ff9b::7f00:1", nil, true},
		{"2002:7f00:1::", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			err := outbound.NewGuard(tt.allow...).Check(netip.MustParseAddr(tt.addr))
			if tt.refused {
				require.ErrorIs(t, err, outbound.ErrForbiddenAddress)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	get := func(c *http.Client, path string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, http.NoBody)
		require.NoError(t, err)
		return c.Do(req)
	}

	refusing := outbound.NewClient(outbound.NewGuard(), time.Second)
	defer refusing.CloseIdleConnections()
	resp, err := get(refusing, "/")
	if err == nil {
		require.NoError(t, resp.Body.Close())
	}
	require.ErrorIs(t, err, outbound.ErrForbiddenAddress, "loopback is refused after resolution")

	allowing := outbound.NewClient(outbound.NewGuard(netip.MustParsePrefix("127.0.0.0/8")), time.Second)
	defer allowing.CloseIdleConnections()
	resp, err = get(allowing, "/")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	resp, err = get(allowing, "/redirect")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusFound, resp.StatusCode, "redirects are not followed")

	// A name that resolves to loopback is refused too: the check runs on the dialled address.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), http.NoBody)
	require.NoError(t, err)
	resp, err = refusing.Do(req)
	if err == nil {
		require.NoError(t, resp.Body.Close())
	}
	require.ErrorIs(t, err, outbound.ErrForbiddenAddress)
}

func TestDialer(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()

	_, err = outbound.NewGuard().Dialer(time.Second).DialContext(t.Context(), "tcp", lis.Addr().String())
	require.ErrorIs(t, err, outbound.ErrForbiddenAddress, "loopback is refused")

	conn, err := outbound.NewGuard(netip.MustParsePrefix("127.0.0.0/8")).Dialer(time.Second).DialContext(t.Context(), "tcp", lis.Addr().String())
	require.NoError(t, err)
	require.NoError(t, conn.Close())
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	strict := outbound.NewGuard()
	loopbackAllowed := outbound.NewGuard(netip.MustParsePrefix("127.0.0.0/8"))
	for _, tt := range []struct {
		host  string
		guard *outbound.Guard
		rule  string // "" allowed
	}{
		{"127.0.0.1", strict, "loopback"},
		{"[::1]", strict, "loopback"},
		{"localhost", strict, "loopback"},
		{"hooks.localhost", strict, "loopback"},
		{"10.0.0.1", strict, "private"},
		{"169.254.169.254", strict, "link-local"},
		{"0.0.0.0", strict, "unspecified"},
		{"203.0.113.7", strict, ""},
		// Left to DNS, which is not asked at create time: checked when dialled.
		{"hooks.example.invalid", strict, ""},
		{"127.0.0.1", loopbackAllowed, ""},
		{"localhost", loopbackAllowed, ""},
	} {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			err := tt.guard.CheckHost(t.Context(), tt.host)
			if tt.rule == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, outbound.ErrForbiddenAddress)
			require.ErrorContains(t, err, tt.rule)
		})
	}
}
