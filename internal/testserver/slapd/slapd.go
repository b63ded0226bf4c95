// Package slapd runs a real OpenLDAP slapd for tests: its own slapd.conf and MDB database in
// t.TempDir(), listening on a free loopback port for ldap:// (with StartTLS) and ldaps://, with
// the core, cosine, nis and inetorgperson schemas, the ppolicy overlay (account locking after
// three failed binds, cleartext passwords hashed on the way in), a base DN with ou=people and
// ou=groups, and an admin. It stops slapd when the test ends.
//
// slapd must be installed (Debian: apt-get install -y slapd ldap-utils; .ci/run does it): a
// missing slapd fails the test instead of skipping it.
package slapd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Fixed names of the directory the server starts with.
const (
	BaseDN        = "dc=example,dc=org"
	AdminDN       = "cn=admin," + BaseDN
	AdminPassword = "admin-secret"
	PeopleDN      = "ou=people," + BaseDN
	GroupsDN      = "ou=groups," + BaseDN
)

// Places slapd and its modules and schemas are looked for (Debian's layout first).
var (
	binaries   = []string{"/usr/sbin/slapd", "/usr/local/libexec/slapd", "/usr/libexec/slapd"}
	moduleDirs = []string{"/usr/lib/ldap", "/usr/lib/x86_64-linux-gnu/ldap", "/usr/lib/aarch64-linux-gnu/ldap", "/usr/local/libexec/openldap"}
	schemaDirs = []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"}
)

// Server is a running slapd.
type Server struct {
	// URL is the plain listener (StartTLS available): ldap://127.0.0.1:port.
	URL string
	// TLSURL is the TLS listener: ldaps://127.0.0.1:port.
	TLSURL string
	// CACertPEM is the PEM certificate slapd's TLS certificate is signed with (self-signed for
	// 127.0.0.1).
	CACertPEM []byte
	// Loopback is the network slapd listens on, for an outbound guard's allow list.
	Loopback netip.Prefix

	certPool *x509.CertPool
}

// Option configures a Server.
type Option func(*options)

type options struct{ schemas []string }

// WithSchemas loads more of the system's schemas by name (e.g. "msuser", for Active
// Directory-style user entries: objectClass user, userAccountControl, lockoutTime, unicodePwd).
func WithSchemas(names ...string) Option {
	return func(o *options) { o.schemas = append(o.schemas, names...) }
}

// Start starts slapd and returns when it answers binds; the test fails if it cannot.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bin, err := find(binaries, "")
	if err != nil {
		t.Fatalf("slapd is not installed (apt-get install -y slapd ldap-utils; .ci/run installs it): %v", err)
	}
	modules, err := find(moduleDirs, "back_mdb.la")
	if err != nil {
		t.Fatalf("slapd modules (back_mdb) not found: %v", err)
	}
	schemas, err := find(schemaDirs, "core.schema")
	if err != nil {
		t.Fatalf("slapd schemas (core.schema) not found: %v", err)
	}

	dir := t.TempDir()
	certPEM, certFile, keyFile := writeCert(t, dir)
	require(t, os.Mkdir(filepath.Join(dir, "db"), 0o700))
	conf := filepath.Join(dir, "slapd.conf")
	var buf bytes.Buffer
	require(t, confTemplate.Execute(&buf, map[string]any{
		"Schemas": filepath.Dir(schemas), "Extra": o.schemas, "Modules": filepath.Dir(modules), "Dir": dir,
		"Cert": certFile, "Key": keyFile, "BaseDN": BaseDN, "AdminDN": AdminDN, "AdminPassword": AdminPassword,
	}))
	require(t, os.WriteFile(conf, buf.Bytes(), 0o600))

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	s := &Server{CACertPEM: certPEM, certPool: pool, Loopback: netip.MustParsePrefix("127.0.0.0/8")}

	// A free port can be taken between our probe and slapd's bind: try a few.
	var lastErr error
	for range 5 {
		port, tlsPort := freePort(t), freePort(t)
		s.URL = "ldap://127.0.0.1:" + strconv.Itoa(port)
		s.TLSURL = "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort)
		if lastErr = s.run(t, bin, conf); lastErr == nil {
			s.seed(t)
			return s
		}
	}
	t.Fatalf("slapd did not start: %v", lastErr)
	return nil
}

// run starts slapd in the foreground and waits until it accepts an admin bind.
func (s *Server) run(t testing.TB, bin, conf string) error {
	t.Helper()
	var out syncBuffer
	// -d 0: stay in the foreground (so the test owns the process) with no debug output.
	cmd := exec.Command(bin, "-f", conf, "-h", s.URL+"/ "+s.TLSURL+"/", "-d", "0") //nolint:noctx,gosec // our slapd and config; stopped by the cleanup below
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("slapd exited (%w): %s", waitErr, out.String())
		default:
		}
		conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
		if err == nil {
			err = conn.Bind(AdminDN, AdminPassword)
			_ = conn.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("slapd not answering: %w: %s", err, out.String())
		}
		select {
		case <-exited:
			return fmt.Errorf("slapd exited (%w): %s", waitErr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("slapd output:\n%s", out.String())
		}
	})
	return nil
}

// seed adds the base entry, the people and groups OUs and the default password policy.
func (s *Server) seed(t testing.TB) {
	t.Helper()
	conn := s.Conn(t)
	for _, e := range []struct {
		dn    string
		attrs map[string][]string
	}{
		{BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"example"}, "o": {"Example"}}},
		{PeopleDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}},
		{GroupsDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}}},
		{"ou=policies," + BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"policies"}}},
		{"cn=default,ou=policies," + BaseDN, map[string][]string{
			"objectClass": {"person", "pwdPolicy"}, "cn": {"default"}, "sn": {"default"},
			"pwdAttribute": {"userPassword"}, "pwdLockout": {"TRUE"}, "pwdMaxFailure": {"3"},
		}},
	} {
		s.Add(t, conn, e.dn, e.attrs)
	}
}

// Conn returns a connection bound as the admin, closed when the test ends.
func (s *Server) Conn(t testing.TB) *ldap.Conn {
	t.Helper()
	conn, err := ldap.DialURL(s.URL)
	require(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require(t, conn.Bind(AdminDN, AdminPassword))
	return conn
}

// Add adds an entry.
func (s *Server) Add(t testing.TB, conn *ldap.Conn, dn string, attrs map[string][]string) {
	t.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for name, values := range attrs {
		req.Attribute(name, values)
	}
	require(t, conn.Add(req))
}

// Entry returns the entry at dn with all its user and operational attributes, or nil if there
// is none.
func (s *Server) Entry(t testing.TB, conn *ldap.Conn, dn string) *ldap.Entry {
	t.Helper()
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"*", "+"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	require(t, err)
	if len(res.Entries) != 1 {
		t.Fatalf("search %s: %d entries", dn, len(res.Entries))
	}
	return res.Entries[0]
}

// Bind reports whether dn can bind with password (false for a wrong password or a locked
// account), on a fresh connection.
func (s *Server) Bind(t testing.TB, dn, password string) error {
	t.Helper()
	conn, err := ldap.DialURL(s.URL)
	require(t, err)
	defer conn.Close()
	return conn.Bind(dn, password)
}

// TLSConfig trusts the server's certificate.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.certPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

var confTemplate = template.Must(template.New("slapd.conf").Parse(`
include {{.Schemas}}/core.schema
include {{.Schemas}}/cosine.schema
include {{.Schemas}}/nis.schema
include {{.Schemas}}/inetorgperson.schema
{{- range .Extra}}
include {{$.Schemas}}/{{.}}.schema
{{- end}}

modulepath {{.Modules}}
moduleload back_mdb
moduleload ppolicy

pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args

TLSCertificateFile {{.Cert}}
TLSCertificateKeyFile {{.Key}}

database mdb
maxsize 67108864
suffix "{{.BaseDN}}"
rootdn "{{.AdminDN}}"
rootpw "{{.AdminPassword}}"
directory {{.Dir}}/db
index objectClass eq
index uid,cn,member,memberUid eq

overlay ppolicy
ppolicy_default "cn=default,ou=policies,{{.BaseDN}}"
ppolicy_hash_cleartext

access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`))

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t testing.TB, dir string) (certPEM []byte, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "slapd test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require(t, err)
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require(t, os.WriteFile(certFile, certPEM, 0o600))
	require(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPEM, certFile, keyFile
}

func find(candidates []string, file string) (string, error) {
	for _, c := range candidates {
		p := filepath.Join(c, file)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if file == "" {
		if p, err := exec.LookPath("slapd"); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in %v", file, candidates)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require(t, err)
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("unexpected listener address %v", l.Addr())
	}
	return addr.Port
}

func require(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer collects slapd's output, written from exec's copying goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
