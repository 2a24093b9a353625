package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
	"github.com/xchangedesk/xchangedesk/exchange/oauth/oauthtest"
	"github.com/xchangedesk/xchangedesk/store"
)

// These tests sign in against a real authorisation server (zitadel/oidc's OP, oauthtest)
// and keep the sign-in in a real Secret Service (gnome-keyring-daemon, keyringtest).

// oauthWorld starts the server and a keyring, and sets the server up as a custom provider.
func oauthWorld(t *testing.T) (*oauthtest.Server, string) {
	t.Helper()
	keyringtest.Start(t)
	srv := oauthtest.Start(t)
	db := filepath.Join(t.TempDir(), "x.db")
	useServer(t, db, srv)
	return srv, db
}

func useServer(t *testing.T, db string, srv *oauthtest.Server) {
	t.Helper()
	mustRun(t, db, "oauth", "--provider", "custom", "--client-id", oauthtest.ClientID,
		"--auth-url", srv.AuthURL, "--token-url", srv.TokenURL, "--device-url", srv.DeviceURL,
		"--revoke-url", srv.RevokeURL, "--scopes", oauthtest.Scopes)
}

// lineWriter is standard output of a CLI running in the background: the test reads each
// line as it is written.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	part  string
	lines chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 100)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part += string(p)
	for {
		i := strings.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		w.lines <- w.part[:i]
		w.part = w.part[i+1:]
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// background runs the CLI in this process while the test plays the user.
type background struct {
	out, errs *lineWriter
	done      chan int
}

func runInBackground(db string, args ...string) *background {
	b := &background{out: newLineWriter(), errs: newLineWriter(), done: make(chan int, 1)}
	go func() { b.done <- runCLI(db, args, b.out, b.errs) }()
	return b
}

// line waits for the next line of standard output.
func (b *background) line(t *testing.T) string {
	t.Helper()
	select {
	case l := <-b.out.lines:
		return l
	case code := <-b.done:
		t.Fatalf("the command ended (exit %d) before printing a line: %s%s", code, b.out, b.errs)
	case <-time.After(30 * time.Second):
		t.Fatalf("no line after 30 s: %s%s", b.out, b.errs)
	}
	return ""
}

func (b *background) wait(t *testing.T) (int, string, string) {
	t.Helper()
	select {
	case code := <-b.done:
		return code, b.out.String(), b.errs.String()
	case <-time.After(60 * time.Second):
		t.Fatalf("the command did not end: %s%s", b.out, b.errs)
	}
	return 0, "", ""
}

// follow plays the browser: it opens the address and follows the redirects, to the
// server's sign-in page (which approves at once) and back to the CLI's loopback address.
func follow(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("the browser: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in") {
		t.Fatalf("the browser ends on %s: %s", resp.Status, body)
	}
}

// signInWithBrowser runs `signin --no-browser` and follows the address it prints.
func signInWithBrowser(t *testing.T, db string) (stdout, stderr string) {
	t.Helper()
	b := runInBackground(db, "signin", "--no-browser")
	first := b.line(t)
	const prefix = "Open this address to sign in: "
	if !strings.HasPrefix(first, prefix) {
		t.Fatalf("the first line is %q", first)
	}
	addr := strings.TrimPrefix(first, prefix)
	if u, err := url.Parse(addr); err != nil || u.Query().Get("code_challenge") == "" {
		t.Fatalf("not a sign-in address with PKCE: %q", addr)
	}
	follow(t, addr)
	code, out, errs := b.wait(t)
	if code != 0 {
		t.Fatalf("signin: exit %d: %s%s", code, out, errs)
	}
	if n := strings.Count(out, "Open this address to sign in:"); n != 1 {
		t.Errorf("the address was printed %d times", n)
	}
	return out, errs
}

// keptRefreshToken reads the refresh token that the keyring holds for the test server's account.
func keptRefreshToken(t *testing.T, srv *oauthtest.Server) string {
	t.Helper()
	u, _ := url.Parse(srv.TokenURL)
	tok, err := keyring.Get("Xchange Desk", "oauth2://"+oauthtest.Account+"@"+u.Host+u.Path+"?client_id="+url.QueryEscape(oauthtest.ClientID))
	if err != nil {
		t.Fatalf("the keyring holds no refresh token: %v", err)
	}
	return tok
}

var tokenLike = regexp.MustCompile(`[A-Za-z0-9_-]{32,}`)

// noTokenIn fails the test if any output holds the refresh token or anything that looks
// like a token; the sign-in address (with its state and PKCE challenge) is left out.
func noTokenIn(t *testing.T, refresh string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, refresh) {
			t.Errorf("an output holds the refresh token: %s", o)
		}
		for _, l := range strings.Split(o, "\n") {
			if strings.HasPrefix(l, "Open this address to sign in: ") || strings.HasPrefix(l, "On any device, open this address: ") {
				continue
			}
			if m := tokenLike.FindString(l); m != "" {
				t.Errorf("an output line holds something like a token (%s): %s", m, l)
			}
		}
	}
}

func TestSignInWithTheBrowserKeepsTheSignInInTheKeyring(t *testing.T) {
	srv, db := oauthWorld(t)
	if got := mustRun(t, db, "oauth"); !strings.Contains(got, "account not signed in") || !strings.Contains(got, "token-url "+srv.TokenURL) {
		t.Fatalf("oauth before signing in says %q", got)
	}
	out, errs := signInWithBrowser(t, db)
	if !strings.Contains(out, "Signed in as "+oauthtest.Account+" until ") {
		t.Errorf("signin says %q", out)
	}
	shown := mustRun(t, db, "oauth")
	if !strings.Contains(shown, "account "+oauthtest.Account) {
		t.Errorf("oauth after signing in says %q", shown)
	}
	refresh := keptRefreshToken(t, srv)
	noTokenIn(t, refresh, out, errs, shown)
	nothingHolds(t, db, refresh)

	// The store's shared source finds the sign-in and gets an access token the server honours.
	st, err := store.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := st.OAuthSource()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if in := srv.Introspect(t, tok.AccessToken); !in.Active || in.Username != oauthtest.Account {
		t.Errorf("the server says of the access token: %+v", in)
	}
	st.Close()
	nothingHolds(t, db, tok.AccessToken)
}

func TestSignInOnAnotherDevice(t *testing.T) {
	srv, db := oauthWorld(t)
	b := runInBackground(db, "signin", "--device")
	first, second := b.line(t), b.line(t)
	if !strings.HasPrefix(first, "On any device, open this address: ") || !strings.Contains(first, srv.URL) {
		t.Fatalf("the first line is %q", first)
	}
	code, ok := strings.CutPrefix(second, "and enter this code: ")
	if !ok || strings.TrimSpace(code) == "" {
		t.Fatalf("the second line is %q", second)
	}
	srv.ApproveDevice(t, strings.TrimSpace(code))
	status, out, errs := b.wait(t)
	if status != 0 || !strings.Contains(out, "Signed in as "+oauthtest.Account) {
		t.Fatalf("signin --device: exit %d: %s%s", status, out, errs)
	}
	if got := mustRun(t, db, "oauth"); !strings.Contains(got, "account "+oauthtest.Account) {
		t.Errorf("oauth after signing in says %q", got)
	}
	noTokenIn(t, keptRefreshToken(t, srv), out, errs)
}

func TestGoogleRefusesTheDeviceFlowClearly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	mustRun(t, db, "oauth", "--provider", "google", "--client-id", "1234-abc.apps.googleusercontent.com")
	code, out, errs := xchange(t, db, "signin", "--device")
	if code != 1 || !strings.Contains(errs, "Google does not allow its mail scope (https://mail.google.com/) in the device flow") ||
		!strings.Contains(errs, "sign in with the browser") {
		t.Errorf("signin --device with Google: exit %d, %q %q", code, out, errs)
	}
	if strings.Contains(errs, "oauth:") {
		t.Errorf("the refusal keeps the package's prefix: %q", errs)
	}
}

func TestWithoutAKeyringSignInRefuses(t *testing.T) {
	srv := oauthtest.Start(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	db := filepath.Join(t.TempDir(), "x.db")
	useServer(t, db, srv)
	code, out, errs := xchange(t, db, "signin", "--no-browser")
	if code != 1 || !strings.Contains(errs, "no keyring") || !strings.Contains(errs, "nothing was signed in") {
		t.Errorf("signin without a keyring: exit %d, %q %q", code, out, errs)
	}
	if out != "" || srv.Requests(srv.TokenURL) != 0 {
		t.Errorf("signin without a keyring went ahead: %q, %d token requests", out, srv.Requests(srv.TokenURL))
	}
}

func TestSignOutRevokesTheSignIn(t *testing.T) {
	srv, db := oauthWorld(t)
	signInWithBrowser(t, db)
	refresh := keptRefreshToken(t, srv)
	if srv.RefreshTokens() != 1 {
		t.Fatalf("%d refresh tokens at the server", srv.RefreshTokens())
	}
	out := mustRun(t, db, "signout")
	if !strings.Contains(out, "Signed out of "+oauthtest.Account+"; the provider revoked the sign-in.") {
		t.Errorf("signout says %q", out)
	}
	if srv.Requests(srv.RevokeURL) != 1 || srv.RefreshTokens() != 0 {
		t.Errorf("%d revocations, %d refresh tokens left", srv.Requests(srv.RevokeURL), srv.RefreshTokens())
	}
	if got := mustRun(t, db, "oauth"); !strings.Contains(got, "account not signed in") {
		t.Errorf("oauth after signing out says %q", got)
	}
	noTokenIn(t, refresh, out)
	if got := mustRun(t, db, "signout"); got != "not signed in" {
		t.Errorf("a second signout says %q", got)
	}
}

func TestOAuthSettingsAreCheckedBeforeAnythingIsWritten(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	if got := mustRun(t, db, "oauth"); !strings.HasPrefix(got, "no OAuth2 sign-in set up") {
		t.Errorf("oauth with nothing set says %q", got)
	}
	mustRun(t, db, "oauth", "--provider", "microsoft", "--client-id", "0f1e2d3c-aaaa-bbbb-cccc-123456789abc", "--tenant", "stars.onmicrosoft.com")
	before := sum(t, db)
	for _, args := range [][]string{
		{"oauth", "--provider", "yahoo", "--client-id", "x"},
		{"oauth", "--tenant", "not a tenant"},
		{"oauth", "--client-id", ""},
		{"oauth", "--provider", "custom", "--client-id", "x", "--auth-url", "http://example.org/auth", "--token-url", "https://example.org/token", "--scopes", "mail"},
		{"oauth", "--account", "not an address"},
	} {
		if code, _, errs := xchange(t, db, args...); code != 1 || errs == "" {
			t.Errorf("xchange %s: exit %d, %q", strings.Join(args, " "), code, errs)
		}
	}
	if code, _, _ := xchange(t, db, "oauth", "--auth-url", "https://example.org/auth"); code != 2 {
		t.Errorf("an endpoint for Microsoft: exit %d, want 2", code)
	}
	if sum(t, db) != before {
		t.Error("a refused oauth changed the data file")
	}
	got := mustRun(t, db, "oauth")
	for _, want := range []string{"provider microsoft", "tenant stars.onmicrosoft.com",
		"scopes https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access openid email"} {
		if !strings.Contains(got, want) {
			t.Errorf("oauth says %q, without %q", got, want)
		}
	}
}
