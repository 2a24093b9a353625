package mail

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// TLSMode is how the connection to the SMTP server is protected.
type TLSMode string

// The TLS modes, as typed in settings and on the command line.
const (
	StartTLS    TLSMode = "starttls" // plain connection upgraded with STARTTLS, which is required; port 587
	ImplicitTLS TLSMode = "tls"      // TLS from the first byte; port 465
	NoTLS       TLSMode = "none"     // no encryption: only for a server on this machine; port 25
)

// ParseTLSMode reads "starttls", "tls" or "none", ignoring case; empty means StartTLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return StartTLS, nil
	case StartTLS, ImplicitTLS, NoTLS:
		return m, nil
	}
	return "", &exchange.RuleError{Field: "tls", Rule: exchange.RuleFormat,
		Reason: fmt.Sprintf("%q is not a TLS mode (want starttls, tls or none)", s)}
}

// DefaultTimeout bounds connecting and each SMTP exchange when SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig says how to reach the organiser's SMTP server. Its String method, and so %v,
// never shows the password.
type SMTPConfig struct {
	Host string
	Port int     // zero means the mode's usual port: 587, 465 or 25
	TLS  TLSMode // empty means StartTLS
	// User and Password authenticate with the server (AUTH); an empty User sends without.
	// Errors and results never contain the password.
	User, Password string
	// InsecureSkipVerify accepts any server certificate. It is for tests against a server
	// on this machine, and refused for any other host.
	InsecureSkipVerify bool
	// Timeout bounds connecting and every command; zero means DefaultTimeout.
	Timeout time.Duration
	// OAuth2, when set, signs User in with an OAuth2 access token in place of the password:
	// SASL OAUTHBEARER (RFC 7628) where the server offers it, else XOAUTH2.
	OAuth2 TokenSource
}

// TokenSource hands out the OAuth2 access tokens SMTP signs in with; *oauth.Source has
// what it takes (OAuth2Tokens). The tokens never appear in a Result.
type TokenSource interface {
	// AccessToken returns a valid access token. Its error is passed on in every Result,
	// wrapped: oauth.ErrSignInAgain stays matchable with errors.Is.
	AccessToken(ctx context.Context) (string, error)
	// Refused is told the token the server turned down (535), so that the next
	// AccessToken gives a fresh one.
	Refused(accessToken string)
}

// OAuth2Tokens is the TokenSource of a signed-in *oauth.Source, the one the sender and
// the mailbox reader share.
func OAuth2Tokens(src *oauth.Source) TokenSource { return sourceTokens{src} }

type sourceTokens struct{ src *oauth.Source }

func (s sourceTokens) AccessToken(ctx context.Context) (string, error) {
	t, err := s.src.TokenContext(ctx)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

func (s sourceTokens) Refused(accessToken string) { s.src.Refused(accessToken) }

// Errors that Send wraps in a Result, to tell settings problems from refused messages.
var (
	ErrConfig = errors.New("mail: SMTP settings")                     // the settings cannot work; nothing was sent
	ErrAuth   = errors.New("mail: the SMTP server refused the login") // user or password wrong
)

// Validate checks the settings without connecting.
func (c SMTPConfig) Validate() error {
	var errs []error
	add := func(field, rule, format string, args ...any) {
		errs = append(errs, &exchange.RuleError{Field: field, Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}
	host := strings.TrimSpace(c.Host)
	switch {
	case host == "":
		add("host", exchange.RuleRequired, "is required")
	case strings.ContainsAny(host, " /:@") && net.ParseIP(host) == nil:
		add("host", exchange.RuleFormat, "%q is not a host name or address", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		add("port", exchange.RuleFormat, "%d is not a port (1 to 65535)", c.Port)
	}
	mode, err := ParseTLSMode(string(c.TLS))
	if err != nil {
		errs = append(errs, err)
	}
	if mode == NoTLS && host != "" && !isLoopback(host) {
		add("tls", exchange.RuleFormat, "none is only allowed for a server on this machine (127.0.0.1, ::1 or localhost), not %s", host)
	}
	if c.InsecureSkipVerify && host != "" && !isLoopback(host) {
		add("tls", exchange.RuleFormat, "skipping certificate checks is only allowed for a server on this machine, not %s", host)
	}
	if c.Password != "" && c.User == "" {
		add("user", exchange.RuleRequired, "is required with a password")
	}
	if c.OAuth2 != nil && c.User == "" {
		add("user", exchange.RuleRequired, "is required with OAuth2: the mailbox signed in to")
	}
	if c.Timeout < 0 {
		add("timeout", exchange.RuleFormat, "must not be negative")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrConfig, exchange.Problems(errs))
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func (c SMTPConfig) mode() TLSMode {
	m, _ := ParseTLSMode(string(c.TLS))
	return m
}

func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.mode() == ImplicitTLS:
		return 465
	case c.mode() == NoTLS:
		return 25
	}
	return 587
}

func (c SMTPConfig) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// String describes the settings for people and logs, without the password:
// "smtp.example.org:587 starttls user office@example.org".
func (c SMTPConfig) String() string {
	s := net.JoinHostPort(c.Host, strconv.Itoa(c.port())) + " " + string(c.mode())
	if c.User != "" {
		s += " user " + c.User
		switch {
		case c.OAuth2 != nil:
			s += " (oauth2)"
		case c.Password != "":
			s += " (password set)"
		}
	}
	return s
}

// GoString keeps the password out of %#v too.
func (c SMTPConfig) GoString() string { return "mail.SMTPConfig{" + c.String() + "}" }

// Outgoing is one rendered message to deliver, as the outbox holds it.
type Outgoing struct {
	ID   string // the outbox entry, echoed in the Result
	From string // envelope sender (MAIL FROM), a bare address
	To   string // envelope recipient (RCPT TO), a bare address
	Raw  []byte // the message from Compose, sent byte for byte
	// Skip, when set, is asked just before the message goes; true leaves it out unreported,
	// because a change made while the batch was under way made it pointless.
	Skip func() bool
}

// Status is the outcome of delivering one message.
type Status int

// The outcomes of a delivery.
const (
	// Sent means the server accepted the message: it answered 250 to the end of DATA.
	Sent Status = iota + 1
	// Temporary means the message was not delivered now and may be retried later: a 4xx
	// reply, a timeout, a refused or broken connection, a TLS failure, a cancelled context.
	Temporary
	// Permanent means the server refused it for good (a 5xx reply, such as 550 for an
	// unknown mailbox or 535 for a wrong password), or the message or settings are invalid.
	// Retrying the same thing will fail the same way.
	Permanent
)

func (s Status) String() string {
	switch s {
	case Sent:
		return "sent"
	case Temporary:
		return "temporary failure"
	case Permanent:
		return "permanent failure"
	}
	return "unknown"
}

// Result is what became of one Outgoing message.
type Result struct {
	ID     string
	Status Status
	// Code is the server's reply code when it refused (451, 550, 535 …), else 0.
	Code int
	// Reply is the server's reply, code first ("550 5.1.1 No such user"), when it refused;
	// it is the reason to show people for a permanent failure.
	Reply string
	// Err says what went wrong, with context; nil when Sent. It matches ErrConfig for
	// settings that cannot work and ErrAuth for a refused login. It never contains the
	// password.
	Err error
}

// Send delivers msgs in order over one SMTP connection and reports each one. A message is
// Sent only once the server accepted its DATA. A refused message does not stop the batch;
// a broken connection or a cancelled ctx leaves the rest Temporary. If the connection or the
// login fails, every message gets that result.
//
// A message whose connection broke after the data was written but before the server's
// answer is reported Temporary, and may arrive twice after a retry: that is why its
// Message-ID must be stable, so the recipient's client sees one message.
func Send(ctx context.Context, cfg SMTPConfig, msgs []Outgoing) []Result {
	results := make([]Result, 0, len(msgs))
	_ = SendEach(ctx, cfg, msgs, func(r Result) error { results = append(results, r); return nil })
	return results
}

// SendEach is Send handing each message's Result to done as soon as it is known, in order,
// once per message: a Sent result right after the server's 250 to the end of its data.
// It is for callers that record each delivery, so that a crash forgets at most the one
// message the server accepted last.
//
// done runs on its own goroutine for a Sent result while the next message's envelope and
// data go out, and the next message's final dot — the point where the server accepts it —
// waits until done has returned. So no later message is accepted before the earlier one is
// recorded, and recording costs little time on the wire. Calls of done never overlap.
//
// If done returns an error, nothing more is accepted: the message being written is
// abandoned before its final dot, the rest are not reported, and SendEach returns the error.
func SendEach(ctx context.Context, cfg SMTPConfig, msgs []Outgoing, done func(Result) error) error {
	if len(msgs) == 0 {
		return nil
	}
	// pending carries the answer of a done still running for a Sent message.
	var pending chan error
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		return err
	}
	report := func(r Result) error {
		if err := wait(); err != nil {
			return err
		}
		if r.Status != Sent {
			return done(r)
		}
		ch := make(chan error, 1)
		pending = ch
		go func() { ch <- done(r) }()
		return nil
	}
	secrets := secretsOf(cfg)
	reportFrom := func(from int, status Status, err error) error {
		for _, m := range msgs[from:] {
			if err := report(resultOf(m.ID, status, err, secrets)); err != nil {
				return err
			}
		}
		return wait()
	}
	if err := cfg.Validate(); err != nil {
		return reportFrom(0, Permanent, err)
	}

	s, err := dialAuth(ctx, cfg, func(token string) { secrets = append(secrets, tokenSecrets(cfg, token)...) })
	if err != nil {
		return reportFrom(0, classify(err), fmt.Errorf("mail: connecting to %s: %w", cfg, err))
	}
	defer s.close(ctx)

	for i, m := range msgs {
		if err := ctx.Err(); err != nil {
			return reportFrom(i, Temporary, fmt.Errorf("mail: delivery stopped: %w", err))
		}
		if err := m.check(); err != nil {
			if err := report(resultOf(m.ID, Permanent, err, secrets)); err != nil {
				return err
			}
			continue
		}
		if m.Skip != nil && m.Skip() {
			continue
		}
		var recorded error // done's answer for the previous message, when deliver waited for it
		err := s.deliver(ctx, m, func() error { recorded = wait(); return recorded })
		if recorded != nil {
			s.abandon()
			return recorded
		}
		if err == nil {
			if err := report(Result{ID: m.ID, Status: Sent}); err != nil {
				return err
			}
			continue
		}
		if err := report(resultOf(m.ID, classify(err), fmt.Errorf("mail: delivering %s to %s: %w", m.ID, m.To, err), secrets)); err != nil {
			return err
		}
		var reply *textproto.Error
		if !errors.As(err, &reply) || s.client.Reset() != nil {
			// The connection is broken or out of step: the rest waits for the next batch.
			return reportFrom(i+1, Temporary, fmt.Errorf("mail: not tried, the connection failed on an earlier message: %w", err))
		}
	}
	return wait()
}

// SendTest sends a short plain-text message from the organiser to one address, to check
// the settings. It returns nil once the server accepted it.
func SendTest(ctx context.Context, cfg SMTPConfig, from Address, to string) error {
	now := time.Now()
	raw, err := Compose(Message{
		MessageID: fmt.Sprintf("<test-%d@xchangedesk>", now.UnixNano()),
		Date:      now,
		From:      from,
		To:        Address{Email: to},
		Content: Content{
			Subject: "Xchange Desk test message",
			Text: "This is a test message from Xchange Desk.\n\n" +
				"The SMTP settings work: invitations and updates will be sent through " + cfg.String() + ".\n",
		},
	})
	if err != nil {
		return err
	}
	r := Send(ctx, cfg, []Outgoing{{ID: "test", From: from.Email, To: to, Raw: raw}})[0]
	return r.Err
}

func (m Outgoing) check() error {
	var errs []error
	for _, err := range []error{exchange.CheckEmail("from", m.From), exchange.CheckEmail("to", m.To)} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(m.Raw) == 0 {
		errs = append(errs, &exchange.RuleError{Field: "raw", Rule: exchange.RuleRequired, Reason: "is required"})
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w %s: %w", ErrInvalid, m.ID, exchange.Problems(errs))
	}
	return nil
}

// session is one SMTP connection, set up by go-mail (TLS, EHLO, AUTH) and then driven
// command by command, so each message goes out as the exact bytes it was composed as.
type session struct {
	client  *smtp.Client
	conn    net.Conn // the TCP connection under any TLS, to interrupt blocking I/O
	timeout time.Duration
	stop    func() bool
	gone    bool // abandoned: nothing more is said on it
}

// ErrToken marks a failure to get an OAuth2 access token: nothing was said to the server.
// The token source's own error is wrapped too (oauth.ErrSignInAgain for a refused sign-in).
var ErrToken = errors.New("mail: no OAuth2 access token")

// tokenError is a failure of the token source; it matches ErrToken and unwraps to the cause.
type tokenError struct{ err error }

func (e *tokenError) Error() string        { return "getting an OAuth2 access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error        { return e.err }
func (e *tokenError) Is(target error) bool { return target == ErrToken }

// dialAuth connects and signs in. With OAuth2 it first gets an access token (so a sign-in
// that needs renewing costs no connection), and when the server refuses it with 535 it
// tells the source and tries once more with a fresh token, on a new connection: an access
// token the provider ended early is replaced without anybody noticing, and a token that
// keeps failing costs two logins, never a loop. used hears every token before it is sent.
func dialAuth(ctx context.Context, cfg SMTPConfig, used func(token string)) (*session, error) {
	if cfg.OAuth2 == nil {
		return dial(ctx, cfg, "")
	}
	token, err := cfg.OAuth2.AccessToken(ctx)
	if err != nil {
		return nil, &tokenError{err}
	}
	used(token)
	s, err := dial(ctx, cfg, token)
	var reply *textproto.Error
	if err == nil || !errors.As(err, &reply) || reply.Code != 535 {
		return s, err
	}
	cfg.OAuth2.Refused(token)
	fresh, terr := cfg.OAuth2.AccessToken(ctx)
	if terr != nil {
		return nil, &tokenError{terr}
	}
	if fresh == token {
		return nil, err
	}
	used(fresh)
	return dial(ctx, cfg, fresh)
}

func dial(ctx context.Context, cfg SMTPConfig, token string) (*session, error) {
	timeout := cfg.timeout()
	tlsConfig := &tls.Config{
		ServerName:         strings.Trim(cfg.Host, "[]"),
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.InsecureSkipVerify, // Validate refuses it unless the server is on this machine
	}
	var (
		mu   sync.Mutex
		conn net.Conn
	)
	// go-mail dials through this function, so the TCP connection is known here. For
	// implicit TLS the handshake happens here too: go-mail only wraps TLS itself when it
	// dials with its own dialer.
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conn = c
		mu.Unlock()
		if cfg.mode() != ImplicitTLS {
			return c, nil
		}
		tc := tls.Client(c, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(cfg.port()),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dialer),
	}
	switch cfg.mode() {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS:
		// Already encrypted: go-mail finds no STARTTLS to do and sees the TLS state.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	switch {
	case cfg.OAuth2 != nil:
		opts = append(opts, gomail.WithSMTPAuthCustom(&bearerAuth{user: cfg.User, host: strings.Trim(cfg.Host, "[]"),
			port: cfg.port(), token: token, local: isLoopback(cfg.Host)}))
	case cfg.User == "":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	case cfg.mode() == NoTLS:
		// Only on this machine (Validate); go-mail's discovery would refuse PLAIN and LOGIN.
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
			gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc),
			gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	default:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	}
	gm, err := gomail.NewClient(strings.Trim(cfg.Host, "[]"), opts...)
	if err != nil {
		return nil, err
	}

	// Cancelling ctx interrupts whatever the connection is waiting for.
	interrupt := func() {
		mu.Lock()
		defer mu.Unlock()
		if conn != nil {
			_ = conn.SetDeadline(time.Unix(1, 0))
		}
	}
	stop := context.AfterFunc(ctx, interrupt)
	client, err := gm.DialToSMTPClientWithContext(ctx)
	if err != nil {
		stop()
		mu.Lock()
		if conn != nil {
			conn.Close()
		}
		mu.Unlock()
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			return nil, fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return nil, authError(err)
	}
	return &session{client: client, conn: conn, timeout: timeout, stop: stop}, nil
}

// bearerAuth signs in with an OAuth2 access token: SASL OAUTHBEARER (RFC 7628) when the
// server offers it, else XOAUTH2 (Google's and Microsoft's). When the server refuses the
// token, OAUTHBEARER and Google's XOAUTH2 first send an error as a challenge (JSON, RFC 7628
// 3.2.2); the client answers it with the dummy response and the server then replies 535.
type bearerAuth struct {
	user, host string
	port       int
	token      string
	local      bool // the server is on this machine: no TLS needed
	mech       string
}

func (a *bearerAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.local {
		return "", nil, fmt.Errorf("%w: the connection is not encrypted; an access token is only sent over TLS", ErrConfig)
	}
	offers := func(mech string) bool {
		for _, m := range server.Auth {
			if strings.EqualFold(m, mech) {
				return true
			}
		}
		return false
	}
	switch {
	case offers("OAUTHBEARER"):
		a.mech = "OAUTHBEARER"
		return a.mech, oauth.OAUTHBEARER(a.user, a.host, a.port, a.token), nil
	case offers("XOAUTH2"):
		a.mech = "XOAUTH2"
		return a.mech, oauth.XOAUTH2(a.user, a.token), nil
	}
	offered := strings.Join(server.Auth, " ")
	if offered == "" {
		offered = "no AUTH at all"
	}
	return "", nil, fmt.Errorf("%w: the server offers no OAuth2 sign-in (AUTH XOAUTH2 or OAUTHBEARER), only %s; sign in with a password instead",
		ErrConfig, offered)
}

func (a *bearerAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.mech == "OAUTHBEARER" {
		return []byte{0x01}, nil // RFC 7628 3.2.3: the dummy response to the error
	}
	return []byte{}, nil // XOAUTH2: an empty response to the error
}

// authError marks a refused login, so Send's callers can tell it from a refused message.
func authError(err error) error {
	// Only AUTH answers these while connecting (RFC 4954 § 6): 535 invalid credentials,
	// 534 mechanism too weak.
	var reply *textproto.Error
	if errors.As(err, &reply) && (reply.Code == 535 || reply.Code == 534) {
		return &authFailed{err}
	}
	return err
}

// authFailed is a refused login; it matches ErrAuth.
type authFailed struct{ err error }

func (e *authFailed) Error() string        { return "the server refused the login: " + e.err.Error() }
func (e *authFailed) Unwrap() error        { return e.err }
func (e *authFailed) Is(target error) bool { return target == ErrAuth }

// deliver sends one message: MAIL, RCPT, DATA, the raw bytes, and the final dot. Before the
// final dot it calls ready, and abandons the message without the dot when ready fails. It
// returns nil only when the server answered 250 to the data.
func (s *session) deliver(ctx context.Context, m Outgoing, ready func() error) error {
	if err := s.client.UpdateDeadline(s.timeout); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil { // cancelled while the deadline was extended
		return err
	}
	if err := s.client.Mail("<" + m.From + ">"); err != nil {
		return err
	}
	if err := s.client.Rcpt("<" + m.To + ">"); err != nil {
		return err
	}
	w, err := s.client.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.Raw); err != nil {
		w.Close()
		return err
	}
	if err := ready(); err != nil {
		return err // the caller abandons the connection: no dot, so the server drops the message
	}
	return w.Close()
}

// abandon drops the connection at once, without the final dot of a message being written,
// so the server accepts nothing more from it.
func (s *session) abandon() {
	s.gone = true
	s.conn.Close()
}

// close says QUIT politely unless ctx was cancelled, and closes the connection.
func (s *session) close(ctx context.Context) {
	s.stop()
	if s.gone {
		return
	}
	if ctx.Err() == nil {
		_ = s.client.UpdateDeadline(s.timeout)
		_ = s.client.Quit()
	}
	s.conn.Close()
}

// classify sorts a failure: the server's 5xx replies are permanent, everything else (4xx,
// timeouts, refused or broken connections, TLS errors) may work later.
func classify(err error) Status {
	var reply *textproto.Error
	if errors.As(err, &reply) && reply.Code >= 500 && reply.Code < 600 {
		return Permanent
	}
	if errors.Is(err, ErrConfig) || errors.Is(err, ErrInvalid) {
		return Permanent
	}
	return Temporary
}

func resultOf(id string, status Status, err error, secrets []string) Result {
	r := Result{ID: id, Status: status, Err: redact(err, secrets)}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		r.Code = reply.Code
		r.Reply = redactString(fmt.Sprintf("%03d %s", reply.Code, reply.Msg), secrets)
	}
	return r
}

// secretsOf lists what must never appear in an error: the password, and the forms AUTH
// PLAIN and LOGIN send it in, should a server echo them back.
func secretsOf(cfg SMTPConfig) []string {
	if cfg.Password == "" {
		return nil
	}
	enc := base64.StdEncoding.EncodeToString
	return []string{
		enc([]byte("\x00" + cfg.User + "\x00" + cfg.Password)),
		enc([]byte(cfg.User + "\x00" + cfg.User + "\x00" + cfg.Password)),
		enc([]byte(cfg.Password)),
		cfg.Password,
	}
}

// tokenSecrets lists the access token and the AUTH responses that carry it.
func tokenSecrets(cfg SMTPConfig, token string) []string {
	if token == "" {
		return nil
	}
	enc := base64.StdEncoding.EncodeToString
	return []string{
		enc(oauth.XOAUTH2(cfg.User, token)),
		enc(oauth.OAUTHBEARER(cfg.User, strings.Trim(cfg.Host, "[]"), cfg.port(), token)),
		token,
	}
}

// redacted is an error whose message has the secrets removed; it still unwraps to the
// original for errors.Is and errors.As.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	return &redacted{msg: redactString(err.Error(), secrets), err: err}
}

func redactString(s string, secrets []string) string {
	for _, secret := range secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}
