// Package outbound is the HTTP client of every call Accessflow makes to a user-supplied address
// (webhook subscribers, and connectors to target systems). Those addresses come from users, so
// it refuses to reach loopback, private, link-local and other internal addresses (unless an
// operator allows a network with --outbound-allow-cidrs), checking the address actually dialled
// — after DNS resolution, so a public name pointing inward is caught — and it follows no
// redirects.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// ErrForbiddenAddress reports a subscriber address in a refused network.
var ErrForbiddenAddress = errors.New("outbound: address not allowed")

// refused are the networks no subscriber may be reached at by default, beyond what
// netip.Addr's predicates cover (loopback, private, link-local, multicast, unspecified).
var refused = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64, which could reach IPv4 internals
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0/96"),  // IPv4-mapped: checked as IPv4 instead
	netip.MustParsePrefix("2002::/16"),      // 6to4, which embeds IPv4 addresses
	netip.MustParsePrefix("2001::/32"),      // Teredo, likewise
}

// Guard decides which addresses may be dialled.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a guard that refuses internal addresses except those in allow.
func NewGuard(allow ...netip.Prefix) *Guard { return &Guard{allow: allow} }

// Check returns ErrForbiddenAddress for an address the guard refuses.
func (g *Guard) Check(addr netip.Addr) error {
	addr = addr.Unmap()
	for _, p := range g.allow {
		if p.Contains(addr) {
			return nil
		}
	}
	internal := addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() || !addr.IsValid()
	for _, p := range refused {
		internal = internal || p.Contains(addr)
	}
	if internal {
		return fmt.Errorf("%w: %s is an internal address", ErrForbiddenAddress, addr)
	}
	return nil
}

// control runs after DNS resolution, on the address about to be connected to.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrForbiddenAddress, address, err)
	}
	return g.Check(ap.Addr())
}

// Dialer returns a dialer that connects only to what g allows, checked on the address about
// to be connected to (after DNS), for protocols other than HTTP (LDAP, SMTP).
func (g *Guard) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: g.control}
}

// NewClient returns an HTTP client that dials only what g allows, follows no redirects,
// ignores proxy settings (a proxy would dial on our behalf, unchecked) and gives up after
// timeout.
func NewClient(g *Guard, timeout time.Duration) *http.Client {
	dialer := g.Dialer(timeout)
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		// Every outbound call is a client span of the trace that caused it (whose ID is its
		// trackingNumber), and carries traceparent to the receiver.
		Transport: otelhttp.NewTransport(transport),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
