package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
)

// These tests run against a real Secret Service: a gnome-keyring-daemon on a private
// D-Bus session bus that keyringtest starts for each test (Debian: dbus, gnome-keyring).

// keyringWorld starts a keyring, unsets the password variables (so that a password can
// only come from the keyring) and returns a data file in a directory of its own.
func keyringWorld(t *testing.T) (*keyringtest.Keyring, string) {
	t.Helper()
	k := keyringtest.Start(t)
	for _, v := range []string{mail.PasswordVariable, mail.IMAPPasswordVariable} {
		t.Setenv(v, "") // restored when the test ends
		os.Unsetenv(v)
	}
	return k, filepath.Join(t.TempDir(), "x.db")
}

// runWithPassword runs the CLI with password on standard input, as `--password-stdin` reads it.
func runWithPassword(t *testing.T, db, password string, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	if code := runCLIWithInput(db, args, strings.NewReader(password+"\n"), &out, &errs); code != 0 {
		t.Fatalf("xchange %s: exit %d: %s", strings.Join(args, " "), code, errs.String())
	}
	if strings.Contains(out.String()+errs.String(), password) {
		t.Fatalf("xchange %s printed the password", strings.Join(args, " "))
	}
	return out.String()
}

// nothingHolds fails the test if any file in the data file's directory (the data file, its
// journal or anything else written there) holds secret.
func nothingHolds(t *testing.T, db, secret string) {
	t.Helper()
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("no data file: %v", err)
	}
	err := filepath.WalkDir(filepath.Dir(db), func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the password", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKeyringKeepsThePasswordGivenToSMTP(t *testing.T) {
	k, db := keyringWorld(t)
	const secret = "smtp-cli-secret-a41f"
	out := runWithPassword(t, db, secret, "smtp", "--host", "smtp.stars.example.eu", "--port", "587",
		"--tls", "starttls", "--user", "desk", "--password-stdin")
	if !strings.Contains(out, "password set (kept in the system keyring") {
		t.Fatalf("smtp said %q", out)
	}
	if got := mail.Password("smtp.stars.example.eu", "desk"); got != secret {
		t.Fatalf("the keyring holds %q\n%s", got, k.Log())
	}
	if got := mail.IMAPPassword("smtp.stars.example.eu", "desk"); got != "" {
		t.Fatalf("the SMTP password was kept for IMAP too: %q", got)
	}
	nothingHolds(t, db, secret)
	// Shown again later, the settings find the password in the keyring.
	if got := mustRun(t, db, "smtp"); !strings.Contains(got, "password set") || strings.Contains(got, secret) {
		t.Fatalf("smtp says %q", got)
	}
}

func TestKeyringKeepsThePasswordGivenToIMAP(t *testing.T) {
	k, db := keyringWorld(t)
	const secret = "imap-cli-secret-93be"
	out := runWithPassword(t, db, secret, "imap", "--host", "imap.stars.example.eu", "--port", "993",
		"--tls", "tls", "--user", "desk", "--password-stdin")
	if !strings.Contains(out, "password set (kept in the system keyring") {
		t.Fatalf("imap said %q", out)
	}
	if got := mail.IMAPPassword("imap.stars.example.eu", "desk"); got != secret {
		t.Fatalf("the keyring holds %q\n%s", got, k.Log())
	}
	if got := mail.Password("imap.stars.example.eu", "desk"); got != "" {
		t.Fatalf("the IMAP password was kept for SMTP too: %q", got)
	}
	nothingHolds(t, db, secret)
	if got := mustRun(t, db, "imap"); !strings.Contains(got, "password set") || strings.Contains(got, secret) {
		t.Fatalf("imap says %q", got)
	}
}
