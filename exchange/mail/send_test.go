package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/xchangedesk/xchangedesk/exchange/ical"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// The test server's login. The password is long and odd so that finding it in an error
// cannot be a coincidence.
const (
	smtpUser     = "office@s3martmed.example"
	smtpPassword = "Correct-Horse-Battery-Staple-8a1f"
)

// delivery is one message the test server accepted.
type delivery struct {
	conn     int // which connection carried it, counting from 1
	from, to string
	data     []byte
}

// smtpServer is a real SMTP server (go-smtp) on 127.0.0.1, with STARTTLS and AUTH PLAIN,
// that records what it accepts. Recipients' local parts choose a reply:
// reject@… gets 550 to RCPT, later@… gets 451 after the data.
type smtpServer struct {
	host string
	port int

	echoLogin bool // answer a failed login with the credentials, as a careless server might

	mu          sync.Mutex
	connections map[*smtp.Conn]int // go-smtp starts a new session after STARTTLS: count connections
	delivered   []delivery
}

func (s *smtpServer) received() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.delivered...)
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.connections[c]
	if !ok {
		id = len(s.connections) + 1
		s.connections[c] = id
	}
	return &smtpSession{server: s, id: id}, nil
}

type smtpSession struct {
	server   *smtpServer
	id       int
	authed   bool
	from, to string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if s.server.echoLogin {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: fmt.Sprintf("Login %s with password %s refused", user, password)}
		}
		if user != smtpUser || password != smtpPassword {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "reject@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.to = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if strings.HasPrefix(s.to, "later@") {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	s.server.delivered = append(s.server.delivered, delivery{s.id, s.from, s.to, data})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", "" }
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs a server on a free port of 127.0.0.1 until the test ends. With StartTLS it
// offers STARTTLS and allows AUTH only after it; with ImplicitTLS it speaks TLS from the
// first byte; with NoTLS it offers no TLS at all and allows AUTH in the clear.
func startSMTP(t *testing.T, mode mail.TLSMode) *smtpServer {
	t.Helper()
	backend := &smtpServer{host: "127.0.0.1", connections: map[*smtp.Conn]int{}}
	srv := smtp.NewServer(backend)
	srv.Domain = "localhost"
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients that hang up on purpose are no news
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}

	var l net.Listener
	var err error
	switch mode {
	case mail.ImplicitTLS:
		l, err = tls.Listen("tcp", "127.0.0.1:0", tlsConfig)
	case mail.NoTLS:
		srv.AllowInsecureAuth = true
		l, err = net.Listen("tcp", "127.0.0.1:0")
	default:
		srv.TLSConfig = tlsConfig
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	backend.port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return backend
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for an hour.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func (s *smtpServer) config() mail.SMTPConfig {
	return mail.SMTPConfig{
		Host: s.host, Port: s.port, TLS: mail.StartTLS,
		User: smtpUser, Password: smtpPassword,
		InsecureSkipVerify: true,
		Timeout:            5 * time.Second,
	}
}

// outgoing composes the example host request for the given recipient address.
func outgoing(t *testing.T, id, to string) mail.Outgoing {
	t.Helper()
	m := hostRequest(t)
	m.MessageID = "<" + id + "@xchangedesk>"
	m.To.Email = to
	inv := ical.Invitation{
		UID: uid, Stamp: sentAt, First: facts.First, Last: facts.Last,
		Organizer: ical.Person(organiser), Attendee: ical.Person{Name: host.Name, Email: to},
		Tentative: true, Details: ical.HostRequest(facts.Visit),
	}
	cal, err := ical.Request(inv)
	if err != nil {
		t.Fatal(err)
	}
	m.Calendar = cal
	raw, err := mail.Compose(m)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Outgoing{ID: id, From: organiser.Email, To: to, Raw: raw}
}

// noSecrets fails the test if a result shows the password in any form.
func noSecrets(t *testing.T, results []mail.Result, cfg mail.SMTPConfig) {
	t.Helper()
	if cfg.Password == "" {
		return
	}
	secrets := []string{
		cfg.Password,
		base64.StdEncoding.EncodeToString([]byte(cfg.Password)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + cfg.User + "\x00" + cfg.Password)),
	}
	var seen []string
	for _, r := range results {
		seen = append(seen, r.Reply, fmt.Sprint(r), fmt.Sprintf("%+v", r))
		if r.Err != nil {
			seen = append(seen, r.Err.Error())
		}
	}
	seen = append(seen, cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg))
	for _, s := range seen {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("the password shows in %q", s)
			}
		}
	}
}

func TestSendDeliversOverStartTLSWithLogin(t *testing.T) {
	srv := startSMTP(t, mail.StartTLS)
	cfg := srv.config()
	msg := outgoing(t, "0190-a", host.Email)
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{msg})
	noSecrets(t, results, cfg)
	if r := results[0]; r.Status != mail.Sent || r.Err != nil || r.ID != "0190-a" {
		t.Fatalf("result %+v, want sent", r)
	}
	got := srv.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if got[0].from != organiser.Email || got[0].to != host.Email {
		t.Errorf("envelope %s → %s, want %s → %s", got[0].from, got[0].to, organiser.Email, host.Email)
	}
	if !bytes.Equal(got[0].data, msg.Raw) {
		t.Errorf("the server received other bytes than composed")
	}
	r := read(t, got[0].data)
	checkInvitation(t, r, "REQUEST", 0, host, facts.First, facts.Last)
	if id, _ := r.header.MessageID(); id != "0190-a@xchangedesk" {
		t.Errorf("Message-ID = %q, want 0190-a@xchangedesk", id)
	}
}

func TestSendOverImplicitTLS(t *testing.T) {
	srv := startSMTP(t, mail.ImplicitTLS)
	cfg := srv.config()
	cfg.TLS = mail.ImplicitTLS
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "0190-b", host.Email)})
	if r := results[0]; r.Status != mail.Sent {
		t.Fatalf("result %+v, want sent", r)
	}
	if n := len(srv.received()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

func TestSendWithoutTLSToThisMachine(t *testing.T) {
	srv := startSMTP(t, mail.NoTLS)
	cfg := srv.config()
	cfg.TLS, cfg.InsecureSkipVerify = mail.NoTLS, false
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "0190-c", host.Email)})
	noSecrets(t, results, cfg)
	if r := results[0]; r.Status != mail.Sent {
		t.Fatalf("result %+v, want sent", r)
	}
	if n := len(srv.received()); n != 1 {
		t.Errorf("server received %d messages, want 1", n)
	}
}

func TestABatchGoesOverOneConnectionAndARefusalDoesNotStopIt(t *testing.T) {
	srv := startSMTP(t, mail.StartTLS)
	cfg := srv.config()
	batch := []mail.Outgoing{
		outgoing(t, "m1", host.Email),
		outgoing(t, "m2", "reject@bioregio-stern.example"),
		outgoing(t, "m3", visitor.Email),
	}
	results := mail.Send(t.Context(), cfg, batch)
	noSecrets(t, results, cfg)

	want := []mail.Status{mail.Sent, mail.Permanent, mail.Sent}
	for i, r := range results {
		if r.ID != batch[i].ID || r.Status != want[i] {
			t.Errorf("message %d: %s %v (%v), want %v", i+1, r.ID, r.Status, r.Err, want[i])
		}
	}
	if r := results[1]; r.Code != 550 || !strings.Contains(r.Reply, "550 5.1.1 No such user here") ||
		r.Err == nil || !strings.Contains(r.Err.Error(), "No such user here") {
		t.Errorf("refused message: code %d, reply %q, err %v; want the server's 550 reply", r.Code, r.Reply, r.Err)
	}
	got := srv.received()
	if len(got) != 2 || got[0].to != host.Email || got[1].to != visitor.Email {
		t.Fatalf("server received %v, want messages 1 and 3", got)
	}
	srv.mu.Lock()
	connections := len(srv.connections)
	srv.mu.Unlock()
	if got[0].conn != got[1].conn || connections != 1 {
		t.Errorf("messages came over %d connections (%d and %d), want one", connections, got[0].conn, got[1].conn)
	}
	for i, d := range got {
		if !bytes.Equal(d.data, batch[i*2].Raw) {
			t.Errorf("delivery %d: other bytes than composed", i+1)
		}
	}
}

func TestSendReportsFailures(t *testing.T) {
	down := func(t *testing.T) mail.SMTPConfig {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close() // nothing listens there any more: connection refused
		return mail.SMTPConfig{Host: "127.0.0.1", Port: port, User: smtpUser, Password: smtpPassword,
			InsecureSkipVerify: true, Timeout: 2 * time.Second}
	}
	silent := func(t *testing.T) mail.SMTPConfig {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// Accepts connections and never greets: the client must give up by its timeout.
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		t.Cleanup(func() { l.Close() })
		return mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, User: smtpUser,
			Password: smtpPassword, InsecureSkipVerify: true, Timeout: 300 * time.Millisecond}
	}
	tests := []struct {
		name   string
		config func(*testing.T) mail.SMTPConfig
		to     string
		status mail.Status
		code   int
		is     error
		says   string
	}{
		{"a 451 reply is temporary", func(t *testing.T) mail.SMTPConfig { return startSMTP(t, mail.StartTLS).config() },
			"later@bioregio-stern.example", mail.Temporary, 451, nil, "Try again later"},
		{"a 550 reply is permanent with the server's words", func(t *testing.T) mail.SMTPConfig { return startSMTP(t, mail.StartTLS).config() },
			"reject@bioregio-stern.example", mail.Permanent, 550, nil, "No such user here"},
		{"a server that is down is temporary", down, host.Email, mail.Temporary, 0, nil, "refused"},
		{"a server that never answers times out, temporarily", silent, host.Email, mail.Temporary, 0, nil, "timeout"},
		{"a wrong password is a permanent 535", func(t *testing.T) mail.SMTPConfig {
			cfg := startSMTP(t, mail.StartTLS).config()
			cfg.Password = "Wrong-Password-Do-Not-Print-77"
			return cfg
		}, host.Email, mail.Permanent, 535, mail.ErrAuth, "Authentication failed"},
		{"an untrusted certificate is temporary", func(t *testing.T) mail.SMTPConfig {
			cfg := startSMTP(t, mail.StartTLS).config()
			cfg.InsecureSkipVerify = false
			return cfg
		}, host.Email, mail.Temporary, 0, nil, "certificate"},
		{"a server without STARTTLS is refused when STARTTLS is required", func(t *testing.T) mail.SMTPConfig {
			return startSMTP(t, mail.NoTLS).config()
		}, host.Email, mail.Temporary, 0, nil, "STARTTLS"},
		{"TLS none for a remote host is refused before connecting", func(*testing.T) mail.SMTPConfig {
			return mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.NoTLS, User: smtpUser, Password: smtpPassword}
		}, host.Email, mail.Permanent, 0, mail.ErrConfig, "only allowed for a server on this machine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config(t)
			start := time.Now()
			results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "m1", tt.to), outgoing(t, "m2", tt.to)})
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("took %v", d)
			}
			noSecrets(t, results, cfg)
			for _, r := range results {
				t.Logf("%s: %v, reply %q: %v", r.ID, r.Status, r.Reply, r.Err)
				if r.Status != tt.status || r.Code != tt.code || r.Err == nil {
					t.Errorf("%s: %v code %d (%v), want %v code %d", r.ID, r.Status, r.Code, r.Err, tt.status, tt.code)
					continue
				}
				if tt.is != nil && !errors.Is(r.Err, tt.is) {
					t.Errorf("%s: error %v is not %v", r.ID, r.Err, tt.is)
				}
				if !strings.Contains(r.Err.Error(), tt.says) {
					t.Errorf("%s: error %q does not say %q", r.ID, r.Err, tt.says)
				}
				if tt.code != 0 && !strings.HasPrefix(r.Reply, fmt.Sprint(tt.code)) {
					t.Errorf("%s: reply %q does not start with %d", r.ID, r.Reply, tt.code)
				}
				if !strings.HasPrefix(r.Err.Error(), "mail: ") {
					t.Errorf("%s: error %q has no package prefix", r.ID, r.Err)
				}
			}
		})
	}
}

func TestCancellingStopsTheBatch(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	cfg := mail.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: mail.NoTLS, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	results := mail.Send(ctx, cfg, []mail.Outgoing{outgoing(t, "m1", host.Email)})
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelling took %v", d)
	}
	if r := results[0]; r.Status != mail.Temporary || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Errorf("result %+v, want temporary with the context's error", r)
	}
}

func TestAPasswordEchoedByTheServerIsRedacted(t *testing.T) {
	srv := startSMTP(t, mail.StartTLS)
	srv.echoLogin = true
	cfg := srv.config()
	results := mail.Send(t.Context(), cfg, []mail.Outgoing{outgoing(t, "m1", host.Email)})
	noSecrets(t, results, cfg)
	r := results[0]
	if r.Status != mail.Permanent || !errors.Is(r.Err, mail.ErrAuth) {
		t.Errorf("result %+v, want a permanent ErrAuth", r)
	}
	if !strings.Contains(r.Reply, "with password [redacted] refused") || !strings.Contains(r.Err.Error(), "[redacted]") {
		t.Errorf("reply %q, error %v: want the password replaced by [redacted]", r.Reply, r.Err)
	}
}

func TestSendTestMessage(t *testing.T) {
	srv := startSMTP(t, mail.StartTLS)
	if err := mail.SendTest(t.Context(), srv.config(), organiser, visitor.Email); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || got[0].to != visitor.Email {
		t.Fatalf("received %v", got)
	}
	r := read(t, got[0].data)
	if s, _ := r.header.Subject(); s != "Xchange Desk test message" {
		t.Errorf("subject %q", s)
	}
	if body := string(r.leaf(t, "text/plain").body); strings.Contains(body, smtpPassword) || !strings.Contains(body, "127.0.0.1") {
		t.Errorf("body:\n%s", body)
	}
	cfg := srv.config()
	cfg.Password = "Wrong-Password-Do-Not-Print-77"
	err := mail.SendTest(t.Context(), cfg, organiser, visitor.Email)
	if !errors.Is(err, mail.ErrAuth) || strings.Contains(err.Error(), cfg.Password) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSMTPConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   mail.SMTPConfig
		field string // "" when valid
	}{
		{"STARTTLS to a provider is fine", mail.SMTPConfig{Host: "smtp.example.org", User: "u", Password: "p"}, ""},
		{"implicit TLS is fine", mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.ImplicitTLS}, ""},
		{"no TLS to 127.0.0.1 is fine", mail.SMTPConfig{Host: "127.0.0.1", TLS: mail.NoTLS}, ""},
		{"no TLS to ::1 is fine", mail.SMTPConfig{Host: "::1", TLS: mail.NoTLS}, ""},
		{"no TLS to localhost is fine", mail.SMTPConfig{Host: "localhost", TLS: mail.NoTLS}, ""},
		{"no TLS to a provider is refused", mail.SMTPConfig{Host: "smtp.example.org", TLS: mail.NoTLS}, "tls"},
		{"no TLS to a private address is refused", mail.SMTPConfig{Host: "192.168.1.10", TLS: mail.NoTLS}, "tls"},
		{"skipping certificate checks for a provider is refused", mail.SMTPConfig{Host: "smtp.example.org", InsecureSkipVerify: true}, "tls"},
		{"an unknown TLS mode is refused", mail.SMTPConfig{Host: "smtp.example.org", TLS: "ssl"}, "tls"},
		{"a missing host is refused", mail.SMTPConfig{}, "host"},
		{"a host with a port in it is refused", mail.SMTPConfig{Host: "smtp.example.org:587"}, "host"},
		{"a port out of range is refused", mail.SMTPConfig{Host: "smtp.example.org", Port: 70000}, "port"},
		{"a password without user is refused", mail.SMTPConfig{Host: "smtp.example.org", Password: "p"}, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, mail.ErrConfig) {
				t.Fatalf("error %v, want an ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.field+": ") {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}

	cfg := mail.SMTPConfig{Host: "smtp.example.org", User: "office@example.org", Password: smtpPassword}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v|%+v|%#v|%s", cfg, cfg, cfg, cfg)} {
		if strings.Contains(s, smtpPassword) {
			t.Errorf("settings print their password: %s", s)
		}
	}
	if got, want := cfg.String(), "smtp.example.org:587 starttls user office@example.org (password set)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
