// Package outbound is the HTTP client of every call Accessflow makes to a user-supplied address
// (webhook subscribers, and connectors to target systems). Those addresses come from users, so
// it refuses to reach loopback, private, link-local and other internal addresses (unless an
// operator allows a network with --outbound-allow-cidrs), checking the address actually dialled
// — after DNS resolution, so a public name pointing inward is caught — and it follows no
// redirects.
package outbound

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
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
	if r := rule(addr); r != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, addr, r)
	}
	return nil
}

// rule names why addr is refused, or is "" for a public address.
func rule(addr netip.Addr) string {
	switch {
	case !addr.IsValid():
		return "not a valid address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		return "a private address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address (where cloud metadata services answer)"
	case addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast(), addr.IsMulticast():
		return "a multicast address"
	case addr.IsUnspecified():
		return "the unspecified address"
	}
	for _, p := range refused {
		if p.Contains(addr) {
			return "in the reserved network " + p.String()
		}
	}
	return ""
}

// errNoDNS keeps CheckHost's resolver to the hosts file.
var errNoDNS = errors.New("outbound: no DNS at create time")

// localResolver resolves names from the hosts file only: no query leaves the machine.
var localResolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) { return nil, errNoDNS }}

// CheckHost refuses a subscriber host that can never be reached: a literal address the guard
// refuses, or a name the hosts file (localhost, *.localhost included) maps only to such
// addresses. Names left to DNS pass here, so that saving a subscription does not depend on
// DNS; the check at dial time, after resolution, still refuses them.
func (g *Guard) CheckHost(ctx context.Context, host string) error {
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return g.Check(addr)
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return g.Check(netip.AddrFrom4([4]byte{127, 0, 0, 1}))
	}
	addrs, err := localResolver.LookupNetIP(ctx, "ip", name)
	if err != nil || len(addrs) == 0 {
		return nil
	}
	var first error
	for _, a := range addrs {
		err := g.Check(a)
		if err == nil {
			return nil
		}
		first = cmp.Or(first, err)
	}
	return fmt.Errorf("%s resolves only to refused addresses: %w", host, first)
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
