package mail_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xchangedesk/xchangedesk/exchange/mail"
	"github.com/xchangedesk/xchangedesk/exchange/mail/keyringtest"
)

// These tests run against a real Secret Service: a gnome-keyring-daemon on a private
// D-Bus session bus that keyringtest starts for each test (Debian: dbus, gnome-keyring).

// noVariables unsets both password variables for the test, so that a password can only
// come from the keyring.
func noVariables(t *testing.T) {
	t.Helper()
	for _, v := range []string{mail.PasswordVariable, mail.IMAPPasswordVariable} {
		t.Setenv(v, "") // restored when the test ends
		os.Unsetenv(v)
	}
}

// inKeyring says whether the Secret Service holds an item for the given account, found by
// the attributes go-keyring files it under.
func inKeyring(t *testing.T, k *keyringtest.Keyring, account string) bool {
	t.Helper()
	out := k.Send(t, keyringtest.LoginCollection, "org.freedesktop.Secret.Collection.SearchItems",
		"dict:string:string:service,Xchange Desk,username,"+account)
	return strings.Contains(out, keyringtest.LoginCollection+"/")
}

// noFileHolds fails the test if any file under dir holds secret.
func noFileHolds(t *testing.T, dir, secret string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the password in clear", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestKeyringKeepsTheSMTPPassword(t *testing.T) {
	k := keyringtest.Start(t)
	noVariables(t)
	home := t.TempDir() // where the program would keep its data
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	const secret = "smtp-Pässwort-7f3a"

	if got := mail.Password("smtp.example.org", "desk"); got != "" {
		t.Fatalf("a password %q before any was saved", got)
	}
	if err := mail.SavePassword("smtp.example.org", "desk", secret); err != nil {
		t.Fatalf("saving in the keyring: %v\n%s", err, k.Log())
	}
	if got := mail.Password("smtp.example.org", "desk"); got != secret {
		t.Fatalf("read back %q", got)
	}
	if !inKeyring(t, k, "smtp://desk@smtp.example.org") {
		t.Fatal("the Secret Service holds no item for smtp://desk@smtp.example.org")
	}
	// The password belongs to that user at that server, and to SMTP only.
	if got := mail.Password("smtp.example.org", "other"); got != "" {
		t.Fatalf("another user's password %q", got)
	}
	if got := mail.Password("mail.example.org", "desk"); got != "" {
		t.Fatalf("another server's password %q", got)
	}
	if got := mail.IMAPPassword("smtp.example.org", "desk"); got != "" {
		t.Fatalf("the SMTP password came back for IMAP: %q", got)
	}
	// Saving again replaces it.
	if err := mail.SavePassword("smtp.example.org", "desk", secret+"-new"); err != nil {
		t.Fatal(err)
	}
	if got := mail.Password("smtp.example.org", "desk"); got != secret+"-new" {
		t.Fatalf("after saving a new one: %q", got)
	}
	// The keyring comes before the variable.
	t.Setenv(mail.PasswordVariable, "from-the-environment")
	if got := mail.Password("smtp.example.org", "desk"); got != secret+"-new" {
		t.Fatalf("with the variable set too: %q", got)
	}

	noFileHolds(t, home, secret)
	noFileHolds(t, k.Dir, secret) // gnome-keyring keeps it encrypted on disk
}

func TestKeyringKeepsTheIMAPPassword(t *testing.T) {
	k := keyringtest.Start(t)
	noVariables(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	const smtpSecret, imapSecret = "smtp-secret-19c2", "imap-secret-4d8e"

	// The same account on the same server may have two passwords: each keeps its own.
	if err := mail.SavePassword("mail.example.org", "desk", smtpSecret); err != nil {
		t.Fatalf("saving the SMTP password: %v\n%s", err, k.Log())
	}
	if err := mail.SaveIMAPPassword("mail.example.org", "desk", imapSecret); err != nil {
		t.Fatalf("saving the IMAP password: %v\n%s", err, k.Log())
	}
	if got := mail.IMAPPassword("mail.example.org", "desk"); got != imapSecret {
		t.Fatalf("IMAP password %q", got)
	}
	if got := mail.Password("mail.example.org", "desk"); got != smtpSecret {
		t.Fatalf("SMTP password %q", got)
	}
	if !inKeyring(t, k, "imap://desk@mail.example.org") {
		t.Fatal("the Secret Service holds no item for imap://desk@mail.example.org")
	}
	if got := mail.IMAPPassword("mail.example.org", "someone"); got != "" {
		t.Fatalf("another user's password %q", got)
	}
	t.Setenv(mail.IMAPPasswordVariable, "from-the-environment")
	if got := mail.IMAPPassword("mail.example.org", "desk"); got != imapSecret {
		t.Fatalf("with the variable set too: %q", got)
	}

	for _, s := range []string{smtpSecret, imapSecret} {
		noFileHolds(t, home, s)
		noFileHolds(t, k.Dir, s)
	}
}

// checkNoKeyring checks what saving and reading say without a usable keyring: an error
// matching ErrNoKeyring that names the variable to set, and the variable's password.
func checkNoKeyring(t *testing.T) {
	t.Helper()
	t.Setenv(mail.PasswordVariable, "smtp-from-the-environment")
	t.Setenv(mail.IMAPPasswordVariable, "imap-from-the-environment")

	err := mail.SavePassword("smtp.example.org", "desk", "secret")
	if !errors.Is(err, mail.ErrNoKeyring) {
		t.Fatalf("saving the SMTP password: %v, want ErrNoKeyring", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "keyring cannot keep the password") || !strings.Contains(msg, "set "+mail.PasswordVariable+" instead") {
		t.Errorf("the SMTP error does not say what to do: %q", msg)
	}
	if got := mail.Password("smtp.example.org", "desk"); got != "smtp-from-the-environment" {
		t.Errorf("SMTP password %q, want the variable's", got)
	}

	err = mail.SaveIMAPPassword("imap.example.org", "desk", "secret")
	if !errors.Is(err, mail.ErrNoKeyring) {
		t.Fatalf("saving the IMAP password: %v, want ErrNoKeyring", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "keyring cannot keep the password") || !strings.Contains(msg, "set "+mail.IMAPPasswordVariable+" instead") {
		t.Errorf("the IMAP error does not say what to do: %q", msg)
	}
	if got := mail.IMAPPassword("imap.example.org", "desk"); got != "imap-from-the-environment" {
		t.Errorf("IMAP password %q, want the variable's", got)
	}
}

func TestALockedKeyringGivesErrNoKeyringAndTheVariable(t *testing.T) {
	k := keyringtest.Start(t)
	noVariables(t)
	// Saved while unlocked, then locked (a session without PAM, a screen lock): the
	// keyring cannot be asked without a prompt, and there is no one to answer it.
	if err := mail.SavePassword("smtp.example.org", "desk", "from-the-keyring"); err != nil {
		t.Fatalf("saving in the keyring: %v\n%s", err, k.Log())
	}
	if err := mail.SaveIMAPPassword("imap.example.org", "desk", "from-the-keyring"); err != nil {
		t.Fatalf("saving in the keyring: %v\n%s", err, k.Log())
	}
	k.Lock(t)
	checkNoKeyring(t)
}

func TestAnAbsentKeyringGivesErrNoKeyringAndTheVariable(t *testing.T) {
	keyringtest.StartBus(t) // a session bus, but no Secret Service on it
	checkNoKeyring(t)
}
