package mailbox_test

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

// The tests talk to a real IMAP server: Debian's Dovecot (package dovecot-imapd, which
// `make deps` installs), started by the test on 127.0.0.1 with a configuration of its own
// in a temporary directory. Under CI (CI=true) a missing Dovecot fails the tests rather
// than skipping them.

const (
	testUser     = "desk@stars.example.eu"
	testPassword = "correct horse battery staple"
	// noKeywords is a folder where the user may not set keywords (an ACL without the w
	// right): the server then leaves \* out of PERMANENTFLAGS, as servers that refuse
	// keywords do.
	noKeywords = "NoKeywords"
)

// dovecot is one running server. Plain (and STARTTLS) on port, implicit TLS on tlsPort.
type dovecot struct {
	dir           string
	port, tlsPort int
	cmd           *exec.Cmd
}

func dovecotBinary(t *testing.T) string {
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

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startDovecot starts a Dovecot of its own for the test and stops it when the test ends.
func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	bin := dovecotBinary(t)
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
	d := &dovecot{dir: dir, port: freePort(t), tlsPort: freePort(t)}

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
	write(t, filepath.Join(dir, "passwd"), testUser+":{PLAIN}"+testPassword+"\n")
	write(t, filepath.Join(dir, "acl"), noKeywords+" owner lrsti\n") // no w: no keywords
	write(t, filepath.Join(dir, "dovecot.conf"), fmt.Sprintf(`# Written by exchange/mailbox's tests.
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
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
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
`, dir, users, mailUID, mailGID, d.port, d.tlsPort))

	var stderr lockedBuffer
	d.cmd = exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	d.cmd.Stdout, d.cmd.Stderr = &stderr, &stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { d.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("dovecot stopped at once: %s\n%s", stderr.String(), d.log())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)), time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot did not listen on port %d: %s\n%s", d.port, stderr.String(), d.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

func (d *dovecot) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

// config is how the app reaches this server's INBOX, unencrypted on 127.0.0.1.
func (d *dovecot) config() mailbox.Config {
	return mailbox.Config{Host: "127.0.0.1", Port: d.port, TLS: mail.NoTLS, User: testUser, Password: testPassword,
		Timeout: 10 * time.Second}
}

// admin is a plain IMAP session for the test itself: to put messages in and look at flags.
func (d *dovecot) admin(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(testUser, testPassword).Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, d.log())
	}
	return c
}

// deliver puts messages in folder (created if need be) as a mail server would, unread.
func (d *dovecot) deliver(t *testing.T, folder string, msgs ...[]byte) {
	t.Helper()
	c := d.admin(t)
	if folder != "INBOX" {
		if err := c.Create(folder, nil).Wait(); err != nil && !strings.Contains(err.Error(), "ALREADYEXISTS") {
			t.Fatalf("create %s: %v", folder, err)
		}
	}
	for _, m := range msgs {
		cmd := c.Append(folder, int64(len(m)), nil)
		if _, err := cmd.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("append to %s: %v", folder, err)
		}
	}
}

// flags returns every message's flags in folder, by UID, read with EXAMINE so that looking
// changes nothing.
func (d *dovecot) flags(t *testing.T, folder string) map[uint32][]imap.Flag {
	t.Helper()
	c := d.admin(t)
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32][]imap.Flag{}
	for _, b := range bufs {
		out[uint32(b.UID)] = b.Flags
	}
	return out
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCertificate makes a self-signed certificate for 127.0.0.1, for STARTTLS and TLS.
func writeCertificate(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
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
