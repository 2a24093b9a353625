// Package mailtest runs a real SMTP server (go-smtp) on 127.0.0.1 for tests: STARTTLS with
// a self-signed certificate (or implicit TLS, or none), AUTH PLAIN with User and Password,
// (and, with OAuth2, XOAUTH2 and OAUTHBEARER with a bearer token the test checks),
// and replies chosen by the recipient's local part — reject@… gets 550 to RCPT, later@…
// gets 451 after the data. It records every message it accepts.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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

	"github.com/xchangedesk/xchangedesk/exchange/mail"
)

// The test server's login. The password is long and odd so that finding it in an error
// cannot be a coincidence.
const (
	User     = "office@s3martmed.example"
	Password = "Correct-Horse-Battery-Staple-8a1f"
)

// Delivery is one message the test server accepted.
type Delivery struct {
	Conn     int // which connection carried it, counting from 1
	From, To string
	Data     []byte
	Auth     string // the SASL mechanism the connection signed in with: PLAIN, XOAUTH2, OAUTHBEARER
}

// Login is one AUTH the server answered.
type Login struct {
	Conn      int
	Mechanism string
	User      string
	OK        bool
}

// smtpServer is a real SMTP server (go-smtp) on 127.0.0.1, with STARTTLS and AUTH PLAIN,
// that records what it accepts. Recipients' local parts choose a reply:
// reject@… gets 550 to RCPT, later@… gets 451 after the data.
type Server struct {
	host string
	port int

	echoLogin bool // answer a failed login with the credentials, as a careless server might

	stopOnce sync.Once
	stop     func()

	mu          sync.Mutex
	connections map[*smtp.Conn]int // go-smtp starts a new session after STARTTLS: count connections
	delivered   []Delivery
	logins      []Login

	bearer     func(user, token string) bool // OAuth2: is token good for user; nil: no OAuth2
	mechanisms []string                      // the OAuth2 mechanisms offered
}

// OAuth2 makes the server take AUTH with an OAuth2 bearer token too, besides PLAIN: check
// says whether token is good for user, as a real server asks the authorisation server
// (oauthtest's Introspect). mechanisms are the ones offered, of sasl.OAuthBearer
// ("OAUTHBEARER") and "XOAUTH2"; both when none are given. A token check refuses gets
// 535 5.7.8, after the error challenge each mechanism sends first (RFC 7628 3.2.2, and
// Google's XOAUTH2).
func (s *Server) OAuth2(check func(user, token string) bool, mechanisms ...string) {
	if len(mechanisms) == 0 {
		mechanisms = []string{sasl.OAuthBearer, XOAUTH2}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bearer, s.mechanisms = check, mechanisms
}

// XOAUTH2 is the name of Google's and Microsoft's SASL mechanism for bearer tokens.
const XOAUTH2 = "XOAUTH2"

// Logins returns the AUTH commands the server answered so far, in order.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

func (s *Server) login(conn int, mech, user string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins = append(s.logins, Login{conn, mech, user, ok})
}

// Received returns what the server accepted so far.
func (s *Server) Received() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
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
	server   *Server
	id       int
	authed   bool
	mech     string
	from, to string
}

func (s *smtpSession) AuthMechanisms() []string {
	s.server.mu.Lock()
	defer s.server.mu.Unlock()
	return append([]string{sasl.Plain}, s.server.mechanisms...)
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	s.server.mu.Lock()
	check, offered := s.server.bearer, s.server.mechanisms
	s.server.mu.Unlock()
	if mech != sasl.Plain {
		known := false
		for _, m := range offered {
			known = known || m == mech
		}
		if !known || check == nil {
			return nil, smtp.ErrAuthUnknownMechanism
		}
	}
	ok := func(user, token string) bool {
		good := check(user, token)
		s.server.login(s.id, mech, user, good)
		if good {
			s.authed, s.mech = true, mech
		}
		return good
	}
	switch mech {
	case XOAUTH2:
		return &refusing{server: &xoauth2Server{ok: ok}}, nil
	case sasl.OAuthBearer:
		return &refusing{server: sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !ok(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	}
	return sasl.NewPlainServer(func(_, user, password string) error {
		defer func() { s.server.login(s.id, sasl.Plain, user, s.authed) }()
		if s.server.echoLogin {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: fmt.Sprintf("Login %s with password %s refused", user, password)}
		}
		if user != User || password != Password {
			return smtp.ErrAuthFailed
		}
		s.authed, s.mech = true, sasl.Plain
		return nil
	}), nil
}

// refusing answers a failed bearer login with 535, as Microsoft and Google do; go-smtp
// would say 454 (temporary) for any error that is not an *smtp.SMTPError.
type refusing struct{ server sasl.Server }

func (r *refusing) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := r.server.Next(response)
	if err != nil {
		if _, ok := err.(*smtp.SMTPError); !ok {
			err = smtp.ErrAuthFailed
		}
	}
	return challenge, done, err
}

// xoauth2Server is the server side of XOAUTH2: "user=…^Aauth=Bearer …^A^A". A refused token
// gets a JSON error as a challenge, as Google sends, and 535 after the client's empty answer.
type xoauth2Server struct {
	ok     func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, smtp.ErrAuthFailed
	}
	if response == nil {
		return []byte{}, false, nil // no initial response: ask for it
	}
	var user, token string
	for _, f := range strings.Split(string(response), "\x01") {
		switch {
		case strings.HasPrefix(f, "user="):
			user = strings.TrimPrefix(f, "user=")
		case strings.HasPrefix(strings.ToLower(f), "auth=bearer "):
			token = f[len("auth=bearer "):]
		}
	}
	if user != "" && token != "" && x.ok(user, token) {
		return nil, true, nil
	}
	x.failed = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
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
	s.server.delivered = append(s.server.delivered, Delivery{Conn: s.id, From: s.from, To: s.to, Data: data, Auth: s.mech})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", "" }
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs a server on a free port of 127.0.0.1 until the test ends. With StartTLS it
// offers STARTTLS and allows AUTH only after it; with ImplicitTLS it speaks TLS from the
// first byte; with NoTLS it offers no TLS at all and allows AUTH in the clear.
func Start(t testing.TB, mode mail.TLSMode) *Server {
	t.Helper()
	backend := &Server{host: "127.0.0.1", connections: map[*smtp.Conn]int{}}
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
	backend.stop = func() {
		srv.Close()
		<-done
	}
	t.Cleanup(backend.Stop)
	return backend
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for an hour.
func selfSigned(t testing.TB) tls.Certificate {
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

// Config is how a client reaches the server: STARTTLS, the test login, any certificate.
func (s *Server) Config() mail.SMTPConfig {
	return mail.SMTPConfig{
		Host: s.host, Port: s.port, TLS: mail.StartTLS,
		User: User, Password: Password,
		InsecureSkipVerify: true,
		Timeout:            5 * time.Second,
	}
}

// outgoing composes the example host request for the given recipient address.

// Port is the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Stop shuts the server down, as a mail server that goes away; the port then refuses.
func (s *Server) Stop() { s.stopOnce.Do(s.stop) }

// EchoLogin makes the server answer a failed login with the credentials it was given.
func (s *Server) EchoLogin() { s.echoLogin = true }

// Connections counts the connections the server has had.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.connections)
}
