// Package smtpserver runs a real SMTP server (github.com/emersion/go-smtp) on a loopback port for
// tests: it offers STARTTLS with a self-signed certificate, optionally requires AUTH PLAIN, keeps
// every message delivered to it, and can be told to refuse a recipient with a given reply code.
package smtpserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/netip"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is a message the server accepted.
type Message struct {
	// From and To are the envelope's sender and recipients.
	From string
	To   []string
	// Data is the message as received; Header and Body are it parsed.
	Data   []byte
	Header mail.Header
	Body   string
	// TLS and User say how the session that delivered it was secured and authenticated.
	TLS  bool
	User string
}

// Parts returns the message's decoded text parts by media type ("text/plain", "text/html"),
// looking into multipart bodies and undoing quoted-printable and base64.
func (m Message) Parts() (map[string]string, error) {
	parts := map[string]string{}
	return parts, collect(parts, textproto.MIMEHeader(m.Header), strings.NewReader(m.Body))
}

func collect(parts map[string]string, h textproto.MIMEHeader, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextPart() // undoes quoted-printable itself
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := collect(parts, p.Header, p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	parts[mediaType] = string(data)
	return nil
}

// Server is a running SMTP server.
type Server struct {
	// Host and Port are where it listens (127.0.0.1); URL is smtp://Host:Port.
	Host string
	Port int
	URL  string
	// CACertPEM is the certificate STARTTLS presents (self-signed for 127.0.0.1).
	CACertPEM []byte
	// Loopback is the network the server listens on, for an outbound guard's allow list.
	Loopback netip.Prefix

	srv      *smtp.Server
	username string
	password string
	implicit bool

	mu       sync.Mutex
	messages []Message
	reject   map[string]*smtp.SMTPError
	changed  chan struct{} // closed and replaced on every delivery
}

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server require AUTH PLAIN with these credentials before MAIL FROM.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.username, s.password = username, password }
}

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS, port 465 style); URL is
// then smtps://Host:Port.
func WithImplicitTLS() Option { return func(s *Server) { s.implicit = true } }

// Start starts the server; it stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	certPEM, cert := selfSigned(t)
	s := &Server{
		CACertPEM: certPEM, Loopback: netip.MustParsePrefix("127.0.0.0/8"),
		reject: map[string]*smtp.SMTPError{}, changed: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpserver: listen: %v", err)
	}
	addr, _ := lis.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	s.URL = fmt.Sprintf("smtp://%s:%d", s.Host, s.Port)

	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "mx.test"
	s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if s.implicit {
		lis = tls.NewListener(lis, s.srv.TLSConfig)
		s.URL = fmt.Sprintf("smtps://%s:%d", s.Host, s.Port)
	}
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(lis)
	}()
	t.Cleanup(func() {
		// Close, not Shutdown: a client that gave up mid-session (say, on a certificate it does
		// not trust) leaves a connection that would hold Shutdown up.
		_ = s.srv.Close()
		<-done
	})
	return s
}

// RejectRecipient makes RCPT TO addr fail with code (4xx: temporary, 5xx: permanent).
func (s *Server) RejectRecipient(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "recipient refused by the test"}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits (up to 10s) until n messages have been accepted and returns them; the test
// fails if they do not come.
func (s *Server) WaitFor(t testing.TB, n int) []Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		msgs, changed := append([]Message(nil), s.messages...), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("smtpserver: %d of %d messages arrived", len(msgs), n)
		}
	}
}

func (s *Server) deliver(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session is one SMTP connection's state.
type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.username || password != ss.s.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rejected := ss.s.reject[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rejected != nil {
		return rejected
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unparsable message: " + err.Error()}
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.s.deliver(Message{
		From: ss.from, To: append([]string(nil), ss.to...), Data: data, Header: msg.Header, Body: string(body),
		TLS: isTLS, User: ss.user,
	})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (*session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t testing.TB) ([]byte, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtpserver test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	must(t, err)
	return certPEM, cert
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
