// Package mailbox reads the organiser's IMAP mailbox, where hosts' calendar clients send
// their replies (github.com/emersion/go-imap/v2).
//
// It only reads and labels: messages are fetched with BODY.PEEK[] so they stay unread, and
// a message the app has processed gets the keyword $XchangeDesk. \Seen and \Deleted are
// never touched and no message is moved. Where the server keeps no keywords (PERMANENTFLAGS
// without \* or $XchangeDesk), the caller remembers the processed UIDVALIDITY and UIDs
// instead (store.Store.MarkSeen), and passes them back to Fetch as done.
//
// Dial, Fetch, MarkProcessed and Test bound every exchange with the server by
// Config.Timeout and by their context, and say what went wrong in words ("the mail server
// imap.example.org:993 did not answer within 30 s"). A Poller runs the rounds in its own
// goroutine, every few minutes and on demand.
package mailbox

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/oauth"
)

// Keyword marks a message the app has processed, so neither this desk nor another one
// reading the same mailbox reads it again.
const Keyword imap.Flag = "$XchangeDesk"

// DefaultFolder is read when Config.Folder is empty.
const DefaultFolder = "INBOX"

// DefaultTimeout bounds connecting and each IMAP exchange when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// A first look at a mailbox full of old mail must not load all of it at once: Fetch hands
// over a batch at a time, and one UID FETCH asks for a few messages. Variables, so the tests
// can make them small.
var (
	fetchChunk   = 20       // messages asked for by one UID FETCH
	batchCount   = 100      // messages Fetch returns at most
	batchBytes   = 16 << 20 // bytes after which Fetch asks for no more
	maxMessageSz = 32 << 20 // messages this large or larger are left alone: no reply is that big
)

// Config says how to reach the organiser's mailbox. Its String method, and so %v, never
// shows the password.
type Config struct {
	Host string
	Port int          // zero means the mode's usual port: 143, or 993 for tls
	TLS  mail.TLSMode // starttls, tls or none (none only for this machine); empty means starttls
	// User and Password log in (IMAP LOGIN). Errors never contain the password.
	User, Password string
	Folder         string // the folder replies arrive in; empty means INBOX
	// Token, when set, signs in with OAuth2 instead of the password: Dial asks it for an
	// access token before it connects, and authenticates as User with SASL OAUTHBEARER
	// (RFC 7628) where the server offers AUTH=OAUTHBEARER, else with XOAUTH2. An error
	// matching oauth.ErrSignInAgain ends Dial before it connects. WithOAuth2 sets Token,
	// Refused and User from an *oauth.Source.
	Token func(ctx context.Context) (accessToken string, err error)
	// Refused, if set, is told the access token the server turned down (a NO to
	// AUTHENTICATE), so that the next Token call refreshes. Dial then asks Token once
	// more and, given a new token, tries once more on the same connection.
	Refused func(accessToken string)
	// InsecureSkipVerify accepts any server certificate. It is for tests against a server
	// on this machine, and refused for any other host.
	InsecureSkipVerify bool
	// Timeout bounds connecting and every command; zero means DefaultTimeout.
	Timeout time.Duration
}

// Errors, matched with errors.Is. Every error from Dial, Fetch, MarkProcessed and Test
// other than ErrConfig and a cancelled context is an *Error that matches one of the rest.
var (
	ErrConfig      = errors.New("mailbox: IMAP settings")           // the settings cannot work; nothing was tried
	ErrUnreachable = errors.New("mailbox: mail server unreachable") // no connection, or TLS failed
	ErrTimeout     = errors.New("mailbox: mail server did not answer in time")
	ErrAuth        = errors.New("mailbox: the IMAP server refused the login") // user or password wrong
	ErrFolder      = errors.New("mailbox: the folder cannot be opened")
	ErrServer      = errors.New("mailbox: the IMAP server refused a command")
	// ErrToken means Config.Token gave no access token (the provider could not be reached,
	// or the sign-in is gone: then the error matches oauth.ErrSignInAgain as well).
	ErrToken = errors.New("mailbox: no access token for the OAuth2 sign-in")
)

// WithOAuth2 signs in with the access tokens of src, the one token source shared with the
// sender: Token and Refused use it, and the user is the signed-in mailbox (src.Account)
// when it names one. The password is dropped.
func (c Config) WithOAuth2(src *oauth.Source) Config {
	c.Password = ""
	if a := src.Account(); a != "" {
		c.User = a
	}
	c.Token = func(ctx context.Context) (string, error) {
		t, err := src.TokenContext(ctx)
		if err != nil {
			return "", err
		}
		return t.AccessToken, nil
	}
	c.Refused = src.Refused
	return c
}

// Error is a failure to talk to the mailbox. Error returns the words to show people, such
// as "the server refused the login for user desk@example.org: Authentication failed.";
// errors.Is matches Kind (ErrUnreachable, ErrTimeout, ErrAuth, ErrFolder or ErrServer).
type Error struct {
	Kind error
	Text string
	Err  error // what the network or library said, if anything
}

func (e *Error) Error() string { return e.Text }

// Unwrap gives errors.Is and errors.As both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Validate checks the settings without connecting. Host, port and TLS mode follow the same
// rules as the SMTP settings (mail.SMTPConfig.Validate): "none" only for a server on this
// machine. The errors are *exchange.RuleError values (fields host, port, tls, user,
// folder, timeout) wrapped in ErrConfig.
func (c Config) Validate() error {
	var errs []error
	flagged := map[string]bool{} // one problem per field is enough to show
	add := func(err error) {
		for _, v := range exchange.Violations(err) {
			if !flagged[v.Field] {
				errs = append(errs, v)
				flagged[v.Field] = true
			}
		}
	}
	password := c.Password
	if c.Token != nil {
		password = "" // not used
	}
	add(mail.SMTPConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, User: c.User, Password: password,
		InsecureSkipVerify: c.InsecureSkipVerify, Timeout: c.Timeout}.Validate())
	add(exchange.CheckLine("host", c.Host))
	add(exchange.CheckLine("user", c.User))
	if strings.TrimSpace(c.User) == "" {
		add(&exchange.RuleError{Field: "user", Rule: exchange.RuleRequired, Reason: "is required"})
	}
	add(exchange.CheckLine("folder", c.Folder))
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrConfig, exchange.Problems(errs))
	}
	return nil
}

func (c Config) mode() mail.TLSMode {
	m, _ := mail.ParseTLSMode(string(c.TLS))
	return m
}

func (c Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.mode() == mail.ImplicitTLS:
		return 993
	}
	return 143
}

func (c Config) folder() string {
	if f := strings.TrimSpace(c.Folder); f != "" {
		return f
	}
	return DefaultFolder
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// Addr is the server's host:port, as the error messages name it.
func (c Config) Addr() string {
	return net.JoinHostPort(strings.TrimSpace(c.Host), strconv.Itoa(c.port()))
}

// String describes the settings for people and logs, without the password or a token:
// "imap.example.org:993 tls user office@example.org folder INBOX", with "(oauth2)" after
// the user when Token is set.
func (c Config) String() string {
	s := c.Addr() + " " + string(c.mode())
	if c.User != "" {
		s += " user " + c.User
		if c.Token != nil {
			s += " (oauth2)"
		} else if c.Password != "" {
			s += " (password set)"
		}
	}
	return s + " folder " + c.folder()
}

// GoString keeps the password out of %#v too.
func (c Config) GoString() string { return "mailbox.Config{" + c.String() + "}" }

// Message is one message of the folder, byte for byte as the server holds it.
type Message struct {
	UIDValidity, UID uint32
	Raw              []byte
}

// Client is one logged-in connection with the folder selected. It is not safe for
// concurrent use.
type Client struct {
	cfg         Config
	conn        *activeConn // under any TLS, so a timeout can interrupt blocked I/O
	imap        *imapclient.Client
	uidValidity uint32
	keywords    bool // PERMANENTFLAGS allow $XchangeDesk
}

// Dial connects, logs in and selects the folder (read-write, which STORE needs; selecting
// changes no flag). With Config.Token it signs in with OAuth2 (see Config.Token).
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	addr := cfg.Addr()
	var token string
	if cfg.Token != nil {
		// Before connecting: a sign-in that is gone costs the server no failed login.
		var err error
		if token, err = c.token(ctx); err != nil {
			return nil, err
		}
	}
	dialer := net.Dialer{Timeout: cfg.timeout()}
	tcp, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, c.netError(ctx, "connecting", err)
	}
	conn := &activeConn{Conn: tcp}
	c.conn = conn
	tlsConfig := &tls.Config{
		ServerName:         strings.Trim(strings.TrimSpace(cfg.Host), "[]"),
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: cfg.InsecureSkipVerify, // Validate refuses it unless the server is on this machine
	}
	opts := &imapclient.Options{TLSConfig: tlsConfig}
	err = c.do(ctx, "greeting", func() error {
		switch cfg.mode() {
		case mail.ImplicitTLS:
			tlsConfig.NextProtos = []string{"imap"}
			tc := tls.Client(conn, tlsConfig)
			if err := tc.Handshake(); err != nil {
				return tlsError(addr, err)
			}
			c.imap = imapclient.New(tc, opts)
		case mail.StartTLS:
			ic, err := imapclient.NewStartTLS(conn, opts)
			var refused *imap.Error
			switch {
			case errors.As(err, &refused):
				return &Error{Kind: ErrUnreachable, Err: err,
					Text: fmt.Sprintf("the mail server %s did not start TLS (STARTTLS): %s", addr, words(err))}
			case err != nil:
				return tlsError(addr, err)
			}
			c.imap = ic
			return nil
		default:
			c.imap = imapclient.New(conn, opts)
		}
		return c.imap.WaitGreeting()
	})
	if err != nil {
		c.close()
		return nil, err
	}
	if cfg.Token != nil {
		if err := c.authenticate(ctx, token); err != nil {
			c.close()
			return nil, err
		}
	} else if err := c.do(ctx, "login", func() error { return c.imap.Login(cfg.User, cfg.Password).Wait() }); err != nil {
		c.close()
		var refused *imap.Error
		if errors.As(err, &refused) {
			return nil, &Error{Kind: ErrAuth, Err: err,
				Text: fmt.Sprintf("the server refused the login for user %s: %s", cfg.User, words(err))}
		}
		return nil, err
	}
	var data *imap.SelectData
	err = c.do(ctx, "select", func() (err error) {
		data, err = c.imap.Select(cfg.folder(), nil).Wait()
		return err
	})
	if err != nil {
		c.close()
		var refused *imap.Error
		if errors.As(err, &refused) {
			return nil, &Error{Kind: ErrFolder, Err: err,
				Text: fmt.Sprintf("the mail server %s cannot open the folder %q: %s", addr, cfg.folder(), words(err))}
		}
		return nil, err
	}
	c.uidValidity = data.UIDValidity
	c.keywords = slices.Contains(data.PermanentFlags, imap.FlagWildcard) || slices.Contains(data.PermanentFlags, Keyword)
	return c, nil
}

// Test checks the settings as the settings form's Test action does: it connects, logs in,
// opens the folder and logs out. It returns nil when all of that worked.
func Test(ctx context.Context, cfg Config) error {
	c, err := Dial(ctx, cfg)
	if err != nil {
		return err
	}
	return c.Close()
}

// UIDValidity is the folder's UIDVALIDITY: UIDs remembered under another value are stale.
func (c *Client) UIDValidity() uint32 { return c.uidValidity }

// KeywordsAllowed says whether the folder keeps $XchangeDesk; when it does not,
// MarkProcessed reports false and the caller remembers the UIDs.
func (c *Client) KeywordsAllowed() bool { return c.keywords }

// Fetch returns messages of the folder not yet processed, oldest first: those without the
// keyword $XchangeDesk for which done (if not nil) returns false. Messages are read with
// BODY.PEEK[], so none becomes \Seen. It returns at most 100 messages or about 16 MiB at a
// time: call it again, after marking those or telling done about them, for the rest, until
// it returns none. Messages of 32 MiB or more are never returned.
func (c *Client) Fetch(ctx context.Context, done func(uidValidity, uid uint32) bool) ([]Message, error) {
	var found *imap.SearchData
	err := c.do(ctx, "search", func() (err error) {
		found, err = c.imap.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{Keyword}, Smaller: int64(maxMessageSz)}, nil).Wait()
		return err
	})
	if err != nil {
		return nil, c.refused("searching the folder", err)
	}
	var todo []imap.UID
	for _, uid := range found.AllUIDs() {
		if done == nil || !done(c.uidValidity, uint32(uid)) {
			todo = append(todo, uid)
		}
	}
	slices.Sort(todo)
	todo = todo[:min(len(todo), batchCount)]
	body := &imap.FetchItemBodySection{Peek: true}
	var out []Message
	size := 0
	for chunk := range slices.Chunk(todo, fetchChunk) {
		if size >= batchBytes {
			break
		}
		var bufs []*imapclient.FetchMessageBuffer
		err := c.do(ctx, "fetch", func() (err error) {
			bufs, err = c.imap.Fetch(imap.UIDSetNum(chunk...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
			return err
		})
		if err != nil {
			return nil, c.refused("fetching messages", err)
		}
		for _, b := range bufs {
			// A message expunged meanwhile is simply absent; one without a body is skipped.
			if raw := b.FindBodySection(body); b.UID != 0 && raw != nil {
				out = append(out, Message{UIDValidity: c.uidValidity, UID: uint32(b.UID), Raw: raw})
				size += len(raw)
			}
		}
	}
	slices.SortFunc(out, func(a, b Message) int { return cmp.Compare(a.UID, b.UID) })
	return out, nil
}

// MarkProcessed gives the messages the keyword $XchangeDesk (UID STORE +FLAGS.SILENT) and
// reports true. Where the folder keeps no keywords, or the server refuses the STORE, it
// changes nothing and reports false: the caller then remembers the UIDs itself. It never
// changes any other flag.
func (c *Client) MarkProcessed(ctx context.Context, uids []uint32) (keywordsOK bool, err error) {
	if !c.keywords {
		return false, nil
	}
	if len(uids) == 0 {
		return true, nil
	}
	set := make([]imap.UID, len(uids))
	for i, u := range uids {
		set[i] = imap.UID(u)
	}
	err = c.do(ctx, "store", func() error {
		return c.imap.Store(imap.UIDSetNum(set...), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{Keyword}}, nil).Close()
	})
	var refused *imap.Error
	if errors.As(err, &refused) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// Close logs out and closes the connection.
func (c *Client) Close() error {
	err := c.do(context.Background(), "logout", func() error { return c.imap.Logout().Wait() })
	c.close()
	return err
}

func (c *Client) close() {
	if c.imap != nil {
		_ = c.imap.Close()
	} else if c.conn != nil {
		_ = c.conn.Close()
	}
}

// do runs one exchange with the server, bounded by ctx and by the timeout, which counts
// from the last byte received: a large message that keeps arriving is not cut off, a server
// that falls silent is. When either runs out it closes the connection under any TLS, which
// ends the exchange, and says so.
func (c *Client) do(ctx context.Context, what string, exchange func() error) error {
	done := make(chan error, 1)
	c.conn.touch()
	go func() { done <- exchange() }()
	timeout := c.cfg.timeout()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return c.netError(ctx, what, err)
			}
			return nil
		case <-timer.C:
			if quiet := c.conn.quiet(); quiet < timeout {
				timer.Reset(timeout - quiet)
				continue
			}
			_ = c.conn.Close()
			<-done
			return c.timeoutError()
		case <-ctx.Done():
			_ = c.conn.Close()
			<-done
			return fmt.Errorf("mailbox: %s with %s stopped: %w", what, c.cfg.Addr(), ctx.Err())
		}
	}
}

// activeConn is the TCP connection, noting when bytes last arrived.
type activeConn struct {
	net.Conn
	last atomic.Int64 // UnixNano of the last read that returned bytes
}

func (c *activeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.touch()
	}
	return n, err
}

func (c *activeConn) touch() { c.last.Store(time.Now().UnixNano()) }

func (c *activeConn) quiet() time.Duration { return time.Since(time.Unix(0, c.last.Load())) }

func (c *Client) timeoutError() error {
	return &Error{Kind: ErrTimeout, Err: context.DeadlineExceeded,
		Text: fmt.Sprintf("the mail server %s did not answer within %s", c.cfg.Addr(), seconds(c.cfg.timeout()))}
}

// netError says in words what a failed exchange means. Server refusals (*imap.Error) and
// errors already said in words pass through for the caller to name.
func (c *Client) netError(ctx context.Context, what string, err error) error {
	var said *Error
	var refused *imap.Error
	var netErr net.Error
	var dnsErr *net.DNSError
	addr := c.cfg.Addr()
	switch {
	case errors.As(err, &said), errors.As(err, &refused):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("mailbox: %s with %s stopped: %w", what, addr, ctx.Err())
	case errors.As(err, &dnsErr):
		return &Error{Kind: ErrUnreachable, Err: err, Text: fmt.Sprintf("the mail server %s cannot be found (%s)", addr, dnsErr.Err)}
	case errors.As(err, &netErr) && netErr.Timeout():
		return c.timeoutError()
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Kind: ErrUnreachable, Err: err, Text: fmt.Sprintf("the mail server %s refused the connection: nothing listens on port %d", addr, c.cfg.port())}
	}
	return &Error{Kind: ErrUnreachable, Err: err, Text: fmt.Sprintf("the connection to the mail server %s failed (%s): %v", addr, what, err)}
}

// tlsError says why TLS could not be set up: most often a certificate not trusted here.
func tlsError(addr string, err error) error {
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return &Error{Kind: ErrUnreachable, Err: err,
			Text: fmt.Sprintf("the mail server %s has a certificate this computer does not trust: %v", addr, certErr.Err)}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return err // a timeout or a closed connection, for netError to say
	}
	return &Error{Kind: ErrUnreachable, Err: err, Text: fmt.Sprintf("the TLS handshake with the mail server %s failed: %v", addr, err)}
}

// refused names a command the server answered NO or BAD, with the server's words.
func (c *Client) refused(doing string, err error) error {
	var refused *imap.Error
	if errors.As(err, &refused) {
		return &Error{Kind: ErrServer, Err: err, Text: fmt.Sprintf("the mail server %s refused %s: %s", c.cfg.Addr(), doing, words(err))}
	}
	return err
}

// words is what the server said, without the library's "imap: NO [CODE]" prefix.
func words(err error) string {
	var refused *imap.Error
	if errors.As(err, &refused) && refused.Text != "" {
		return refused.Text
	}
	return err.Error()
}

// seconds writes a duration as people read a timeout: "30 s", "0.5 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}
