// Package mailboxtest runs a real IMAP server for tests: Debian's Dovecot (package
// dovecot-imapd, which `make deps` installs), started on 127.0.0.1 with a configuration of
// its own in a temporary directory and stopped when the test ends. It speaks plain IMAP and
// STARTTLS on Port and implicit TLS on TLSPort, with a self-signed certificate for
// 127.0.0.1, and lets User sign in with Password; with the option OAuth2 it also takes
// OAuth2 access tokens (XOAUTH2, OAUTHBEARER) checked by an authorisation server.
//
// Without Dovecot the test is skipped, except under CI (CI=true), where it fails: CI has it.
// Dovecot is a real server with real answers, so what the app does to a mailbox (flags,
// keywords, what it leaves alone) is what it would do to the organiser's.
package mailboxtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mailbox"
)

// The test server's login and its folders. The password is long and odd so that finding it
// in an error or a file cannot be a coincidence.
const (
	Host     = "127.0.0.1"
	User     = "desk@stars.example.eu"
	Password = "correct horse battery staple"
	// NoKeywords is a folder where the user may not set keywords (an ACL without the w
	// right): the server then leaves \* out of PERMANENTFLAGS, as servers that refuse
	// keywords do. Append creates it like any other folder.
	NoKeywords = "NoKeywords"
)

// Option changes how Start sets Dovecot up.
type Option func(*options)

type options struct {
	introspectionURL, oauthUser string
	oauthMechanisms             []string
}

// OAuth2 makes Dovecot accept OAuth2 access tokens for user, with SASL XOAUTH2 and
// OAUTHBEARER: an oauth2 passdb asks introspectionURL about each token (RFC 7662, POST,
// with the introspection client's credentials in the URL, as
// oauthtest.Server.IntrospectURLWithCredentials gives it) and takes it when the answer is
// active and names user. user is then the server's user (Server.User), who also logs in
// with Password, so that the test's own sessions (Dial, Append, Flags) see that mailbox;
// PLAIN and LOGIN keep working as before. mechanisms, if given, are the OAuth2 mechanisms
// offered ("xoauth2" alone, say, for a server without OAUTHBEARER); none means both.
func OAuth2(introspectionURL, user string, mechanisms ...string) Option {
	return func(o *options) {
		o.introspectionURL, o.oauthUser, o.oauthMechanisms = introspectionURL, user, mechanisms
		if len(mechanisms) == 0 {
			o.oauthMechanisms = []string{"xoauth2", "oauthbearer"}
		}
	}
}

// Server is one running Dovecot. Its methods fail the test that started it, so call them
// from that test's goroutine (not from a subtest of it or another goroutine).
type Server struct {
	t             testing.TB
	dir           string
	port, tlsPort int
	user          string
}

// Binary is the path of the dovecot program. Without one it skips t, or fails it under CI.
func Binary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"dovecot", "/usr/sbin/dovecot"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("dovecot is not installed: the IMAP tests need Debian's dovecot-imapd (make deps installs it)")
	}
	t.Skip("dovecot is not installed (apt-get install dovecot-imapd, or make deps)")
	return ""
}

// FreePort is a TCP port of 127.0.0.1 that nothing listened on a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", Host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts a Dovecot of its own for the test, with an empty mailbox, and stops it when
// the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bin := Binary(t)
	// Not t.TempDir: Dovecot's unprivileged helpers must reach its sockets, and the
	// test's temporary directories are private to the user running the test.
	dir, err := os.MkdirTemp("", "xchange-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, dir: dir, port: FreePort(t), tlsPort: FreePort(t), user: User}

	// Run as root (CI, this workplace), Dovecot drops its login processes to its own
	// users and refuses to keep mail as root, so mail belongs to nobody. Run as anyone
	// else, everything runs as that user.
	var users string
	mailUID, mailGID := os.Getuid(), os.Getgid()
	if os.Getuid() == 0 {
		mailUID, mailGID = 65534, 65534
		if u, err := user.Lookup("nobody"); err == nil {
			mailUID, _ = strconv.Atoi(u.Uid)
			mailGID, _ = strconv.Atoi(u.Gid)
		}
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		users = fmt.Sprintf("default_internal_user = %s\ndefault_internal_group = %s\ndefault_login_user = %s\n",
			u.Username, g.Name, u.Username)
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		if err := os.Chown(home, mailUID, mailGID); err != nil {
			t.Fatal(err)
		}
	}
	writeCertificate(t, dir)
	mechanisms, oauthPassdb := "plain login", ""
	if o.introspectionURL != "" {
		s.user = o.oauthUser
		oauthMechs := strings.Join(o.oauthMechanisms, " ")
		mechanisms += " " + oauthMechs
		// The oauth2 passdb serves only the OAuth2 mechanisms, passwd-file the others.
		oauthPassdb = fmt.Sprintf(`passdb {
  driver = oauth2
  mechanisms = %s
  args = %s/dovecot-oauth2.conf.ext
}
`, oauthMechs, dir)
		write(t, filepath.Join(dir, "dovecot-oauth2.conf.ext"), fmt.Sprintf(`# Written by exchange/mailbox/mailboxtest.
introspection_mode = post
introspection_url = %s
username_attribute = username
active_attribute = active
active_value = true
`, o.introspectionURL))
	}
	write(t, filepath.Join(dir, "passwd"), s.user+":{PLAIN}"+Password+"\n")
	write(t, filepath.Join(dir, "acl"), NoKeywords+" owner lrsti\n") // no w: no keywords
	write(t, filepath.Join(dir, "dovecot.conf"), fmt.Sprintf(`# Written by exchange/mailbox/mailboxtest.
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
%[2]s
first_valid_uid = %[3]d
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = %[7]s
auth_failure_delay = 0
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
%[8]suserdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/home/%%u
}
mail_location = maildir:~/Maildir
mail_plugins = acl
plugin {
  acl = vfile:%[1]s/acl
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[6]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
`, dir, users, mailUID, mailGID, s.port, s.tlsPort, mechanisms, oauthPassdb))

	var stderr lockedBuffer
	cmd := exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("dovecot stopped at once: %s\n%s", stderr.String(), s.Log())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(Host, strconv.Itoa(s.port)), time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot did not listen on port %d: %s\n%s", s.port, stderr.String(), s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Port is the port for plain IMAP and STARTTLS on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// TLSPort is the port for IMAP over TLS from the first byte on 127.0.0.1.
func (s *Server) TLSPort() int { return s.tlsPort }

// Log is what Dovecot logged so far, for a failing test to show.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dovecot.log"))
	return string(b)
}

// User is who signs in: User, or the user given to OAuth2.
func (s *Server) User() string { return s.user }

// Config is how the app reaches this server's INBOX: unencrypted on 127.0.0.1, as
// Server.User with Password.
func (s *Server) Config() mailbox.Config {
	return mailbox.Config{Host: Host, Port: s.port, TLS: mail.NoTLS, User: s.user, Password: Password,
		Timeout: 10 * time.Second}
}

// Dial opens a plain IMAP session of the test's own, signed in as User, to look at the
// mailbox or change it behind the app's back; the caller closes it.
func (s *Server) Dial() *imapclient.Client {
	s.t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(Host, strconv.Itoa(s.port)), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := c.Login(s.user, Password).Wait(); err != nil {
		c.Close()
		s.t.Fatalf("login: %v\n%s", err, s.Log())
	}
	return c
}

// Append puts messages in folder (created if need be) as a mail server delivers them:
// unread, without flags, each with the next UID (the first in a new folder is 1).
func (s *Server) Append(folder string, msgs ...[]byte) {
	s.t.Helper()
	c := s.Dial()
	defer c.Close()
	if !strings.EqualFold(folder, "INBOX") {
		if err := c.Create(folder, nil).Wait(); err != nil && !strings.Contains(err.Error(), "ALREADYEXISTS") {
			s.t.Fatalf("create %s: %v", folder, err)
		}
	}
	for _, m := range msgs {
		cmd := c.Append(folder, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			s.t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			s.t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			s.t.Fatalf("append to %s: %v", folder, err)
		}
	}
}

// Flags returns every message's flags and keywords in folder, by UID. It looks with
// EXAMINE, so that looking changes nothing (not even \Recent).
func (s *Server) Flags(folder string) map[uint32][]imap.Flag {
	s.t.Helper()
	c := s.Dial()
	defer c.Close()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		s.t.Fatalf("examine %s: %v", folder, err)
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		s.t.Fatalf("fetch flags of %s: %v", folder, err)
	}
	out := map[uint32][]imap.Flag{}
	for _, b := range bufs {
		out[uint32(b.UID)] = b.Flags
	}
	return out
}

// HasFlag reports whether flags holds f, compared as IMAP compares them (case-insensitively).
func HasFlag(flags []imap.Flag, f imap.Flag) bool {
	for _, g := range flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCertificate makes a self-signed certificate for 127.0.0.1, for STARTTLS and TLS.
func writeCertificate(t testing.TB, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: Host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP(Host)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "cert.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	write(t, filepath.Join(dir, "key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
